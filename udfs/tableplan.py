"""Table mode, step 3: from each customer's walked state to the next contact (the array form
of `engine.plan`), its priority and status."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .compiled import Compiled
from .schema import STATUSES, header
from .vdates import NAT, add_months
from .vsteps import step_due
from .walk import State

__all__ = ["plan_rows"]

_ZH = {code: zh for zh, code in STATUSES.items()}
_D = np.timedelta64(1, "D")


def _dnc_steps(cp: Compiled, st: State, k: np.ndarray, s):
    """拒访 customers: skip call steps; an SMS step stays only where the playbook allows it."""
    idx = np.flatnonzero(st.dnc & s.exists)
    sms = cp.texts.index("短信") if "短信" in cp.texts else -1
    kk, dead = k[idx].copy(), np.zeros(len(idx), bool)
    for _ in range(cp.months.shape[1] + 1):
        ss = step_due(cp, st.cls[idx], kk, st.anchor[idx], st.last[idx])
        call = ss.exists & (ss.channel != sms)
        dead |= call & ss.repeat
        adv = call & ~ss.repeat & ~dead
        if not adv.any():
            break
        kk += adv
    ok = ss.exists & ~dead & (ss.channel == sms)
    months = cp.pb.dnc_sms_months
    ok &= False if months is None else ss.due <= add_months(st.anchor[idx], np.full(len(idx), months))
    exists = s.exists & ~st.dnc
    fields = [f.copy() for f in (s.due, s.channel, s.purpose, s.owner)]
    exists[idx] = ok
    for f, new in zip(fields, (ss.due, ss.channel, ss.purpose, ss.owner)):
        f[idx] = new
    return exists, *fields


def plan_rows(cp: Compiled, st: State, facts, urgent_flag, today, routed, log) -> pd.DataFrame:
    pb, n = cp.pb, len(st.cls)
    t = np.datetime64(today, "D") if today is not None else NAT
    has_today = today is not None
    k = st.k + (st.failed >= pb.max_attempts)
    s = step_due(cp, st.cls, k, st.anchor, st.last)
    exists, due, channel, purpose, owner = _dnc_steps(cp, st, k, s)
    c = np.maximum(st.cls, 0)
    known = st.cls >= 0
    missing = known & np.isnat(st.anchor)
    cancelled = np.zeros(n, bool)
    for ci, code in enumerate(cp.codes):
        for f in pb.classes[code].cancel_when:
            cancelled |= (st.cls == ci) & (facts[f] > st.anchor)
    exists &= ~cancelled
    retry = exists & (st.failed > 0) & (st.failed < pb.max_attempts) & ~np.isnat(st.last) & ~st.dnc
    due = np.where(retry, st.last + pb.retry_after_days * _D, due)
    due = np.where(exists & ~np.isnat(st.last) & (due <= st.last), st.last + _D, due)
    urgent = urgent_flag & known & ~missing & ~st.dnc & has_today & (np.isnat(st.last) | (st.last < t))
    exists |= urgent
    due = np.where(urgent, t, np.where(exists, due, NAT))

    texts = np.asarray(cp.texts, dtype=object)
    purpose_t, channel_t = texts[purpose], texts[channel]
    owner_t = np.where(known, texts[np.where(exists, owner, cp.class_owner[c])], "")
    purpose_t = np.where(urgent, pb.urgent_purpose, purpose_t)
    channel_t = np.where(urgent, "电话", channel_t)
    if pb.routing is not None:
        owner_t = np.where(routed, pb.routing.to, owner_t)
    to = np.where(known, cp.on_complete[c], -1)
    pending = known & ~exists & ~st.dnc & ~cancelled & ~missing & (to >= 0)
    codes = np.asarray(cp.codes + [""], dtype=object)
    purpose_t = np.where(pending, "转" + codes[np.where(to >= 0, to, -1)].astype(str) + "类", purpose_t)

    status = np.full(n, "upcoming", dtype=object)
    status[exists & st.unreachable] = "unreachable"
    status[exists & st.invalid] = "invalid_number"
    status[retry & ~urgent] = "retry"
    if has_today:
        status[exists & (due == t)] = "due_today"
        status[exists & (due < t)] = "overdue"
    status[~exists & known] = "finished"
    status[pending] = "pending_transition"
    status[~exists & st.dnc] = "do_not_call"
    status[cancelled] = "cancelled"
    status[missing] = "missing_anchor"
    status[~known] = "missing_anchor"
    priority = np.where(~exists, "", np.where(urgent, "高", np.where(has_today & (due <= t), "中", "低")))
    notes = _notes(cp, st, log, t, exists, missing)
    anchor_hdr = np.asarray([header(pb.classes[code].anchor) if pb.classes[code].anchor in
                             _known_headers() else pb.classes[code].anchor for code in cp.codes] + [""], dtype=object)
    purpose_t = np.where(missing, "缺少" + anchor_hdr[np.where(known, st.cls, -1)].astype(str), purpose_t)
    purpose_t = np.where(st.dnc & ~exists, "拒访:不再电话回访", purpose_t)
    purpose_t = np.where(cancelled, "已到店或成交,未到的提醒已取消", purpose_t)
    purpose_t = np.where(status == "finished", "回访已完成", purpose_t)
    return pd.DataFrame({
        "current_class": codes[np.where(known, st.cls, -1)],
        "anchor_date": st.anchor.astype("datetime64[ns]"),
        "next_date": due.astype("datetime64[ns]"),
        "purpose": purpose_t, "channel": np.where(exists, channel_t, ""), "owner_role": owner_t,
        "priority": priority, "status": [_ZH[x] for x in status], "status_code": status,
        "steps_closed": st.k, "failed_attempts": st.failed,
        "last_contact": st.last.astype("datetime64[ns]"), "dnc": st.dnc, "urgent": urgent,
        "number_invalid": st.invalid, "calls_this_month": notes[0], "note": notes[1],
    })


def _known_headers():
    from .schema import CUSTOMER_COLUMNS, FACT_COLUMNS

    return {**CUSTOMER_COLUMNS, **FACT_COLUMNS}


def _notes(cp: Compiled, st: State, log, t, exists, missing):
    """Calls this calendar month (phone only) and the frequency-cap warning (004: ≤ 4 a month)."""
    cust, day, _, sms = log
    n = len(st.cls)
    count = np.zeros(n, np.int64)
    if not np.isnat(t) and len(cust):
        this_month = (day.astype("datetime64[M]") == t.astype("datetime64[M]")) & ~sms
        count = np.bincount(cust[this_month], minlength=n)
    note = np.full(n, "", dtype=object)
    cap = cp.pb.max_calls_per_month
    if cap:
        note[exists & (count >= cap)] = f"本月已回访{cap}次,达到上限,请勿再电话打扰 (monthly cap {cap} reached)"
    note[st.invalid] = "空号:请更正电话号码 (invalid number: correct it)"
    return count, note
