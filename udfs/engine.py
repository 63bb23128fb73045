"""Manual mode (SPEC §4.1): the next contact of one customer from what the agent has typed.

`next_followup`, `followup_step` and `followup_route` never change the class: when the
class's steps are over they return empty and name the pending transition.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple, SupportsFloat, SupportsIndex

from dateutil.relativedelta import relativedelta

from .cadence import DAY, Closed, step_at
from .callwindow import next_working_day
from .closing import reached_limit, retry_due, steps_closed
from .dates import to_date
from .errors import BadArgument
from .messages import expected
from .playbook import Playbook, get_playbook
from .schema import PURPOSES, flag_codes

__all__ = ["Plan", "plan", "next_followup", "followup_step", "followup_route"]


class Plan(NamedTuple):
    date: dt.date | None
    purpose: str
    channel: str
    owner: str
    kind: str  # step | repeat | retry | urgent | transition | finished | do_not_call | none
    sms_date: dt.date | None = None  # the SMS task after an unreachable closing (SPEC §3.7)
    sms_purpose: str = ""


_NONE = Plan(None, "", "", "", "none")


MAX_COUNT = 10_000  # more contacts than any customer gets: a phone number or an amount typed in the wrong cell


def _float(value: object, argument: str, expected: str) -> float:
    """`float(value)`, or BadArgument when it is no number."""
    if not isinstance(value, (str, int, float, SupportsFloat, SupportsIndex)):
        raise BadArgument(argument, value, expected)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BadArgument(argument, value, expected) from None


def _count(value: object, argument: str) -> int:
    if type(value) is int and 0 <= value <= MAX_COUNT:
        return value
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return 0
    n = _float(value, argument, expected("count"))
    if n < 0 or n != int(n):
        raise BadArgument(argument, value, expected("count"))
    if n > MAX_COUNT:
        raise BadArgument(argument, value, expected("count_max", max=MAX_COUNT))
    return int(n)


def _playbook(value: object) -> Playbook:
    if value is None or str(value).strip() == "":
        return get_playbook("optometry")
    return get_playbook(str(value).strip())


def dnc_sms_until(pb: Playbook, anchor: dt.date, dnc_since: dt.date | None = None) -> dt.date | None:
    """The last day a 拒访 customer may get an SMS: the playbook's allowance counted from the day
    the customer declined (the 拒访 entry) when known, else from the anchor (SPEC §3.7)."""
    if pb.dnc_sms_months is None:
        return None
    return (dnc_since or anchor) + relativedelta(months=pb.dnc_sms_months)


def unreachable_sms_day(
    pb: Playbook, anchor: dt.date, last: dt.date, dnc: bool, dnc_since: dt.date | None = None
) -> dt.date | None:
    """SPEC §3.7: after a step closes unreachable an SMS is due the next working day, unless the
    customer may receive no SMS (拒访 without an SMS allowance in the playbook)."""
    if not pb.unreachable_sms:
        return None
    day = next_working_day(last)
    if dnc:
        until = dnc_sms_until(pb, anchor, dnc_since)
        if until is None or day > until:
            return None
    return day


def with_sms(purpose: str, sms_purpose: str, day: dt.date) -> str:
    """The step's purpose with the SMS task in front (one text for both modes and Code.gs)."""
    return PURPOSES["sms_first"].format(sms=sms_purpose, m=day.month, d=day.day, then=purpose)


