"""The table walk for one customer, in plain Python: the reference `walk` is tested against.

SPEC §4.1 "How the call log moves the steps", one entry at a time: the class's open step
(`cadence.step_at`) and what the entry does to it (`closing.log_entry`, the rule `walk` applies
over arrays). The answer is given as the arguments of manual mode, so that
`next_followup(w.cls, w.anchor, w.calls_done, w.last, w.failed_attempts, …)` (or `engine.plan`
with `closed_dates=w.closed`, `dnc_since=w.dnc_since`) gives the next contact. Used by the
table-vs-scalar property test, the simulated year of agents and the engine benchmark.

SPEC §3.7 rules the walk applies (the vectorised `walk` applies the same):
- the open step stays the same occurrence while its failed dials are below the limit: a failed
  dial does not move the date the step counts from (`ref`), so a monthly repeat or a routine
  care call closes at the second failed dial instead of moving to the next month;
- an SMS that acts on no step (a greeting, the SMS after an unreachable closing) is no contact:
  it moves neither the previous-contact date nor the last contact;
- the SMS of an SMS step closes that step; only another SMS is the pending unreachable SMS;
- a do-not-call customer's open step skips call steps (as the plan does), and an SMS sent acts
  on an SMS step; the SMS allowance counts from the 拒访 entry (`dnc_since`);
- a complaint/adverse flag is one urgent step: phone entries after the flag's day act on it,
  the two-dial rule included; once it closed the flag makes the customer due no more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from ..cadence import Due, step_at
from ..closing import connected, consumes_pending_sms, log_entry, outcome_int, sms_done
from ..playbook import Playbook
from ..rules import ClassRule
from ..schema import channel_code, outcome_code

__all__ = ["Walked", "walk_one", "dnc_step", "urgent_flag_day"]


class Walked(NamedTuple):
    cls: str  # the class after the log (transitions applied)
    anchor: dt.date  # its anchor (a transition's closing call, unless it keeps the anchor)
    calls_done: int  # manual mode's `calls_done` …
    failed_attempts: int  # … and `failed_attempts` for this history
    last: dt.date | None  # the last contact up to `today`
    dnc: bool  # 拒访: flagged, or refused in the log
    moved: bool  # a class transition happened
    closed: tuple[dt.date, ...]  # the day each step of the current class closed
    dnc_since: dt.date | None = None  # the day of the 拒访 entry that made the customer do-not-call
    urgent_open: bool = False  # the complaint/adverse step is still open (manual mode: keep the flag)
    sms_from: dt.date | None = None  # an unreachable closing's SMS is still to send: the day it closed


def dnc_step(
    pb: Playbook, rule: ClassRule, k: int, anchor: dt.date, ref: dt.date | None, closed: list[dt.date]
) -> tuple[int, Due | None]:
    """A do-not-call customer's open step: call steps skipped (none once a call repeat is reached)."""
    due = step_at(pb, rule, k, anchor, prev=ref, last=ref, closed=closed)
    while due is not None and due.channel != "短信":
        if due.repeat:
            return k, None
        k += 1
        due = step_at(pb, rule, k, anchor, prev=ref, last=ref, closed=closed)
    return k, due


def urgent_flag_day(calls: list[tuple[dt.date, int, bool]]) -> dt.date | None:
    """The day an urgent flag counts from when 标记日期 is empty: the last connected phone
    contact (phone entries after it act on the urgent step), or none (every entry acts)."""
    days = [d for d, o, sms in calls if not sms and connected(o)]
    return max(days) if days else None


