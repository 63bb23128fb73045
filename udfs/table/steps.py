"""Array form of `cadence.step_at`: the k-th step of each customer's class, all at once."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .compiled import Arr, Compiled
from .dates import NAT, add_offset, month_index, semimonthly

__all__ = ["Steps", "step_due"]

_D = np.timedelta64(1, "D")


class Steps(NamedTuple):
    exists: np.ndarray
    due: np.ndarray
    open: np.ndarray
    channel: np.ndarray  # indexes into Compiled.texts
    purpose: np.ndarray
    owner: np.ndarray
    repeat: np.ndarray


def step_due(
    cp: Compiled,
    cls: np.ndarray,
    k: np.ndarray,
    anchor: np.ndarray,
    last: np.ndarray,
    closed_at: np.ndarray | None = None,
) -> Steps:
    """`cls` is the class number (-1: none), `last` the last contact (also the previous contact);
    `closed_at[i, j]` the day customer i's step j closed (steps with `from_step` count from it)."""
    valid = (cls >= 0) & ~np.isnat(anchor)
    c = np.where(valid, cls, 0)
    ns = cp.n_steps[c]
    fixed = valid & (k < ns)
    j = np.clip(k, 0, cp.months.shape[1] - 1)
    prev = np.where(np.isnat(last), anchor, last)
    cj = c * cp.months.shape[1] + j  # one flat index into every [class, step] table
    base = np.where(cp.from_prev.ravel()[cj], prev, anchor) if cp.from_prev.any() else anchor
    if closed_at is not None and (cp.from_step >= 0).any():
        fs = np.where(fixed, cp.from_step.ravel()[cj], -1)
        w = np.flatnonzero(fs >= 0)
        if len(w):
            src = closed_at[w, fs[w]]
            base[w] = np.where(np.isnat(src), base[w], src)
    due = add_offset(base, cp.months.ravel()[cj], cp.days.ravel()[cj])
    opened = due - cp.open_before.ravel()[cj] * _D
    w = np.flatnonzero(cp.has_open_from.ravel()[cj])
    if len(w):  # "within N days" steps open from their start instead
        opened[w] = add_offset(base[w], cp.open_months.ravel()[cj[w]], cp.open_days.ravel()[cj[w]])
    channel, purpose, owner = cp.channel.ravel()[cj], cp.purpose.ravel()[cj], cp.owner.ravel()[cj]
    for sc in cp.sorted_classes:
        m = np.flatnonzero(fixed & (cls == sc))
        if len(m):
            d, o, jj = _sorted_steps(cp, sc, k[m], anchor[m], prev[m])
            due[m], opened[m] = d, o
            channel[m], purpose[m], owner[m] = cp.channel[sc, jj], cp.purpose[sc, jj], cp.owner[sc, jj]

    rep_ok = np.zeros(len(cls), bool)
    r = np.flatnonzero(valid & ~fixed & cp.rep[c])
    if len(r):
        rd, ok = _repeats(cp, c[r], k[r] - ns[r], anchor[r], last[r])
        rep_ok[r] = ok
        due[r], opened[r] = rd, rd - cp.pb.open_before_days * _D
        channel[r], purpose[r], owner[r] = cp.rep_channel[c[r]], cp.rep_purpose[c[r]], cp.rep_owner[c[r]]
    exists = fixed | rep_ok
    return Steps(
        exists,
        np.where(exists, due, NAT),
        np.where(exists, opened, NAT),
        np.where(exists, channel, 0),
        np.where(exists, purpose, 0),
        np.where(exists, owner, 0),
        rep_ok,
    )


def _repeats(cp: Compiled, c: Arr, i: Arr, anchor: Arr, last: Arr) -> tuple[Arr, Arr]:
    """Repeat occurrence i of each row's class (rows already known to be past their steps)."""
    due = np.full(len(c), NAT)
    n_used = i.copy()
    by_prev = cp.rep_prev[c] & ~np.isnat(last)
    p = np.flatnonzero(by_prev)
    if len(p):  # counted from the previous contact
        due[p] = add_offset(last[p], cp.rep_every_m[c[p]], cp.rep_every_d[c[p]])
    a = np.flatnonzero(~by_prev)
    if len(a):  # counted from the anchor; occurrences passed at the last contact are skipped
        due[a], n_used[a] = _from_anchor(cp, c[a], i[a], anchor[a], last[a])
    count = cp.rep_count[c]
    return due, (count < 0) | (n_used < count)


def _from_anchor(cp: Compiled, c: Arr, i: Arr, anchor: Arr, last: Arr) -> tuple[Arr, Arr]:
    """Array form of `cadence._repeat`'s anchor branch: (date, occurrence number)."""
    sm, sd, em, ed = cp.rep_start_m[c], cp.rep_start_d[c], cp.rep_every_m[c], cp.rep_every_d[c]
    has_last = ~np.isnat(last) & (last >= anchor)
    h = np.flatnonzero(has_last)
    if len(h):
        span_m = month_index(last[h]) - month_index(anchor[h]) - sm[h]
        span_d = (last[h] - anchor[h]).astype(np.int64) - sd[h]
        cand = np.where(em[h] > 0, -(-span_m // np.maximum(em[h], 1)), -(-span_d // np.maximum(ed[h], 1)))
        i = i.copy()
        i[h] = np.maximum(i[h], cand)
    occ = add_offset(anchor, sm + em * i, sd + ed * i)
    b = np.flatnonzero(has_last & (occ <= last))
    if len(b):
        i[b] += 1
        occ[b] = add_offset(anchor[b], sm[b] + em[b] * i[b], sd[b] + ed[b] * i[b])
    return occ, i


def _sorted_steps(cp: Compiled, sc: int, k: Arr, anchor: Arr, prev: Arr) -> tuple[Arr, Arr, Arr]:
    """Classes with a day-of-month series: the k-th earliest of all their step dates."""
    steps = cp.pb.classes[cp.codes[sc]].steps
    cols = []
    for s in steps:
        if s.series is not None:
            cols.append(semimonthly(anchor, s.series.days_of_month, s.dom_index or 0))  # set when expanded
        else:
            base = prev if s.base == "previous" else anchor
            cols.append(add_offset(base, s.offset.months, s.offset.days))
    mat = np.stack(cols, axis=1)
    order = np.argsort(mat, axis=1, kind="stable")
    jj = order[np.arange(len(k)), k]
    due = mat[np.arange(len(k)), jj]
    opened = np.where(
        cp.has_open_from[sc, jj],
        add_offset(anchor, cp.open_months[sc, jj], cp.open_days[sc, jj]),
        due - cp.open_before[sc, jj] * _D,
    )
    return due, opened, jj
