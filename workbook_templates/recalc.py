"""Recalculate a template headlessly with the `formulas` library and the real cell functions.

`formulas` knows neither Excel Tables nor our UDFs, so `recalculate`:
1. rewrites every structured reference into an A1 range (`structured.expand`) in a temporary
   copy (openpyxl keeps the dynamic-array formula as an array formula over its spill range);
2. registers each function of `followup.udfs.excel` under its Excel name (and the `_xludf.`
   / `_xlfn.` prefixed names Excel may store), wrapped so it receives what xlwings passes:
   scalars for single cells, 2-D lists for ranges, None for empty cells, and `datetime` for
   cells whose header names a date column;
3. calculates, optionally with `today` pinned (the 设置 cell `=TODAY()` behind FU_Today).

The result maps (sheet, "A1") to the recalculated value of every formula cell.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from pathlib import Path

import numpy as np

from followup.udfs.dates import excel_serial_to_date
from followup.udfs.schema import (CALL_COLUMNS, COMPUTED_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS,
                                  GIFT_COLUMNS, canonical)

from .layout import DATE_KEYS, DATETIME_KEYS, NAMES
from .structured import expand, tables_of

__all__ = ["excel_functions", "register_functions", "recalculate", "to_python", "from_python"]

_EPOCH = dt.datetime(1899, 12, 30)
_ALL = {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **CALL_COLUMNS, **GIFT_COLUMNS, **COMPUTED_COLUMNS}


def excel_functions() -> dict[str, object]:
    """Excel name → Python function, for every cell function of followup.udfs.excel."""
    from followup.udfs import excel

    return {name: getattr(excel, name) for name in excel.__all__ if name.isupper()}


def _empty(v) -> bool:
    import schedula as sh

    return v is sh.EMPTY or v is None or (isinstance(v, float) and math.isnan(v))


def _scalar(v):
    from formulas.tokens.operand import XlError

    if _empty(v):
        return None
    if isinstance(v, XlError):
        raise ValueError(str(v))
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bool):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _serial_to_datetime(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 1:
        whole = excel_serial_to_date(v)
        return dt.datetime.combine(whole, dt.time()) + dt.timedelta(seconds=round((v - math.floor(v)) * 86400))
    return v


def to_python(value):
    """A `formulas` argument → what xlwings would pass: scalar, or a 2-D list for a range."""
    from formulas.ranges import Ranges

    if isinstance(value, Ranges):
        value = value.value
    arr = np.asarray(value, dtype=object)
    if arr.ndim == 0:
        return _scalar(arr.item())
    arr = arr.reshape(arr.shape[0], -1) if arr.ndim == 2 else arr.reshape(1, -1)
    if arr.shape == (1, 1):
        return _scalar(arr[0, 0])
    rows = [[_scalar(v) for v in row] for row in arr.tolist()]
    # A range with a header row: date columns arrive as datetime (xlwings reads the number format).
    head = rows[0]
    for j, h in enumerate(head):
        key = canonical(_ALL, h) if isinstance(h, str) else None
        if key in DATE_KEYS or key in DATETIME_KEYS:
            for r in rows[1:]:
                r[j] = _serial_to_datetime(r[j])
    return rows


def from_python(value):
    """A cell function's result → a `formulas` array (dates as serials, None as "")."""
    def one(v):
        if v is None:
            return ""
        if isinstance(v, dt.datetime):
            return (v - _EPOCH).total_seconds() / 86400
        if isinstance(v, dt.date):
            return float((v - _EPOCH.date()).days)
        if isinstance(v, bool):
            return v
        if isinstance(v, int):
            return float(v)
        return v

    if isinstance(value, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in value]
        width = max((len(r) for r in rows), default=1)
        return np.array([[one(v) for v in r] + [""] * (width - len(r)) for r in rows], dtype=object)
    return np.array([[one(value)]], dtype=object)


def _wrap(fn, errors: list):
    def call(*args):
        try:
            return from_python(fn(*(to_python(a) for a in args)))
        except Exception as e:  # Excel shows #VALUE!; keep the message for the caller
            from formulas.tokens.operand import Error

            errors.append(f"{fn.__name__}: {e}")
            return np.array([[Error.errors["#VALUE!"]]], dtype=object)

    call.__name__ = fn.__name__
    return call


