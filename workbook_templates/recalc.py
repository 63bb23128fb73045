"""Recalculate a template headlessly with the `formulas` library and the real cell functions.

`formulas` knows neither Excel Tables nor our UDFs, so `recalculate`:
1. rewrites every structured reference into an A1 range (`structured.expand`) in a temporary
   copy (openpyxl keeps the dynamic-array formula as an array formula over its spill range);
2. registers the cell functions of `followup.udfs.excel` (`udf_bridge.register_functions`:
   they receive what xlwings would pass);
3. calculates, optionally with `today` pinned (the 设置 cell `=TODAY()` behind FU_Today).

The result maps (sheet, "A1") to the recalculated value of every formula cell.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .layout import NAMES
from .structured import expand, tables_of
from .udf_bridge import EPOCH, register_functions

__all__ = ["recalculate"]


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
            inputs[key] = (dt.datetime.combine(today, dt.time()) - EPOCH).days
        solution = model.calculate(inputs=inputs)
        formula_cells: set[Any] = set()
        wb = openpyxl.load_workbook(copy)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    v = c.value
                    if hasattr(v, "ref") and hasattr(v, "text"):  # ArrayFormula: its whole range
                        c1, r1, c2, r2 = range_boundaries(v.ref)
                        formula_cells.update(
                            (ws.title, f"{get_column_letter(cc)}{rr}")
                            for rr in range(r1, r2 + 1)
                            for cc in range(c1, c2 + 1)
                        )
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
