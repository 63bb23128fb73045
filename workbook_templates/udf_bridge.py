"""The followup cell functions as the `formulas` library calls them.

`register_functions` puts each function of `followup.udfs.excel` into `formulas` under its
Excel name (and the `_xludf.` / `_xlfn.` prefixed names Excel may store), wrapped so it
receives what xlwings passes: scalars for single cells, 2-D lists for ranges, None for empty
cells, and `datetime` for cells whose header names a date column. An exception becomes
#VALUE! in the cell and a message in the caller's error list.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np

from followup.udfs.dates import excel_serial_to_date
from followup.udfs.schema import CALL_COLUMNS, COMPUTED_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS, GIFT_COLUMNS, canonical

from .layout import DATE_KEYS, DATETIME_KEYS

__all__ = ["excel_functions", "register_functions", "to_python", "from_python", "EPOCH"]

EPOCH = dt.datetime(1899, 12, 30)
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
            return (v - EPOCH).total_seconds() / 86400
        if isinstance(v, dt.date):
            return float((v - EPOCH.date()).days)
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