def register_functions(errors: list | None = None) -> list[str]:
    """Put every followup cell function into `formulas.get_functions()`; returns the names."""
    import formulas

    table = formulas.get_functions()
    errors = errors if errors is not None else []
    names = []
    for name, fn in excel_functions().items():
        wrapped = _wrap(fn, errors)
        for prefix in ("", "_XLUDF.", "_XLFN."):
            table[prefix + name] = wrapped
        names.append(name)
    return names


def _rewrite(src: Path, dst: Path) -> dict[str, str]:
    """Copy `src` to `dst` with every structured reference expanded; returns the defined names."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    wb = openpyxl.load_workbook(src)
    tables = tables_of(wb)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, ArrayFormula):
                    v.text = expand(v.text, tables, c.row)
                elif isinstance(v, str) and v.startswith("="):
                    c.value = expand(v, tables, c.row)
    names = {}
    for name, dn in wb.defined_names.items():
        names[name] = dn.attr_text
    wb.save(dst)
    return names


_KEY = re.compile(r"^'?\[(?P<book>[^\]]+)\](?P<sheet>.+?)'?!(?P<ref>[A-Z]+\d+(?::[A-Z]+\d+)?)$")


def recalculate(path: str | Path, today: dt.date | None = None) -> tuple[dict[tuple[str, str], object], list[str]]:
    """Recalculate every formula of the workbook at `path`.

    Returns ({(sheet, "A1"): value}, errors): dates come back as Excel serials (floats), empty
    results as "". `today` pins the FU_Today cell (else `=TODAY()` gives the real date).
    """
    import formulas
    import openpyxl
    from openpyxl.utils import get_column_letter, range_boundaries

    errors: list[str] = []
    register_functions(errors)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "recalc.xlsx"
        names = _rewrite(Path(path), copy)
        model = formulas.ExcelModel().loads(str(copy)).finish()
        inputs = {}
        if today is not None:
            ref = names[NAMES["today"]]
            sheet, cell = ref.rsplit("!", 1)
            key = f"'[{copy.name}]{sheet.strip(chr(39)).upper()}'!{cell.replace('$', '').upper()}"
            inputs[key] = (dt.datetime.combine(today, dt.time()) - _EPOCH).days
        solution = model.calculate(inputs=inputs)
        formula_cells = set()
        wb = openpyxl.load_workbook(copy)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    v = c.value
                    if hasattr(v, "ref") and hasattr(v, "text"):  # ArrayFormula: its whole range
                        c1, r1, c2, r2 = range_boundaries(v.ref)
                        formula_cells.update((ws.title, f"{get_column_letter(cc)}{rr}")
                                             for rr in range(r1, r2 + 1) for cc in range(c1, c2 + 1))
                    elif isinstance(v, str) and v.startswith("="):
                        formula_cells.add((ws.title, c.coordinate))
    out: dict[tuple[str, str], object] = {}
    wanted = {(s.upper(), a) for s, a in formula_cells}
    for key, val in solution.items():
        m = _KEY.match(str(key))
        if not m:
            continue
        sheet = m.group("sheet").strip("'")
        arr = np.asarray(getattr(val, "value", val), dtype=object)
        arr = arr.reshape(arr.shape[0], -1) if arr.ndim >= 2 else arr.reshape(1, -1)
        c1, r1, c2, r2 = range_boundaries(m.group("ref"))
        for i in range(r2 - r1 + 1):
            for j in range(c2 - c1 + 1):
                a1 = f"{get_column_letter(c1 + j)}{r1 + i}"
                if (sheet.upper(), a1) in wanted:
                    v = arr[i, j] if i < arr.shape[0] and j < arr.shape[1] else None
                    out[(sheet, a1)] = _cell(v)
    # formulas upper-cases sheet names; map back to the workbook's spelling
    spelled = {s.upper(): s for s, _ in formula_cells}
    return {(spelled.get(s.upper(), s), a): v for (s, a), v in out.items()}, errors


def _cell(v):
    import schedula as sh

    if v is sh.EMPTY or v is None:
        return ""
    if isinstance(v, np.generic):
        v = v.item()
    if type(v).__name__ == "XlError":
        return str(v)
    return v
