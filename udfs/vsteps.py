"""Array form of `cadence.step_at`: the k-th step of each customer's class, all at once."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .compiled import Compiled
from .vdates import NAT, add_offset, month_index, semimonthly

__all__ = ["Steps", "step_due"]

_D = np.timedelta64(1, "D")


class Steps(NamedTuple):
    exists: np.ndarray
    due: np.ndarray
    open: np.ndarray
    channel: np.ndarray     # indexes into Compiled.texts
    purpose: np.ndarray
    owner: np.ndarray
    repeat: np.ndarray


def step_due(cp: Compiled, cls: np.ndarray, k: np.ndarray, anchor: np.ndarray, last: np.ndarray) -> Steps:
    """`cls` is the class number (-1: none), `last` the last contact (also the previous contact)."""
    valid = (cls >= 0) & ~np.isnat(anchor)
    c = np.where(valid, cls, 0)
    ns = cp.n_steps[c]
    fixed = valid & (k < ns)
    j = np.clip(k, 0, cp.months.shape[1] - 1)
    prev = np.where(np.isnat(last), anchor, last)
    base = np.where(cp.from_prev[c, j], prev, anchor)
    due = add_offset(base, cp.months[c, j], cp.days[c, j])
    opened = np.where(cp.has_open_from[c, j], add_offset(base, cp.open_months[c, j], cp.open_days[c, j]),
                      due - cp.open_before[c, j] * _D)
    channel, purpose, owner = cp.channel[c, j], cp.purpose[c, j], cp.owner[c, j]
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
    return Steps(exists, np.where(exists, due, NAT), np.where(exists, opened, NAT),
                 np.where(exists, channel, 0), np.where(exists, purpose, 0), np.where(exists, owner, 0),
                 rep_ok)


def _repeats(cp: Compiled, c, i, anchor, last):
    """Repeat occurrence i of each row's class (rows already known to be past their steps)."""
    by_prev = cp.rep_prev[c] & ~np.isnat(last)
    sm, sd, em, ed = cp.rep_start_m[c], cp.rep_start_d[c], cp.rep_every_m[c], cp.rep_every_d[c]
    # Anchor-based repeats skip occurrences already passed at the last contact (as cadence._repeat).
    has_last = ~by_prev & ~np.isnat(last) & (last >= anchor)
    span_m = month_index(last) - month_index(anchor) - sm
    span_d = (last - anchor).astype(np.int64) - sd
    cand = np.where(em > 0, -(-span_m // np.maximum(em, 1)), -(-span_d // np.maximum(ed, 1)))
    i2 = np.where(has_last, np.maximum(i, cand), i)
    occ = add_offset(anchor, sm + em * i2, sd + ed * i2)
    bump = has_last & (occ <= last)
    if bump.any():
        i2 = i2 + bump
        occ = np.where(bump, add_offset(anchor, sm + em * i2, sd + ed * i2), occ)
    due = np.where(by_prev, add_offset(last, em, ed), occ)
    count = cp.rep_count[c]
    return due, (count < 0) | (np.where(by_prev, i, i2) < count)


def _sorted_steps(cp: Compiled, sc: int, k, anchor, prev):
    """Classes with a day-of-month series: the k-th earliest of all their step dates."""
    steps = cp.pb.classes[cp.codes[sc]].steps
    cols = []
    for s in steps:
        if s.series is not None:
            cols.append(semimonthly(anchor, s.series.days_of_month, s.dom_index))
        else:
            base = prev if s.base == "previous" else anchor
            cols.append(add_offset(base, s.offset.months, s.offset.days))
    mat = np.stack(cols, axis=1)
    order = np.argsort(mat, axis=1, kind="stable")
    jj = order[np.arange(len(k)), k]
    due = mat[np.arange(len(k)), jj]
    opened = np.where(cp.has_open_from[sc, jj],
                      add_offset(anchor, cp.open_months[sc, jj], cp.open_days[sc, jj]),
                      due - cp.open_before[sc, jj] * _D)
    return due, opened, jj
