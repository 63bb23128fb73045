"""QUOTA_CHECK: one store group's week of calls against its daily and weekly targets (SPEC §3.2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from ..calendar import DAY
from ..callwindow import is_working_day
from ..dates import to_date, to_datetime
from ..errors import BadArgument
from ..messages import expected
from ..privacy import mask_phones_in_text
from ..rules import Quotas
from .targets import WEEK_STATUS, WEEKDAYS_ZH, default_quotas, evaluate_week, group_quota, is_success

__all__ = ["DayCount", "QuotaResult", "quota_check", "HEADER"]

HEADER = ("日期", "星期", "工作日", "成功数", "日目标", "达标")  # QUOTA_CHECK's header row


class DayCount(NamedTuple):
    date: dt.date
    working: bool
    successes: int
    target: int  # 0 on days off


class QuotaResult(NamedTuple):
    group: str
    week_start: dt.date
    days: list[DayCount]
    total: int
    weekly_target: tuple[int, int]
    daily_target: int
    status: str  # below | within | above
    even: bool
    reasons: list[str]
    outside: int  # calls outside the week, ignored
    rejected: tuple[
        tuple[int, str], ...
    ] = ()  # errors="row": (position, masked message) of each unusable call, skipped

    def to_rows(self) -> list[list[object]]:
        """Header row first, Chinese headers, one row per day and two summary rows (6 columns)."""
        rows: list[list[object]] = [list(HEADER)]
        for d in self.days:
            met = ("是" if d.successes >= d.target else "否") if d.working else ""
            rows.append(
                [
                    d.date,
                    WEEKDAYS_ZH[d.date.weekday()],
                    "是" if d.working else "否",
                    d.successes,
                    d.target if d.working else "",
                    met,
                ]
            )
        lo, hi = self.weekly_target
        rows.append(["本周合计", "", "", self.total, f"{lo}-{hi}", WEEK_STATUS[self.status]])
        rows.append(["均衡", "", "", "", "", "均衡" if self.even else "不均衡: " + ";".join(self.reasons)])
        for i, message in self.rejected:  # one row per unusable call, the rest stays counted
            rows.append([f"数据错误 第{i}条", "", "", "", "", message])
        return rows


def _seq(values: object, argument: str) -> list[object]:
    if values is None:  # one empty cell, as a range of one cell arrives (xlwings, Apps Script)
        return [None]
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    out: list[object] = []
    for v in values:  # a 2-D range of one column/row arrives as a list of lists
        out.extend(v if isinstance(v, (list, tuple)) else [v])
    return out


def quota_check(
    dates: object,
    outcomes: object,
    group: object,
    week_start: object = None,
    quotas: Quotas | None = None,
    errors: str = "raise",
) -> QuotaResult:
    """Per-day successes vs the daily target, week total vs the weekly range, evenness.

    errors="raise": an unusable date or outcome raises. errors="row" (the cell function's mode):
    that call is skipped and listed in `rejected` (one row each in `to_rows`), the rest counts.
    """
    if errors not in ("raise", "row"):
        raise BadArgument("errors", errors, '应为 "raise" 或 "row" (expected "raise" or "row")')
    q = quotas or default_quotas()
    key, gq = group_quota(group, q)
    ds, os_ = _seq(dates, "dates"), _seq(outcomes, "outcomes")
    if len(ds) != len(os_):
        raise BadArgument(
            "outcomes",
            f"{len(os_)} 个",
            expected("same_length", n=len(ds)),
        )
    rejected: list[tuple[int, str]] = []
    calls = []
    for i, (d, o) in enumerate(zip(ds, os_)):
        try:
            t = to_datetime(d, f"dates[{i + 1}]")
            if t is not None and errors == "row":
                is_success(o)  # checked here so that a bad outcome is skipped too
        except BadArgument as e:
            if errors == "raise":
                raise
            if e.argument == "outcome":
                e = BadArgument(f"outcomes[{i + 1}]", o, e.expected)
            rejected.append((i + 1, mask_phones_in_text(str(e))))
            continue
        if t is not None:
            calls.append((t, o, i))
    monday = to_date(week_start, "week_start")
    if monday is None:
        if not calls:
            raise BadArgument("dates", ds, expected("no_dates"))
        monday = min(t for t, _, _ in calls).date()
    monday -= monday.weekday() * DAY
    counts, outside = [0] * 7, 0
    for t, o, i in calls:
        try:
            success = is_success(o)
        except BadArgument as e:
            raise BadArgument(f"outcomes[{i + 1}]", o, e.expected) from None
        offset = (t.date() - monday).days
        if not 0 <= offset < 7:
            outside += 1
        elif success:
            counts[offset] += 1
    days = [monday + i * DAY for i in range(7)]
    working = [is_working_day(d) for d in days]
    rng, status, even, reasons = evaluate_week(counts, working, gq, q)
    rows = [DayCount(d, w, c, gq.daily if w else 0) for d, w, c in zip(days, working, counts)]
    return QuotaResult(key, monday, rows, sum(counts), rng, gq.daily, status, even, reasons, outside, tuple(rejected))
