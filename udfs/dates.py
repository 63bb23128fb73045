"""Turn whatever a spreadsheet cell holds into a `datetime.date` (or None for an empty cell).

Accepted: Excel serials (1900 date system), `date`/`datetime`/pandas Timestamp/numpy datetime64,
ISO text (`2026-11-03`, `2026-11-03 10:20`), `2026/11/3`, `2026.11.3` and `2026年11月3日`.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from .errors import BadArgument
from .messages import expected

__all__ = ["to_date", "to_datetime", "excel_serial_to_date", "EXCEL_EPOCH"]

# Excel's 1900 system counts 1900-02-29 (serial 60), a day that never was: from serial 61 on,
# serial n is 1899-12-30 + n days; before it, 1899-12-31 + n days.
EXCEL_EPOCH = dt.date(1899, 12, 30)
_TEXT = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)


def excel_serial_to_date(serial: float) -> dt.date:
    whole = int(math.floor(serial))
    if whole < 1 or whole > 2958465:  # 9999-12-31
        raise ValueError(serial)
    if whole < 60:
        return dt.date(1899, 12, 31) + dt.timedelta(days=whole)
    if whole == 60:
        raise ValueError(serial)  # 1900-02-29 does not exist
    return EXCEL_EPOCH + dt.timedelta(days=whole)


def to_datetime(value: object, argument: str = "date") -> dt.datetime | None:
    """Like `to_date` but keeps the time of day (00:00 when the value has none)."""
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp; NaT is an empty cell
        return None if value != value else value
    if isinstance(value, str):
        m = _TEXT.match(value)
        if m and m.group(4) is not None:
            y, mo, d, hh, mm, ss = (int(g or 0) for g in m.groups())
            try:
                return dt.datetime(y, mo, d, hh, mm, ss)
            except ValueError:
                raise BadArgument(argument, value, expected("date_time")) from None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not _is_nan(value):
        day = to_date(value, argument)
        if day is None:
            return None
        frac = float(value) - math.floor(float(value))
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=round(frac * 86400))
    day = to_date(value, argument)
    return None if day is None else dt.datetime.combine(day, dt.time())


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and value != value


def to_date(value: object, argument: str = "date") -> dt.date | None:
    """Parse one cell value; empty → None; anything else unusable → BadArgument."""
    if value is None:
        return None
    if type(value) is dt.date:
        return value
    if isinstance(value, dt.datetime):  # includes pandas.Timestamp
        if value != value:  # NaT
            return None
        return value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        m = _TEXT.match(text)
        if m:
            try:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        raise BadArgument(argument, value, expected("date_text"))
    if isinstance(value, bool):
        raise BadArgument(argument, value, expected("date_bool"))
    if isinstance(value, (int, float)):
        if _is_nan(value):
            return None
        try:
            return excel_serial_to_date(value)
        except (ValueError, OverflowError):
            raise BadArgument(argument, value, expected("date_serial")) from None
    if type(value).__name__ == "datetime64":  # numpy scalar
        import numpy as np

        assert isinstance(value, np.datetime64)
        if np.isnat(value):
            return None
        return dt.date.fromisoformat(str(value.astype("datetime64[D]")))
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    raise BadArgument(argument, value, expected("date_type"))
