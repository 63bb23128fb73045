"""Table mode, step 2: walk each customer's call log through the class's steps (SPEC §4.1).

What an entry does to the open step is `closing.log_entry` (the one rule); `walk_one` is the
same walk for one customer in plain Python, and its docstring lists the SPEC §3.7 rules both
apply (the open step's reference date, SMS entries that are no contact, the step's own SMS,
do-not-call SMS steps, the urgent step of a complaint/adverse flag).

Vectorised over customers: iteration r handles every customer's r-th call at once, so the
Python loop runs once per call *rank*, never once per row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..closing import OUTCOME_CODES, connected, consumes_pending_sms, log_entry, sms_done
from .compiled import Arr, Compiled
from .dates import NAT
from .steps import Steps, step_due

__all__ = ["State", "OUTCOME_CODES", "walk", "dnc_steps", "urgent_flag_days"]


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
    ref: np.ndarray | None = None  # the previous contact the open step counts from (failed dials on it excluded)
    dnc_since: np.ndarray | None = None  # the day of the 拒访 entry (NaT: flagged, or none)
    urgent: np.ndarray | None = None  # the complaint/adverse step is open
    urg_failed: np.ndarray | None = None  # its failed dials
    flag_day: np.ndarray | None = None  # phone entries after this day act on the urgent step (NaT: all)
    sms_from: np.ndarray | None = None  # the day the step whose SMS is pending closed

    @classmethod
    def start(cls, klass: np.ndarray, anchor: np.ndarray, dnc: np.ndarray, n_steps: int = 1) -> State:
        n = len(klass)
        return cls(
            klass.copy(),
            anchor.copy(),
            np.zeros(n, np.int64),
            np.zeros(n, np.int64),
            np.full(n, NAT),
            dnc.copy(),
            np.zeros(n, bool),
            np.zeros(n, bool),
            np.zeros(n, bool),
            np.full((n, max(n_steps, 1)), NAT),
            ref=np.full(n, NAT),
            dnc_since=np.full(n, NAT),
            urgent=np.zeros(n, bool),
            urg_failed=np.zeros(n, np.int64),
            flag_day=np.full(n, NAT),
            sms_from=np.full(n, NAT),
        )


def dnc_steps(cp: Compiled, cls: Arr, k: Arr, anchor: Arr, ref: Arr, closed_at: Arr | None) -> tuple[Arr, Steps]:
    """Do-not-call customers' open step: call steps skipped, none once a call repeat is reached
    (array form of `walk_one.dnc_step`). Returns the advanced step count and the step."""
    sms = cp.texts.index("短信") if "短信" in cp.texts else -1
    kk, dead = k.copy(), np.zeros(len(k), bool)
    for _ in range(cp.months.shape[1] + 2):
        s = step_due(cp, cls, kk, anchor, ref, closed_at)
        call = s.exists & (s.channel != sms)
        dead |= call & s.repeat
        adv = call & ~s.repeat & ~dead
        if not adv.any():
            break
        kk = kk + adv
    s = s._replace(exists=s.exists & ~dead)
    return kk, s


def urgent_flag_days(n: int, call_cust: Arr, call_day: Arr, outcome: Arr, by_sms: Arr) -> Arr:
    """Per customer the last connected phone contact (array form of `walk_one.urgent_flag_day`)."""
    out = np.full(n, NAT)
    m = np.flatnonzero(~by_sms & np.asarray(connected(outcome), bool))
    if len(m):
        days = call_day[m].astype(np.int64)
        best = np.full(n, np.iinfo(np.int64).min)
        np.maximum.at(best, call_cust[m], days)
        ok = best > np.iinfo(np.int64).min
        out[ok] = best[ok].astype("datetime64[D]")
    return out


def walk(cp: Compiled, st: State, call_cust: Arr, call_day: Arr, outcome: Arr, by_sms: Arr) -> State:
    """Apply the calls (sorted by customer then time; `call_cust` = customer position) to `st`.
    `st.urgent` (flagged customers) and `st.flag_day` (their 标记日期, NaT: unknown) are set by
    the caller; an unknown flag day is the last connected phone contact."""
    n = len(st.cls)
    assert st.ref is not None and st.dnc_since is not None and st.urgent is not None
    assert st.urg_failed is not None and st.flag_day is not None and st.sms_from is not None
    st.urgent &= ~st.dnc
    unknown = st.urgent & np.isnat(st.flag_day)
    if unknown.any():
        st.flag_day = np.where(unknown, urgent_flag_days(n, call_cust, call_day, outcome, by_sms), st.flag_day)
    counts = np.bincount(call_cust, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    order = np.argsort(-counts, kind="stable")
    active = np.cumsum(np.bincount(counts, minlength=counts.max(initial=0) + 1)[::-1])[::-1]
    sms_text = cp.texts.index("短信") if "短信" in cp.texts else -1
    call_text = cp.texts.index("电话") if "电话" in cp.texts else -1
    limit = cp.pb.max_attempts
    for r in range(int(counts.max(initial=0))):
        a = order[: active[r + 1]]  # customers with more than r calls
        pos = starts[a] + r
        d, o, sms = call_day[pos], outcome[pos], by_sms[pos]
        # The urgent step of a complaint/adverse flag takes the phone entries after the flag's day.
        urg = st.urgent[a] & ~st.dnc[a] & ~sms & (np.isnat(st.flag_day[a]) | (d > st.flag_day[a]))
        ue = log_entry(o, False, False, st.urg_failed[a], limit, urg)
        # Do-not-call customers skip call steps (as the plan does).
        k = st.k[a]
        dn = np.flatnonzero(st.dnc[a])
        step = step_due(cp, st.cls[a], k, st.anchor[a], st.ref[a], st.closed_at[a])
        if len(dn):
            kd, sd = dnc_steps(cp, st.cls[a][dn], k[dn], st.anchor[a][dn], st.ref[a][dn], st.closed_at[a][dn])
            k = k.copy()
            k[dn] = kd
            step = Steps(*(np.array(f, copy=True) for f in step))
            for f, g in zip(step, sd):
                f[dn] = g
        sms_step = step.channel == sms_text
        if st.sms_only is not None:
            sms_step = sms_step | (st.sms_only[a] & (step.channel == call_text))
        may = step.exists & (d >= step.open) & ~urg & (~st.dnc[a] | (sms & (step.channel == sms_text)))
        own = may & sms & sms_step & np.asarray(sms_done(o), bool)
        consumed = consumes_pending_sms(st.sms_pending[a], o, sms, own)
        e = log_entry(o, sms, sms_step, st.failed[a], limit, may & ~consumed)
        close = e.close
        width = st.closed_at.shape[1]
        rec = np.flatnonzero(close & (k < width))
        if len(rec):
            st.closed_at[a[rec], k[rec]] = d[rec]
        st.k[a] = np.where(close, k + 1, st.k[a])  # a do-not-call SMS step closes past skipped calls
        st.failed[a] = np.where(urg, st.failed[a], e.failed)
        st.unreachable[a] = np.where(close, e.unreachable, np.where(urg & ue.close, ue.unreachable, st.unreachable[a]))
        sms_due = np.where(urg, ue.sms_due, e.sms_due)
        pending = np.where(sms, st.sms_pending[a] & ~consumed, sms_due)
        st.sms_pending[a] = pending
        new = sms_due.astype(bool)
        st.sms_from[a] = np.where(new, d, st.sms_from[a])
        st.invalid[a] = (st.invalid[a] | e.invalid | ue.invalid) & ~(e.connected | ue.connected)
        st.urg_failed[a] = np.where(urg, ue.failed, st.urg_failed[a])
        st.urgent[a] &= ~(urg & ue.close)
        refused = np.asarray(e.refused, bool) & ~st.dnc[a]
        st.dnc_since[a] = np.where(refused, d, st.dnc_since[a])
        st.dnc[a] |= refused
        st.urgent[a] &= ~st.dnc[a]
        contact = ~sms | close  # an SMS that acted on no step is no contact
        st.last[a] = np.where(contact, d, st.last[a])
        fails = np.where(urg, ue.failed, e.failed)
        st.ref[a] = np.where(contact & (fails == 0), d, st.ref[a])
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
            st.closed_at[idx] = NAT
    return st
