"""Table mode, step 2: walk each customer's call log through the class's steps (SPEC §4.1).

What an entry does to the open step is `closing.log_entry` (the one rule); `walk_one` is the
same walk for one customer in plain Python.

Vectorised over customers: iteration r handles every customer's r-th call at once, so the
Python loop runs once per call *rank*, never once per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..closing import OUTCOME_CODES, consumes_pending_sms, log_entry
from .compiled import Compiled
from .steps import step_due

__all__ = ["State", "OUTCOME_CODES", "walk"]


@dataclass
class State:
    cls: np.ndarray
    anchor: np.ndarray
    k: np.ndarray  # closed steps in the current class
    failed: np.ndarray  # failed dials in the open step
    last: np.ndarray  # last contact day (NaT: none)
    dnc: np.ndarray
    invalid: np.ndarray  # 空号: the number needs correcting
    unreachable: np.ndarray  # the last closed step closed unreachable
    sms_pending: np.ndarray  # a step just closed after the last failed dial: an SMS is due (SPEC §3.7)
    closed_at: np.ndarray  # [customer, step] the day the step closed in the current class (NaT: open)
    sms_only: np.ndarray | None = None  # 公务车: routine callbacks go by SMS, a sent SMS closes a call step

    @classmethod
    def start(cls, klass: np.ndarray, anchor: np.ndarray, dnc: np.ndarray, n_steps: int = 1) -> State:
        n = len(klass)
        return cls(
            klass.copy(),
            anchor.copy(),
            np.zeros(n, np.int64),
            np.zeros(n, np.int64),
            np.full(n, np.datetime64("NaT", "D")),
            dnc.copy(),
            np.zeros(n, bool),
            np.zeros(n, bool),
            np.zeros(n, bool),
            np.full((n, max(n_steps, 1)), np.datetime64("NaT", "D")),
        )


def walk(
    cp: Compiled, st: State, call_cust: np.ndarray, call_day: np.ndarray, outcome: np.ndarray, by_sms: np.ndarray
) -> State:
    """Apply the calls (sorted by customer then time; `call_cust` = customer position) to `st`."""
    n = len(st.cls)
    counts = np.bincount(call_cust, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    order = np.argsort(-counts, kind="stable")
    active = np.cumsum(np.bincount(counts, minlength=counts.max(initial=0) + 1)[::-1])[::-1]
    sms_text = cp.texts.index("短信") if "短信" in cp.texts else -1
    call_text = cp.texts.index("电话") if "电话" in cp.texts else -1
    max_attempts = cp.pb.max_attempts
    for r in range(int(counts.max(initial=0))):
        a = order[: active[r + 1]]  # customers with more than r calls
        pos = starts[a] + r
        d, o, sms = call_day[pos], outcome[pos], by_sms[pos]
        step = step_due(cp, st.cls[a], st.k[a], st.anchor[a], st.last[a], st.closed_at[a])
        # The SMS due after an unreachable closing: sending it acts on no step (SPEC §3.7).
        consumed = consumes_pending_sms(st.sms_pending[a], o, sms)
        acts = step.exists & (d >= step.open) & ~st.dnc[a] & ~consumed
        sms_step = step.channel == sms_text
        if st.sms_only is not None:
            sms_step = sms_step | (st.sms_only[a] & (step.channel == call_text))
        e = log_entry(o, sms, sms_step, st.failed[a], max_attempts, acts)
        close = e.close
        width = st.closed_at.shape[1]
        rec = np.flatnonzero(close & (st.k[a] < width))
        if len(rec):
            st.closed_at[a[rec], st.k[a][rec]] = d[rec]
        st.k[a] += close
        st.failed[a] = e.failed
        st.unreachable[a] = np.where(close, e.unreachable, st.unreachable[a])
        st.sms_pending[a] = e.sms_due  # any later entry supersedes the SMS
        st.invalid[a] = (st.invalid[a] | e.invalid) & ~e.connected
        st.dnc[a] |= e.refused
        st.last[a] = d  # calls are in time order
        # B/C-like classes: when their steps are all closed, the default transition applies
        # with the closing call's date as the new anchor.
        c = st.cls[a]
        to = np.where(c >= 0, cp.on_complete[np.maximum(c, 0)], -1)
        moved = close & (to >= 0) & (st.k[a] >= cp.n_steps[np.maximum(c, 0)])
        if moved.any():
            idx = a[moved]
            keep = cp.keep_anchor[np.maximum(c, 0)][moved]
            st.cls[idx], st.anchor[idx], st.k[idx] = to[moved], np.where(keep, st.anchor[idx], d[moved]), 0
            st.failed[idx], st.unreachable[idx] = 0, False
            st.closed_at[idx] = np.datetime64("NaT", "D")
    return st
