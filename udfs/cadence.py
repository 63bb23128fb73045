"""Where a class's k-th step falls: the one place that turns playbook steps into dates.

Pure standard library + dateutil. `next_followup` (scalar) uses it directly; the vectorised
table mode implements the same rules over arrays and is tested against it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from .playbook import Playbook
from .rules import ClassRule, Offset, Step

__all__ = ["Due", "shift", "step_at", "semimonthly"]

DAY = dt.timedelta(days=1)


class Due(NamedTuple):
    date: dt.date
    open: dt.date
    channel: str
    purpose: str
    owner: str
    index: int  # type: ignore[assignment]  # the field shadows tuple.index (callers read Due.index)
    # which step (k) of the class, repeats numbered after the steps
    repeat: bool


def shift(day: dt.date, off: Offset, times: int = 1) -> dt.date:
    """`day + off*times`, months always from `day` (Jan 31 + 1M = Feb 28: no drift)."""
    return day + relativedelta(months=off.months * times, days=off.days * times)


def semimonthly(anchor: dt.date, days: tuple[int, ...], i: int) -> dt.date:
    """The i-th date (0-based) strictly after `anchor` that falls on one of `days` of a month."""
    per = len(days)
    first = anchor.year * 12 + anchor.month - 1
    slot = first * per + sum(1 for d in days if d <= anchor.day)  # slots this month already passed
    slot += i
    y, m = divmod(slot // per, 12)
    return dt.date(y, m + 1, days[slot % per])


def _open(pb: Playbook, step: Step, base: dt.date, due: dt.date) -> dt.date:
    if step.open_from is not None:
        return shift(base, step.open_from)
    before = pb.open_before_days if step.open_before_days is None else step.open_before_days
    return due - before * DAY


Closed = Sequence["dt.date | None"]  # the day each earlier step closed (table mode)


def _base(s: Step, anchor: dt.date, prev: dt.date | None, closed: Closed | None) -> dt.date:
    if s.base != "previous":
        return anchor
    if s.from_step is not None and closed is not None and len(closed) >= s.from_step:
        day = closed[s.from_step - 1]
        if day is not None:
            return day
    return prev if prev is not None else anchor


def _fixed(
    pb: Playbook, rule: ClassRule, k: int, anchor: dt.date, prev: dt.date | None, closed: Closed | None = None
) -> Due:
    if rule.sorted_steps:
        dated = sorted((_fixed_date(s, anchor, prev), j) for j, s in enumerate(rule.steps))
        day, j = dated[k]
        s = rule.steps[j]
        return Due(day, _open(pb, s, anchor, day), s.channel, s.purpose, s.owner or rule.owner, k, False)
    s = rule.steps[k]
    base = _base(s, anchor, prev, closed)
    day = _fixed_date(s, anchor, prev, closed)
    return Due(day, _open(pb, s, base, day), s.channel, s.purpose, s.owner or rule.owner, k, False)


def _fixed_date(s: Step, anchor: dt.date, prev: dt.date | None, closed: Closed | None = None) -> dt.date:
    if s.series is not None:
        return semimonthly(anchor, s.series.days_of_month, s.dom_index or 0)  # set when expanded
    return shift(_base(s, anchor, prev, closed), s.offset)


def _repeat(
    pb: Playbook, rule: ClassRule, i: int, anchor: dt.date, prev: dt.date | None, last: dt.date | None
) -> Due | None:
    r = rule.repeat
    if r is None:
        return None
    start = r.start or r.every

    def occurrence(n: int) -> dt.date:  # always from the anchor: no month-end drift
        return anchor + relativedelta(months=start.months + r.every.months * n, days=start.days + r.every.days * n)

    if r.base == "previous" and prev is not None:
        day = shift(prev, r.every)
    else:
        if last is not None and last >= anchor:
            # An occurrence already passed at the last contact is skipped, not caught up.
            if r.every.months:
                span = (last.year - anchor.year) * 12 + last.month - anchor.month - start.months
                i = max(i, -(-span // r.every.months))
            else:
                i = max(i, -(-((last - anchor).days - start.days) // r.every.days))
            day = occurrence(i)
            if day <= last:
                i += 1
                day = occurrence(i)
        else:
            day = occurrence(i)
    if r.count is not None and i >= r.count:
        return None
    return Due(
        day, day - pb.open_before_days * DAY, r.channel, r.purpose, r.owner or rule.owner, len(rule.steps) + i, True
    )


def step_at(
    pb: Playbook,
    rule: ClassRule,
    k: int,
    anchor: dt.date,
    prev: dt.date | None = None,
    last: dt.date | None = None,
    closed: Closed | None = None,
) -> Due | None:
    """The k-th step of `rule` (0-based; repeats follow the steps), or None when there is none.

    `prev` is the date of the previous contact (for steps counted from it), `last` the last
    contact of any kind (a monthly repeat skips anniversaries already passed by then).
    `closed[j]` is the date of the contact that closed step j, where known (table mode): a step
    with `from_step` counts from it; without it (manual mode) from `prev`.
    """
    if k < len(rule.steps):
        return _fixed(pb, rule, k, anchor, prev, closed)
    if rule.repeat is None:
        return None
    return _repeat(pb, rule, k - len(rule.steps), anchor, prev, last)
