"""When does a step close? The one decision (SPEC §4.1 "How the call log moves the steps", §3.7).

A class's open step closes on the first log entry on or after the day it opens that
- reaches the customer by phone (成功, 未完成), or
- sends the SMS of an SMS step (已发送, or 成功 on the 短信 channel; for 公务车 customers an SMS
  also closes a call step), or
- finds the number empty (空号: closes at once, whatever the channel; the number needs correcting), or
- is the failed dial (无人接听, 关机, 停机) that reaches the playbook's attempt limit
  (`max_attempts`, 2 by default): the step closes *unreachable* and an SMS is due (SPEC §3.7).
  Below the limit the step stays open and is retried `retry_after_days` later.
A 拒访 entry makes the customer do-not-call, whatever the step. The SMS sent for an unreachable
closing acts on no step.

Users: the scalar engine (`engine.plan`: a step left at the attempt limit counts as closed,
`steps_closed`; a retry is due below it, `retry_due`), the table walk (`table.walk.walk`, over
arrays), its plan (`table.plan.plan_rows`), the scalar reference walk (`table.walk_one`), and
Code.gs: `addin/gsheets/make_appsscript.py` exports `CLOSING` as data and `interpreter.js`
implements these functions over it (parity-tested).

Every function works element-wise on Python ints/bools and on numpy arrays alike. Outcomes are
the small integers of `OUTCOME_CODES` (table mode's encoding of `schema.OUTCOMES`).
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "OUTCOME_CODES",
    "CLOSING",
    "Entry",
    "reached_limit",
    "steps_closed",
    "retry_due",
    "log_entry",
    "consumes_pending_sms",
    "sms_done",
    "connected",
    "outcome_int",
]

# Integer outcome codes (schema.OUTCOMES values → small ints; 0: unknown or empty).
OUTCOME_CODES: dict[str, int] = {
    "success": 1,
    "incomplete": 2,
    "no_answer": 3,
    "powered_off": 4,
    "suspended": 5,
    "invalid_number": 6,
    "refused": 7,
    "sent": 8,
}

# The rule's data (also exported into Code.gs): which outcomes do what to the open step.
CLOSING: dict[str, tuple[str, ...]] = {
    "connected": ("success", "incomplete"),  # by phone: closes the step
    "sms_done": ("sent", "success"),  # by SMS: closes an SMS step
    "failed_dial": ("no_answer", "powered_off", "suspended"),  # by phone: one attempt; the limit closes
    "closes_at_once": ("invalid_number",),  # any channel: closes, unreachable
    "do_not_call": ("refused",),  # any channel, any step: 拒访 from now on
}

IntLike = TypeVar("IntLike", int, npt.NDArray[np.int64])
Bools = bool | np.bool_ | npt.NDArray[np.bool_]
Ints = int | np.integer | npt.NDArray[np.integer]

_CODES = {name: tuple(OUTCOME_CODES[o] for o in outcomes) for name, outcomes in CLOSING.items()}


def outcome_int(code: str | None) -> int:
    """An outcome code ("success", …) → its integer (0: unknown or empty)."""
    return OUTCOME_CODES.get(code or "", 0)


def _is(outcome: Ints, kind: str) -> Bools:
    codes = _CODES[kind]
    if isinstance(outcome, np.ndarray):
        return np.isin(outcome, codes)
    return int(outcome) in codes


def _not(x: Bools) -> Bools:
    return x ^ True  # `not` for a bool, element-wise for an array (`~` turns True into -2)


def reached_limit(failed: Ints, max_attempts: int) -> Bools:
    """The failed dials in the open step reach the attempt limit: the step closes unreachable."""
    return failed >= max_attempts


def steps_closed(calls_done: IntLike, failed: Ints, max_attempts: int) -> IntLike:
    """Manual mode's count of closed steps: the steps done, plus the open one when its failed
    dials reached the limit (`next_followup(..., calls_done, failed_attempts)`)."""
    return calls_done + reached_limit(failed, max_attempts)  # type: ignore[return-value]  # int + bool: an int


def retry_due(failed: Ints, max_attempts: int) -> Bools:
    """The open step failed at least once but below the limit: it is retried, not moved on."""
    return (failed > 0) & (failed < max_attempts)


def sms_done(outcome: Ints) -> Bools:
    """The outcome records an SMS sent (已发送, or 成功 on the 短信 channel)."""
    return _is(outcome, "sms_done")


def connected(outcome: Ints) -> Bools:
    """The outcome reaches the customer by phone (成功, 未完成)."""
    return _is(outcome, "connected")


def consumes_pending_sms(sms_pending: Bools, outcome: Ints, by_sms: Bools, own_step: Bools = False) -> Bools:
    """The SMS due after an unreachable closing was sent: that entry acts on no step (SPEC §3.7).
    `own_step`: the entry is the SMS of the open SMS step, which it closes — not the pending SMS."""
    return sms_pending & by_sms & _is(outcome, "sms_done") & _not(own_step)


class Entry(NamedTuple):
    """What one log entry did to the open step (each field a bool, or an array of them)."""

    close: Bools  # the step closed
    connected: Bools  # reached the customer by phone (clears a 空号 mark)
    invalid: Bools  # 空号: the number needs correcting
    unreachable: Bools  # closed unreachable (attempt limit or 空号)
    sms_due: Bools  # closed by the attempt limit: the SMS of SPEC §3.7 is due
    failed: Ints  # failed dials in the open step after the entry (0 once it closes)
    refused: Bools  # 拒访: do-not-call from now on (whatever the step)


def log_entry(
    outcome: Ints, by_sms: Bools, sms_step: Bools, failed: Ints, max_attempts: int, acts: Bools = True
) -> Entry:
    """The rule: one log entry (`outcome`, sent by SMS or not) on the open step.

    `sms_step`: the open step goes by SMS (or a 公务车 customer's call step). `failed`: the failed
    dials in the open step before the entry. `acts`: the entry may act on the step at all (the
    step exists, is open on that day, the customer is not do-not-call, the entry is not the
    pending SMS) — False makes it change nothing but `refused`.
    """
    phone = _not(by_sms)
    connected = acts & phone & _is(outcome, "connected")
    sent = acts & by_sms & sms_step & _is(outcome, "sms_done")
    dial_failed = acts & phone & _is(outcome, "failed_dial")
    invalid = acts & _is(outcome, "closes_at_once")
    after = failed + dial_failed
    sms_due = dial_failed & reached_limit(after, max_attempts)
    unreachable = sms_due | invalid
    close = connected | sent | unreachable
    return Entry(close, connected, invalid, unreachable, sms_due, after * _not(close), _is(outcome, "do_not_call"))
