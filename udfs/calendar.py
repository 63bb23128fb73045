"""Weeks, report names and report deadlines (SPEC §3.2, §3.6).

Weeks run Monday–Sunday and belong to the month that holds their Thursday, numbered from 1.
Times are Asia/Shanghai. Working days and call windows are in `callwindow`; checking a file
name against the report names is in `names`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from .dates import to_date
from .errors import BadArgument
from .messages import expected
from .schema import normalize

__all__ = [
    "TZ",
    "DAY",
    "REPORT_KINDS",
    "week_of",
    "week_label",
    "weeks_in_month",
    "report_kind",
    "report_name",
    "report_deadline",
]

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.timedelta(days=1)

# Report kinds: file-name pattern, period ("week": due the Monday after at WEEKLY_DEADLINE;
# "month": due on MONTHLY_DEADLINE of the next month, no week in its name), the aliases users
# type, and the keywords of its name that tell it from the other kinds of its period when a
# name is mistyped (`names.guess_kind`; a kind without keywords is its period's default).
# The sync's report table (`followup.sync.reports.specs`) names these kinds.
REPORT_KINDS: dict[str, dict[str, Any]] = {
    "weekly": {
        "name": "{M}月第{W}周客户回访记录单.xlsx",
        "period": "week",
        "aliases": ("weekly", "week", "回访记录单", "客户回访", "客户回访记录单", "周报"),
        "keywords": (),
    },
    "gift": {
        "name": "{M}月第{W}周礼品回访记录单.xlsx",
        "period": "week",
        "aliases": ("gift", "gifts", "礼品", "礼品回访", "礼品回访记录单", "礼品核查"),
        "keywords": ("礼品",),
    },
    "monthly": {
        "name": "{M}月客户回访汇总表.xlsx",
        "period": "month",
        "aliases": ("monthly", "month", "汇总", "汇总表", "客户回访汇总表", "月报"),
        "keywords": ("汇总",),
    },
}
WEEKLY_DEADLINE = dt.time(12, 0)  # the Monday after the week
MONTHLY_DEADLINE = (2, dt.time(18, 0))  # the 2nd of the next month ("每月2日18:00前")


def _day(value: object, argument: str = "date") -> dt.date:
    day = to_date(value, argument)
    if day is None:
        raise BadArgument(argument, value, expected("date_empty"))
    return day


def week_of(date: object) -> tuple[int, int, dt.date]:
    """(month, week number in that month, Monday) of the Monday–Sunday week holding `date`."""
    day = _day(date)
    monday = day - day.weekday() * DAY
    thursday = monday + 3 * DAY
    return thursday.month, (thursday.day - 1) // 7 + 1, monday


def week_label(date: object) -> str:
    """`11月第3周` for any day of 2026-11-16…22."""
    month, week, _ = week_of(date)
    return f"{month}月第{week}周"


def weeks_in_month(year: int, month: int) -> int:
    """How many weeks (Thursdays) a month has: 4 or 5."""
    first = dt.date(year, month, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    last = ((dt.date(year + month // 12, month % 12 + 1, 1)) - DAY).day
    return (last - first_thursday) // 7 + 1


def report_kind(kind: object) -> str:
    """`weekly`, `gift` or `monthly` from a code or a Chinese alias (礼品, 汇总, 回访记录单, …)."""
    text = normalize(kind).replace(" ", "")
    for code, spec in REPORT_KINDS.items():
        if text in spec["aliases"]:
            return code
    raise BadArgument("kind", kind, expected("report_kind"))


def report_name(kind: object, date: object) -> str:
    """THE file name of the report of `kind` that covers `date` (SPEC §3.6)."""
    code = report_kind(kind)
    day = _day(date)
    name: str = REPORT_KINDS[code]["name"]
    if REPORT_KINDS[code]["period"] == "month":
        return name.format(M=day.month)
    month, week, _ = week_of(day)
    return name.format(M=month, W=week)


def report_deadline(kind: object, date: object) -> dt.datetime:
    """When the report covering `date` is due, tz-aware in Asia/Shanghai."""
    code = report_kind(kind)
    day = _day(date)
    if REPORT_KINDS[code]["period"] == "month":
        dom, at = MONTHLY_DEADLINE
        first_next = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return dt.datetime.combine(first_next.replace(day=dom), at, tzinfo=TZ)
    _, _, monday = week_of(day)
    return dt.datetime.combine(monday + 7 * DAY, WEEKLY_DEADLINE, tzinfo=TZ)
