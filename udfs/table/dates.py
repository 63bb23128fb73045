"""Vectorised date helpers over numpy `datetime64[D]` arrays (NaT propagates).

`add_months` is the array form of `date + relativedelta(months=n)`: month ends clamp
(Jan 31 + 1M = Feb 28/29), always counted from the given date. Tests pin it to dateutil.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..dates import to_date
from ..errors import BadArgument
from ..schema import header

__all__ = ["NAT", "add_months", "add_offset", "semimonthly", "parse_days", "parse_times", "month_index"]

NAT = np.datetime64("NaT", "D")
_D = np.timedelta64(1, "D")


@functools.cache
def _calendar() -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables for 1900-01-01 … 2199-12-31: (first day as days since 1970, month of each day
    counted from 1900-01, first day of each month counted from the first day, its length).
    numpy's calendar casts (days → months → days) cost some 20 ns a value; a lookup one."""
    months = np.arange(np.datetime64("1900-01", "M"), np.datetime64("2200-02", "M"))
    starts = months.astype("datetime64[D]").astype(np.int64)
    lo = int(starts[0])
    length = np.diff(starts)
    return lo, np.repeat(np.arange(len(length)), length), starts[:-1] - lo, length


_M1900 = int(np.datetime64("1900-01", "M").astype(np.int64))  # months from 1970-01 to 1900-01


def _in_calendar(days: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(day number within the tables, NaT mask), or None when a date lies outside them."""
    if days.dtype != np.dtype("datetime64[D]") or not len(days):
        return None
    lo, day_month, _, _ = _calendar()
    nat = np.isnat(days)
    x = np.where(nat, 0, days.view(np.int64) - lo)
    if x.min() < 0 or x.max() >= len(day_month):
        return None
    return x, nat


def month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 (int64); NaT gives an undefined value (mask it yourself)."""
    inside = _in_calendar(days)
    if inside is None:
        out: np.ndarray = days.astype("datetime64[M]").astype(np.int64)
        return out
    month: np.ndarray = _calendar()[1][inside[0]] + _M1900
    return month


def add_months(days: np.ndarray, months: npt.ArrayLike) -> np.ndarray:
    months = np.broadcast_to(np.asarray(months, dtype=np.int64), days.shape)
    moved = months != 0
    if not moved.any():
        return days
    if not moved.all():  # only the rows that move by months pay for the calendar arithmetic
        out = days.copy()
        out[moved] = _shift(days[moved], months[moved])
        return out
    return _shift(days, months)


def _shift(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    inside = _in_calendar(days)
    if inside is not None:
        lo, day_month, first, length = _calendar()
        x, nat = inside
        m = day_month[x]
        target = m + months
        if target.min() >= 0 and target.max() < len(first):
            day0 = x - first[m]  # 0-based day of month
            moved = first[target] + np.minimum(day0, length[target] - 1) + lo
            return np.where(nat, NAT, moved.view("datetime64[D]"))
    start = days.astype("datetime64[M]")
    day0 = (days - start.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    target = start + months.astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    out = target.astype("datetime64[D]") + np.minimum(day0, length - 1).astype("timedelta64[D]")
    return np.where(np.isnat(days), NAT, out)


def add_offset(days: np.ndarray, months: npt.ArrayLike, offset_days: npt.ArrayLike) -> np.ndarray:
    """`days + relativedelta(months=months, days=offset_days)` element-wise."""
    out: np.ndarray = add_months(days, months) + np.asarray(offset_days, dtype=np.int64).astype("timedelta64[D]")
    return out


def semimonthly(anchor: np.ndarray, days_of_month: tuple[int, ...], i: npt.ArrayLike) -> np.ndarray:
    """The i-th date strictly after `anchor` on one of `days_of_month` (array form of cadence.semimonthly)."""
    per = len(days_of_month)
    dom = (anchor - anchor.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    passed = sum((dom >= d).astype(np.int64) for d in days_of_month)
    slot = month_index(anchor) * per + passed + np.asarray(i, dtype=np.int64)
    month = (slot // per).astype("datetime64[M]").astype("datetime64[D]")
    day = np.asarray(days_of_month, dtype=np.int64)[slot % per] - 1
    return np.where(np.isnat(anchor), NAT, month + day.astype("timedelta64[D]"))


def _located(values: pd.Series, bad: object, err: BadArgument, where: str) -> BadArgument:
    pos = int(np.flatnonzero((values == bad).to_numpy())[0]) if len(values) else 0
    try:
        column = header(str(values.name))
    except KeyError:
        column = str(values.name)
    return BadArgument(f"{where} 第{pos + 2}行 {column}", bad, err.expected)  # sheet row: header is row 1


def parse_days(values: pd.Series, where: str = "客户") -> np.ndarray:
    """Any mix of cell values → datetime64[D]; each distinct value parsed once by `to_date`."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.to_numpy().astype("datetime64[D]")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.empty(len(uniques) + 1, dtype="datetime64[D]")
    parsed[-1] = NAT
    for j, v in enumerate(uniques):
        try:
            d = to_date(v, str(values.name))
        except BadArgument as e:
            raise _located(values, v, e, where) from None
        parsed[j] = NAT if d is None else np.datetime64(d, "D")
    return parsed[codes]


def parse_times(values: pd.Series, where: str = "回访记录") -> np.ndarray:
    """Call times → datetime64[s] (date-only values at 00:00)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.to_numpy().astype("datetime64[s]")
    from ..dates import to_datetime

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parsed = np.empty(len(uniques) + 1, dtype="datetime64[s]")
    parsed[-1] = np.datetime64("NaT", "s")
    for j, v in enumerate(uniques):
        try:
            d = to_datetime(v, str(values.name))
        except BadArgument as e:
            raise _located(values, v, e, where) from None
        parsed[j] = np.datetime64("NaT", "s") if d is None else np.datetime64(d.replace(tzinfo=None), "s")
    return parsed[codes]
