"""Working days and call windows (SPEC §3.2, 003_…).

Working days, days off and make-up working days (调休) on weekends come from the official
calendar data (`workcalendar`: the State Council's schedule per year, else the statutory days
with a warning; SPEC §3.7).
"""

from __future__ import annotations

import datetime as dt

from . import workcalendar
from .calendar import _day
from .schema import flag_codes

__all__ = [
    "MORNING",
    "AFTERNOON",
    "WINDOWS",
    "is_working_day",
    "is_makeup_workday",
    "call_windows",
    "call_window",
    "next_working_day",
]

# Call windows as data: which windows a kind of day gets (SPEC §3.2, 003_…).
MORNING = (dt.time(10, 0), dt.time(11, 30))
AFTERNOON = (dt.time(14, 0), dt.time(16, 30))
WINDOWS: dict[str, tuple[tuple[dt.time, dt.time], ...]] = {
    "workday": (MORNING, AFTERNOON),
    "monday": (AFTERNOON,),  # no morning window on Mondays (weekly report due 12:00)
    "day_off": (AFTERNOON,),  # weekends and statutory holidays
    "night_shift": (AFTERNOON,),  # customers flagged 夜班
}


def is_working_day(date: object) -> bool:
    """Mon–Fri that is no statutory holiday, or a make-up working day (调休) on a weekend."""
    return workcalendar.is_working_day(_day(date))


def next_working_day(date: object) -> dt.date:
    """The first working day strictly after `date`."""
    day = _day(date) + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def is_makeup_workday(date: object) -> bool:
    return workcalendar.is_makeup_workday(_day(date))


def _day_kind(day: dt.date, flags: object) -> str:
    if "night_shift" in flag_codes(flags):
        return "night_shift"
    if not workcalendar.is_working_day(day):
        return "day_off"
    return "monday" if day.weekday() == 0 else "workday"


def call_windows(date: object, flags: object = "") -> list[tuple[dt.time, dt.time]]:
    """The allowed call windows that day as (start, end) times, earliest first."""
    day = _day(date)
    return list(WINDOWS[_day_kind(day, flags)])


def call_window(date: object, flags: object = "") -> str:
    """`10:00-11:30,14:00-16:30` on ordinary working days; afternoons only otherwise."""
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in call_windows(date, flags))