def walk_one(
    pb: Playbook,
    cls: str,
    anchor: dt.date,
    calls: Iterable[tuple[dt.date | dt.datetime, str, str]],
    *,
    today: dt.date | None = None,
    dnc: bool = False,
    sms_only: bool = False,
    urgent: bool = False,
    flag_day: dt.date | None = None,
) -> Walked:
    """Walk `calls` — (day or time, outcome text, channel text), in the log's order — from
    `cls`/`anchor`. Entries after `today` are ignored; entries on the same day or time keep the
    log's order. `dnc`: the customer carries 拒访; `sms_only`: 公务车 (a sent SMS closes a call
    step); `urgent`: the customer carries 投诉/不适, set on `flag_day` (标记日期; None: unknown)."""
    code = pb.class_code(cls)
    if code is None:
        raise ValueError(f"class {cls!r} is empty")
    rule = pb.classes[code]
    log: list[tuple[dt.date, int, bool]] = []
    for when, outcome, channel in sorted(calls, key=lambda c: c[0]):
        day = when.date() if isinstance(when, dt.datetime) else when
        if today is None or day <= today:
            log.append((day, outcome_int(outcome_code(outcome)), channel_code(channel) == "sms"))
    if urgent and flag_day is None:
        flag_day = urgent_flag_day(log)
    k, failed, moved = 0, 0, False
    last: dt.date | None = None  # the last contact
    ref: dt.date | None = None  # the previous contact the open step counts from
    sms_pending = False  # a step closed after the last failed dial: an SMS is due (SPEC §3.7)
    sms_from: dt.date | None = None  # … the day it closed
    pending_k = -1  # the step count right after that closing (-1: the urgent step closed)
    dnc_since: dt.date | None = None
    urg_open, urg_failed = urgent and not dnc, 0
    closed: list[dt.date] = []
    limit = pb.max_attempts
    for day, o, by_sms in log:
        if urg_open and not dnc and not by_sms and (flag_day is None or day > flag_day):
            e = log_entry(o, False, False, urg_failed, limit)
            urg_failed, sms_pending = int(e.failed), bool(e.sms_due)
            urg_open = not e.close
            if e.sms_due:
                sms_from, pending_k = day, -1
            if e.refused:
                dnc, dnc_since, urg_open = True, day, False
            last = day
            if urg_failed == 0:
                ref = day
            continue
        kk, step = (
            dnc_step(pb, rule, k, anchor, ref, closed)
            if dnc
            else (k, step_at(pb, rule, k, anchor, prev=ref, last=ref, closed=closed))
        )
        sms_step = step is not None and (step.channel == "短信" or sms_only and step.channel == "电话")
        opened = step is not None and day >= step.open
        may = opened and (not dnc or (by_sms and step is not None and step.channel == "短信"))
        own_sms = bool(may and by_sms and sms_step and sms_done(o))
        consumed = bool(consumes_pending_sms(sms_pending, o, by_sms, own_sms))
        e = log_entry(o, by_sms, sms_step, failed, limit, may and not consumed)
        failed = int(e.failed)
        sms_pending = (sms_pending and not consumed) if by_sms else bool(e.sms_due)
        if e.sms_due:
            sms_from, pending_k = day, k + 1
        if e.close:  # a do-not-call SMS step closes past the call steps skipped before it
            closed.append(day)
            k = kk + 1
        if e.refused and not dnc:
            dnc, dnc_since, urg_open = True, day, False
        if not by_sms or e.close:  # an SMS that acted on no step is no contact
            last = day
            if failed == 0:
                ref = day
        if e.close and rule.on_complete and k >= len(rule.steps):
            moved, code, k = True, rule.on_complete.to, 0
            anchor = anchor if rule.on_complete.anchor == "same" else day
            rule, closed, pending_k = pb.classes[code], [], -1
    calls_done, failed_attempts = k, failed
    if sms_pending and k > 0 and pending_k == k and last == sms_from:
        # Manual mode says "the open step failed at the limit" (`closing.steps_closed` counts it
        # closed, and names the SMS); right after a transition it cannot say it.
        calls_done, failed_attempts = k - 1, limit
    if urg_open:
        failed_attempts = urg_failed
    return Walked(
        code,
        anchor,
        calls_done,
        failed_attempts,
        last,
        dnc,
        moved,
        tuple(closed),
        dnc_since,
        urg_open,
        sms_from if sms_pending else None,
    )
