"""Table mode, step 3: from each customer's walked state to the next contact (the array form
of `engine.plan`), its priority and status."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..closing import retry_due, steps_closed
from ..engine import with_sms
from ..schema import CUSTOMER_COLUMNS, FACT_COLUMNS, PURPOSES, STATUSES
from .compiled import Arr, Compiled, Facts, Log
from .dates import NAT, add_months
from .steps import Steps, step_due
from .walk import State, dnc_steps

__all__ = ["plan_rows"]

_STATUS_CODES = list(STATUSES.values())
_STATUS_ZH = list(STATUSES)
_S = {code: i for i, code in enumerate(_STATUS_CODES)}
_HEADERS = {**CUSTOMER_COLUMNS, **FACT_COLUMNS}
_D = np.timedelta64(1, "D")


def _sms_until(cp: Compiled, st: State) -> Arr:
    """The last day a 拒访 customer may get an SMS: the playbook's months from the 拒访 entry,
    else from the anchor (SPEC §3.7); NaT where the playbook allows none."""
    months = cp.pb.dnc_sms_months
    if months is None:
        return np.full(len(st.cls), NAT)
    assert st.dnc_since is not None
    since = np.where(np.isnat(st.dnc_since), st.anchor, st.dnc_since)
    return add_months(since, np.full(len(since), months))


def _dnc_steps(cp: Compiled, st: State, k: Arr, s: Steps, ref: Arr) -> tuple[Arr, Arr, Arr, Arr, Arr]:
    """拒访 customers: skip call steps; an SMS step stays only where the playbook allows it."""
    idx = np.flatnonzero(st.dnc & s.exists)
    sms = cp.texts.index("短信") if "短信" in cp.texts else -1
    _, ss = dnc_steps(cp, st.cls[idx], k[idx], st.anchor[idx], ref[idx], st.closed_at[idx])
    ok = ss.exists & (ss.channel == sms)
    ok &= ss.due <= _sms_until(cp, st)[idx]
    exists = s.exists & ~st.dnc
    fields = [f.copy() for f in (s.due, s.channel, s.purpose, s.owner)]
    exists[idx] = ok
    for f, new in zip(fields, (ss.due, ss.channel, ss.purpose, ss.owner)):
        f[idx] = new
    return exists, *fields


def _next_working_days(days: np.ndarray) -> np.ndarray:
    """The first working day after each date (NaT stays NaT); one lookup per distinct date."""
    from ..callwindow import next_working_day

    out = np.full(len(days), NAT)
    ok = ~np.isnat(days)
    if ok.any():
        uniq, inv = np.unique(days[ok], return_inverse=True)
        nxt = np.array([np.datetime64(next_working_day(d.astype(object)), "D") for d in uniq])
        out[ok] = nxt[inv]
    return out


def _unreachable_sms(cp: Compiled, st: State, known: Arr, missing: Arr, cancelled: Arr) -> tuple[Arr, Arr]:
    """Customers whose step just closed unreachable get an SMS the next working day (SPEC §3.7)."""
    pb = cp.pb
    n = len(st.cls)
    if not pb.unreachable_sms:
        return np.zeros(n, bool), np.full(n, NAT)
    assert st.sms_from is not None
    want = st.sms_pending & ~np.isnat(st.sms_from) & known & ~missing & ~cancelled
    day = np.where(want, _next_working_days(np.where(want, st.sms_from, NAT)), NAT)
    allowed = ~st.dnc | (day <= _sms_until(cp, st))
    return want & allowed, day


def _events(
    cp: Compiled, st: State, facts: Facts, t: np.datetime64, k: Arr, exists: Arr, due: Arr, eligible: Arr
) -> list[tuple[Arr, Arr, str, str, str]]:
    """Contacts on a customer's own dates (playbook `events`, e.g. the discharge-day visit): due
    on that date while no contact was logged on or after it, never for a date already passed
    (today given); it comes first when earlier than the next step, or replaces its step."""
    out = []
    for ci, code in enumerate(cp.codes):
        rule = cp.pb.classes[code]
        for e in rule.events:
            day = facts[e.on]
            m = eligible & (st.cls == ci) & ~np.isnat(day) & (np.isnat(st.last) | (st.last < day))
            if not np.isnat(t) and not e.instead_of_step:  # a visit on a passed date is moot;
                m &= day >= t  # a call replacing a step stays due
            for u in e.unless:
                m &= np.isnat(facts[u]) | (facts[u] < day)
            instead = (k == e.instead_of_step - 1) if e.instead_of_step else np.zeros(len(m), bool)
            m &= ~exists | (day <= due) | instead
            if m.any():
                out.append((m, day, e.channel, e.purpose, e.owner or rule.owner))
    return out


def plan_rows(
    cp: Compiled, st: State, facts: Facts, urgent_flag: Arr, today: dt.date | None, routed: Arr, log: Log
) -> pd.DataFrame:
    pb, n = cp.pb, len(st.cls)
    # Text columns stay integer codes into one list of texts until the end (Categorical).
    texts = list(cp.texts)

    where = {t: i for i, t in reversed(list(enumerate(texts)))}  # text → its first index

    def tx(text: str) -> int:
        if text not in where:
            where[text] = len(texts)
            texts.append(text)
        return where[text]

    t = np.datetime64(today, "D") if today is not None else NAT
    has_today = today is not None
    ref = st.last if st.ref is None else st.ref  # the previous contact the open step counts from
    k = steps_closed(st.k, st.failed, pb.max_attempts)
    s = step_due(cp, st.cls, k, st.anchor, ref, st.closed_at)
    exists, due, channel, purpose, owner = _dnc_steps(cp, st, k, s, ref)
    c = np.maximum(st.cls, 0)
    known = st.cls >= 0
    missing = known & np.isnat(st.anchor)
    cancelled = np.zeros(n, bool)
    for ci, code in enumerate(cp.codes):
        for f in pb.classes[code].cancel_when:
            cancelled |= (st.cls == ci) & (facts[f] > st.anchor)
    exists &= ~cancelled
    sms_after, sms_day = _unreachable_sms(cp, st, known, missing, cancelled)
    retry = exists & retry_due(st.failed, pb.max_attempts) & ~np.isnat(st.last) & ~st.dnc
    due = np.where(retry, st.last + pb.retry_after_days * _D, due)
    due = np.where(exists & ~np.isnat(st.last) & (due <= st.last), st.last + _D, due)
    ev = _events(cp, st, facts, t, k, exists, due, known & ~missing & ~st.dnc & ~cancelled)
    for mask, day, ch, pu, ow in ev:
        exists |= mask
        due = np.where(mask, day, due)
        channel = np.where(mask, tx(ch), channel)
        purpose = np.where(mask, tx(pu), purpose)
        owner = np.where(mask, tx(ow), owner)
    # SPEC §3.7: the flag's one urgent step, due today while open (tomorrow once dialled today)
    urgent = urgent_flag & known & ~missing & ~st.dnc & has_today
    if st.urgent is not None:
        urgent &= st.urgent
    exists |= urgent
    urgent_day = np.where(np.isnat(st.last) | (st.last < t), t, st.last + _D)  # dialled today: tomorrow
    due = np.where(urgent, urgent_day, np.where(exists, due, NAT))
    cancelled &= ~urgent  # an urgent call is never a cancelled reminder

    to = np.where(known, cp.on_complete[c], -1)
    pending = known & ~exists & ~st.dnc & ~cancelled & ~missing & (to >= 0)
    status = np.full(n, _S["upcoming"], dtype=np.int8)
    status[exists & st.unreachable] = _S["unreachable"]
    status[exists & st.invalid] = _S["invalid_number"]
    status[retry & ~urgent] = _S["retry"]
    if has_today:
        status[exists & (due == t)] = _S["due_today"]
        status[exists & (due < t)] = _S["overdue"]
    finished = ~exists & known & ~pending & ~st.dnc & ~cancelled & ~missing
    status[finished] = _S["finished"]
    status[pending] = _S["pending_transition"]
    status[~exists & st.dnc] = _S["do_not_call"]
    status[cancelled] = _S["cancelled"]
    status[missing | ~known] = _S["missing_anchor"]

    purpose = np.where(exists, purpose, 0)
    purpose[urgent] = tx(pb.urgent_purpose)
    for ci, code in enumerate(cp.codes):
        if cp.on_complete[ci] >= 0:
            purpose[pending & (st.cls == ci)] = tx(PURPOSES["transition"].format(to=cp.codes[cp.on_complete[ci]]))
        field = pb.classes[code].anchor
        purpose[missing & (st.cls == ci)] = tx(PURPOSES["missing_anchor"].format(field=_HEADERS.get(field, field)))
    purpose[st.dnc & ~exists] = tx(PURPOSES["do_not_call"])
    purpose[cancelled] = tx(PURPOSES["cancelled"])
    purpose[finished] = tx(PURPOSES["finished"])
    sms_after &= ~urgent
    rows = np.flatnonzero(sms_after)  # SPEC §3.7: the SMS task named in front of the purpose
    if len(rows):  # once per distinct (purpose, day), new texts in the rows' order
        pairs = np.column_stack([purpose[rows].astype(np.int64), sms_day[rows].astype(np.int64)])
        uniq, first, inv = np.unique(pairs, axis=0, return_index=True, return_inverse=True)
        made = np.zeros(len(uniq), np.int64)
        for u in np.argsort(first, kind="stable").tolist():
            day = np.datetime64(int(uniq[u, 1]), "D").astype(object)
            made[u] = tx(with_sms(texts[int(uniq[u, 0])], pb.unreachable_sms or "", day))
        purpose[rows] = made[inv.ravel()]
    sms_day = np.where(sms_after, sms_day, NAT)
    if st.sms_only is not None:  # 001 公务车: routine callbacks by SMS; complaints still by phone
        routine = st.sms_only & exists & ~urgent & ~retry & (channel == tx("电话"))
        channel = np.where(routine, tx("短信"), channel)
    channel = np.where(exists, np.where(urgent, tx("电话"), channel), 0)
    owner = np.where(known, np.where(exists, owner, cp.class_owner[c]), 0)
    if pb.routing is not None:
        owner = np.where(routed, tx(pb.routing.to), owner)
    priority = np.where(~exists, 0, np.where(urgent, 1, np.where(has_today & (due <= t), 2, 3)))
    count, note = _notes(cp, st, log, t, exists)
    if cp.pb.max_calls_per_month:  # the cap warning also in the purpose, as the row function says it
        for i in np.flatnonzero(exists & (count >= cp.pb.max_calls_per_month)):
            purpose[i] = tx(PURPOSES["cap"].format(purpose=texts[purpose[i]], cap=cp.pb.max_calls_per_month))
    cats = pd.Index(texts, dtype=object)

    def text(codes: Arr) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=cats)

    return pd.DataFrame(
        {
            "current_class": pd.Categorical.from_codes(np.where(known, st.cls, -1), categories=pd.Index(cp.codes)),
            "anchor_date": st.anchor.astype("datetime64[ns]"),
            "next_date": due.astype("datetime64[ns]"),
            "purpose": text(purpose),
            "channel": text(channel),
            "owner_role": text(owner),
            "priority": pd.Categorical.from_codes(priority, categories=pd.Index(["", "高", "中", "低"])),
            "status": pd.Categorical.from_codes(status, categories=pd.Index(_STATUS_ZH)),
            "status_code": pd.Categorical.from_codes(status, categories=pd.Index(_STATUS_CODES)),
            "steps_closed": st.k,
            "failed_attempts": st.failed,
            "last_contact": st.last.astype("datetime64[ns]"),
            "dnc": st.dnc,
            "urgent": urgent,
            "number_invalid": st.invalid,
            "calls_this_month": count,
            "note": note,
            "sms_date": sms_day.astype("datetime64[ns]"),
            "sms_purpose": np.where(sms_after, pb.unreachable_sms or "", ""),
            "dnc_since": (np.full(n, NAT) if st.dnc_since is None else st.dnc_since).astype("datetime64[ns]"),
        }
    )


def _notes(cp: Compiled, st: State, log: Log, t: np.datetime64, exists: Arr) -> tuple[Arr, pd.Categorical[str]]:
    """Calls this calendar month (phone only) and the frequency-cap warning (004: ≤ 4 a month)."""
    cust, day, _, sms = log
    n = len(st.cls)
    count = np.zeros(n, np.int64)
    if not np.isnat(t) and len(cust):
        this_month = (day.astype("datetime64[M]") == t.astype("datetime64[M]")) & ~sms
        count = np.bincount(cust[this_month], minlength=n)
    note = np.zeros(n, np.int8)
    cap = cp.pb.max_calls_per_month
    if cap:
        note[exists & (count >= cap)] = 1
    note[st.invalid] += 2  # 空号 and the cap together: both said (SPEC §3.7: 空号 hides no warning)
    capped = f"本月已回访{cap}次,达到上限,请勿再电话打扰 (monthly cap {cap} reached)"
    invalid = "空号:请更正电话号码 (invalid number: correct it)"
    return count, pd.Categorical.from_codes(note, categories=pd.Index(["", capped, invalid, f"{invalid};{capped}"]))