def plan(
    cls: object,
    anchor: object,
    calls_done: object = 0,
    last_call: object = None,
    failed_attempts: object = 0,
    flags: object = None,
    playbook: object = "optometry",
    today: object = None,
    purchased: object = None,
    daily_reception: object = None,
    calls_this_month: object = None,
    *,
    closed_dates: Closed | None = None,
    dnc_since: dt.date | None = None,
) -> Plan:
    """The whole answer behind NEXT_FOLLOWUP and FOLLOWUP_STEP.

    The attempt limit's failed dials close the step (`closing.steps_closed`: the date is the next
    step's); the SMS that follows
    (SPEC §3.7) is `sms_date`/`sms_purpose` and is named in front of the purpose text.
    `closed_dates` (Python only) are the dates the class's earlier steps closed on, as table
    mode knows them from the log; a step counted from an earlier step's contact (health
    products' third call, from the second) uses them, else it counts from `last_call`.
    `dnc_since` (Python only): the day of the 拒访 entry, from which the playbook's SMS allowance
    counts (SPEC §3.7; else from the anchor).
    """
    p = _plan(cls, anchor, calls_done, last_call, failed_attempts, flags, playbook, today, closed_dates, dnc_since)
    pb = _playbook(playbook)
    p = _size_and_cap(pb, p, pb.class_code(cls), purchased, daily_reception, calls_this_month)
    if p.kind in ("none", "urgent"):
        return p
    if p.channel == "电话" and p.kind in ("step", "repeat") and flag_codes(flags) & set(pb.sms_flags):
        p = p._replace(channel="短信")  # 001 公务车: routine callbacks by SMS
    last = to_date(last_call, "last_call")
    anchor_d = to_date(anchor, "anchor")
    sms = pb.unreachable_sms
    if (
        last is None
        or anchor_d is None
        or not sms
        or not reached_limit(_count(failed_attempts, "failed_attempts"), pb.max_attempts)
    ):
        return p
    day = unreachable_sms_day(pb, anchor_d, last, "dnc" in flag_codes(flags), dnc_since)
    if day is None:
        return p
    return p._replace(purpose=with_sms(p.purpose, sms, day), sms_date=day, sms_purpose=sms)


def _number(value: object, argument: str) -> float | None:
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return None
    n = _float(value, argument, expected("number"))
    if n < 0 or n != n:
        raise BadArgument(argument, value, expected("number"))
    return n


def _size_and_cap(
    pb: Playbook, p: Plan, code: str | None, purchased: object, daily_reception: object, calls_this_month: object
) -> Plan:
    """Row-mode parity with the table (SPEC §4.1): the store's size routes the class to another
    owner (000: >300 purchased customers or >20 visits a day → 客服部), and this month's calls
    warn at the monthly cap (004: ≤ 4 a month)."""
    bought = _number(purchased, "purchased")
    daily = _number(daily_reception, "daily_reception")
    month = _count(calls_this_month, "calls_this_month")
    rt = pb.routing
    if (
        rt is not None
        and code == rt.cls
        and p.owner
        and (
            (bought is not None and bought > rt.max_purchased) or (daily is not None and daily > rt.max_daily_reception)
        )
    ):
        p = p._replace(owner=rt.to)
    cap = pb.max_calls_per_month
    if cap and p.date is not None and month >= cap:
        p = p._replace(purpose=PURPOSES["cap"].format(purpose=p.purpose, cap=cap))
    return p


def _plan(
    cls: object,
    anchor: object,
    calls_done: object = 0,
    last_call: object = None,
    failed_attempts: object = 0,
    flags: object = None,
    playbook: object = "optometry",
    today: object = None,
    closed_dates: Closed | None = None,
    dnc_since: dt.date | None = None,
) -> Plan:
    pb = _playbook(playbook)
    code = pb.class_code(cls)
    anchor_d = to_date(anchor, "anchor")
    done = _count(calls_done, "calls_done")
    failed = _count(failed_attempts, "failed_attempts")
    last = to_date(last_call, "last_call")
    today_d = to_date(today, "today")
    marks = flag_codes(flags)
    if code is None or anchor_d is None:
        return _NONE
    rule = pb.classes[code]
    dnc = "dnc" in marks

    # SPEC §3.7: a complaint/adverse flag is one urgent step, by phone, due today; a call today
    # that connected closes it, one failed dial today makes the retry tomorrow's, and the second
    # failed dial closes it (no third dial): the SMS follows and the flag makes it due no more.
    if not dnc and today_d is not None and marks & set(pb.urgent_flags) and not reached_limit(failed, pb.max_attempts):
        if last is None or last < today_d:
            return Plan(today_d, pb.urgent_purpose, "电话", rule.owner, "urgent")
        if failed:
            return Plan(last + DAY, pb.urgent_purpose, "电话", rule.owner, "urgent")

    closed = steps_closed(done, failed, pb.max_attempts)
    due = step_at(pb, rule, closed, anchor_d, prev=last, last=last, closed=closed_dates)
    if dnc:  # 拒访: no calls; SMS steps only where the playbook allows them
        while due is not None and due.channel != "短信":
            if due.repeat:  # every repeat has the same channel
                due = None
                break
            closed += 1
            due = step_at(pb, rule, closed, anchor_d, prev=last, last=last, closed=closed_dates)
        until = dnc_sms_until(pb, anchor_d, dnc_since)
        if due is None or until is None or due.date > until:
            return Plan(None, PURPOSES["do_not_call"], "", rule.owner, "do_not_call")
    if due is None:
        if rule.on_complete:
            return Plan(None, PURPOSES["transition"].format(to=rule.on_complete.to), "", rule.owner, "transition")
        return Plan(None, PURPOSES["finished"], "", rule.owner, "finished")
    if retry_due(failed, pb.max_attempts) and last is not None and not dnc:
        return Plan(last + pb.retry_after_days * DAY, due.purpose, due.channel, due.owner, "retry")
    day = due.date
    if last is not None and day <= last:  # never on or before the last contact day
        day = last + DAY
    return Plan(day, due.purpose, due.channel, due.owner, "repeat" if due.repeat else "step")


def next_followup(
    cls: object,
    anchor: object,
    calls_done: object = 0,
    last_call: object = None,
    failed_attempts: object = 0,
    flags: object = None,
    playbook: object = "optometry",
    today: object = None,
    purchased: object = None,
    daily_reception: object = None,
    calls_this_month: object = None,
) -> dt.date | None:
    """Date of the next contact (call or SMS), or None when none is due (SPEC §4.1).

    Steps counted from the previous contact count from `last_call`: the row function sees only
    the last contact. Health products' third call is due 10 days after the *second* call
    (004 「二次回访后十天内」); after the expert call `last_call` is the expert call's date, so
    here it counts from that (SPEC Decisions) — the table function takes the second call's
    date from the log.
    """
    return plan(
        cls,
        anchor,
        calls_done,
        last_call,
        failed_attempts,
        flags,
        playbook,
        today,
        purchased,
        daily_reception,
        calls_this_month,
    ).date


class StepInfo(NamedTuple):
    purpose: str
    channel: str
    owner: str


def followup_step(
    cls: object,
    anchor: object,
    calls_done: object = 0,
    last_call: object = None,
    failed_attempts: object = 0,
    flags: object = None,
    playbook: object = "optometry",
    today: object = None,
    purchased: object = None,
    daily_reception: object = None,
    calls_this_month: object = None,
) -> StepInfo:
    """Purpose text, channel and owner of the next step (or the pending transition, e.g. 转D类).

    `purchased` (the store's purchased customers) and `daily_reception` (its average visits a
    day) route the class to the customer-service department as in table mode (000);
    `calls_this_month` adds the monthly-cap warning to the purpose (004: ≤ 4 a month)."""
    p = plan(
        cls,
        anchor,
        calls_done,
        last_call,
        failed_attempts,
        flags,
        playbook,
        today,
        purchased,
        daily_reception,
        calls_this_month,
    )
    return StepInfo(p.purpose, p.channel, p.owner)


def followup_route(cls: object, outcome: object, playbook: object = "optometry") -> str:
    """The class after an outcome, e.g. C + 到店已购 → A (unknown outcome: class unchanged)."""
    pb = _playbook(playbook)
    code = pb.class_code(cls)
    if code is None:
        raise BadArgument("class", cls, expected("class_empty"))
    return pb.route(code, outcome)
