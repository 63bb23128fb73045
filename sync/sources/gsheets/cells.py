"""Cell values between the Sheets API and the sync: serial dates, phones as text, A1 ranges."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from followup.udfs.schema import (
    CALL_COLUMNS,
    COMPUTED_COLUMNS,
    CUSTOMER_COLUMNS,
    FACT_COLUMNS,
    GIFT_COLUMNS,
    SHEETS,
    canonical,
)

__all__ = [
    "SHEETS_EPOCH",
    "from_serial",
    "to_serial",
    "to_cell",
    "a1",
    "sheet_columns",
    "normalize_grid",
    "cell_text",
    "trim_grid",
    "DATE_KEYS",
]

# Google Sheets serial numbers count days from 1899-12-30 for every date (no 1900 leap-day bug).
SHEETS_EPOCH = dt.datetime(1899, 12, 30)
DATE_KEYS = frozenset(
    {k for k in {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **GIFT_COLUMNS, **COMPUTED_COLUMNS} if k.endswith("_date")}
    | {"birthday", "call_time"}
)
TEXT_KEYS = frozenset({"phone", "customer_id", "name", "store", "owner"})

_SHEET_COLUMNS = {
    SHEETS["customers"]: {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COMPUTED_COLUMNS},
    SHEETS["calls"]: CALL_COLUMNS,
    SHEETS["gifts"]: GIFT_COLUMNS,
}


def sheet_columns(title: str) -> dict[str, str]:
    return _SHEET_COLUMNS.get(title, {})


def from_serial(value: float) -> dt.date | dt.datetime:
    """A SERIAL_NUMBER date → `date` (whole days) or `datetime` (with a time of day)."""
    stamp = SHEETS_EPOCH + dt.timedelta(days=float(value))
    if float(value).is_integer():
        return stamp.date()
    return stamp.replace(microsecond=0) + dt.timedelta(seconds=round(stamp.microsecond / 1e6))


def to_serial(value: dt.date | dt.datetime) -> int | float:
    if isinstance(value, dt.datetime):
        delta = value.replace(tzinfo=None) - SHEETS_EPOCH
        return round(delta.total_seconds() / 86400, 8)
    return (value - SHEETS_EPOCH.date()).days


def _number_text(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def normalize_grid(title: str, grid: list[list[Any]]) -> list[list[Any]]:
    """UNFORMATTED values of one sheet → what `parse_workbook` expects from any reader.

    Serial numbers in date columns become `date`/`datetime`; numbers in phone and id columns
    become text (13812345678, not 1.38e10). The header row locates the columns; other sheets
    (设置) pass through with their numbers.
    """
    if not grid:
        return []
    columns = sheet_columns(title)
    keys = [canonical(columns, h) if columns else None for h in grid[0]]
    out = [list(grid[0])]
    for row in grid[1:]:
        new = list(row)
        for j, v in enumerate(new):
            key = keys[j] if j < len(keys) else None
            if key is None or isinstance(v, bool) or not isinstance(v, (int, float)):
                continue
            if key in DATE_KEYS and math.isfinite(v) and 0 < v < 2958466:
                new[j] = from_serial(v)
            elif key in TEXT_KEYS:
                new[j] = _number_text(v)
        out.append(new)
    return out


def cell_text(v: Any) -> str:
    """How a cell compares for "did it change": numbers and text alike, empties as ""."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return _number_text(round(v, 8))
    return str(v)


def to_cell(value: Any) -> Any:
    """A computed value → a RAW cell: dates as serial numbers, empties as "", numbers kept."""
    if value is None:
        return ""
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, bytes)) and pd.isna(value)):
            return ""
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
    except (ImportError, TypeError, ValueError):
        pass
    if hasattr(value, "dtype") and str(getattr(value, "dtype", "")).startswith("datetime64"):
        import pandas as pd

        value = pd.Timestamp(value).to_pydatetime()
    if isinstance(value, dt.datetime):
        return to_serial(value.date()) if value.time() == dt.time() else to_serial(value)
    if isinstance(value, dt.date):
        return to_serial(value)
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def a1(title: str, ref: str = "") -> str:
    """`'客户'!A1:B2` with the sheet name quoted as Sheets wants it."""
    quoted = "'" + title.replace("'", "''") + "'"
    return f"{quoted}!{ref}" if ref else quoted


def trim_grid(rows: list[list[Any]]) -> list[list[Any]]:
    """Drop each row's trailing empty cells and the trailing empty rows, in place (as the Sheets
    API trims the grids it returns), and return `rows`."""
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows
