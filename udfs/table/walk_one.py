"""The table walk for one customer, in plain Python: the reference `walk` is tested against.

SPEC §4.1 "How the call log moves the steps", one entry at a time: the class's open step
(`cadence.step_at`) and what the entry does to it (`closing.log_entry`, the rule `walk` applies
over arrays). The answer is given as the arguments of manual mode, so that
`next_followup(w.cls, w.anchor, w.calls_done, w.last, w.failed_attempts, …)` (or `engine.plan`
with `closed_dates=w.closed`) gives the next contact. Used by the table-vs-scalar property
test and by the engine benchmark's per-row loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from ..cadence import step_at
from ..closing import consumes_pending_sms, log_entry, outcome_int
from ..playbook import Playbook
from ..schema import channel_code, outcome_code

__all__ = ["Walked", "walk_one"]


class Walked(NamedTuple):
    cls: str  # the class after the log (transitions applied)
    anchor: dt.date  # its anchor (a transition's closing call, unless it keeps the anchor)
    calls_done: int  # manual mode's `calls_done` …
    failed_attempts: int  # … and `failed_attempts` for this history
    last: dt.date | None  # the last contact up to `today`
    dnc: bool  # 拒访: flagged, or refused in the log
    moved: bool  # a class transition happened
    closed: tuple[dt.date, ...]  # the day each step of the current class closed


def walk_one(
    pb: Playbook,
    cls: str,
    anchor: dt.date,
    calls: Iterable[tuple[dt.date | dt.datetime, str, str]],
    *,
    today: dt.date | None = None,
    dnc: bool = False,
    sms_only: bool = False,
) -> Walked:
    """Walk `calls` — (day or time, outcome text, channel text), in the log's order — from
    `cls`/`anchor`. Entries after `today` are ignored; entries on the same day or time keep the
    log's order. `dnc`: the customer carries 拒访; `sms_only`: 公务车 (a sent SMS closes a call step)."""
    code = pb.class_code(cls)
    if code is None:
        raise ValueError(f"class {cls!r} is empty")
    rule = pb.classes[code]
    k, failed, last, moved = 0, 0, None, False
    sms_pending = False  # a step closed after the last failed dial: an SMS is due (SPEC §3.7)
    closed: list[dt.date] = []
    for when, outcome, channel in sorted(calls, key=lambda c: c[0]):
        day = when.date() if isinstance(when, dt.datetime) else when
        if today is not None and day > today:
            continue
        o = outcome_int(outcome_code(outcome))
        by_sms = channel_code(channel) == "sms"
        step = step_at(pb, rule, k, anchor, prev=last, last=last, closed=closed)
        acts = step is not None and day >= step.open and not dnc and not consumes_pending_sms(sms_pending, o, by_sms)
        sms_step = step is not None and (step.channel == "短信" or sms_only and step.channel == "电话")
        e = log_entry(o, by_sms, sms_step, failed, pb.max_attempts, acts)
        failed, sms_pending = int(e.failed), bool(e.sms_due)  # any later entry supersedes the SMS
        if e.close:
            closed.append(day)
            k += 1
        dnc = dnc or bool(e.refused)
        last = day
        if e.close and rule.on_complete and k >= len(rule.steps):
            moved, code, k = True, rule.on_complete.to, 0
            anchor = anchor if rule.on_complete.anchor == "same" else day
            rule, closed, sms_pending = pb.classes[code], [], bool(e.sms_due)
    calls_done, failed_attempts = k, failed
    if sms_pending and k > 0:
        # Manual mode says "the open step failed at the limit" (`closing.steps_closed` counts it
        # closed, and names the SMS); right after a transition it cannot say it.
        calls_done, failed_attempts = k - 1, pb.max_attempts
    return Walked(code, anchor, calls_done, failed_attempts, last, dnc, moved, tuple(closed))
