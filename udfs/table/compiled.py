"""A playbook flattened into numpy lookup tables, for the vectorised table mode.

Row c of every table is class c (in playbook order); column j is step j. Text (purpose,
channel, owner) is stored once in `texts` and referenced by index.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..playbook import Playbook

__all__ = ["Compiled", "compile_playbook", "Arr", "Log", "Facts"]

Arr = npt.NDArray[Any]  # table mode's arrays: numbers (int64), masks (bool), days (datetime64[D])
Log = tuple[Arr, Arr, Arr, Arr]  # the calls, sorted: customer position, day, outcome code, sent by SMS
Facts = dict[str, Arr]  # a customer date column (canonical key) → its days


@dataclass(frozen=True)
class Compiled:
    pb: Playbook
    codes: list[str]  # class codes, index = class number
    texts: list[str]
    n_steps: np.ndarray  # [c]
    # fixed steps [c, j]
    months: np.ndarray
    days: np.ndarray
    from_prev: np.ndarray
    from_step: np.ndarray  # [c, j] 0-based step whose closing contact is the base, -1: none
    has_open_from: np.ndarray
    open_months: np.ndarray
    open_days: np.ndarray
    open_before: np.ndarray
    channel: np.ndarray
    purpose: np.ndarray
    owner: np.ndarray
    is_sms: np.ndarray
    # repeat [c]
    rep: np.ndarray
    rep_prev: np.ndarray
    rep_start_m: np.ndarray
    rep_start_d: np.ndarray
    rep_every_m: np.ndarray
    rep_every_d: np.ndarray
    rep_count: np.ndarray  # -1: unlimited
    rep_channel: np.ndarray
    rep_purpose: np.ndarray
    rep_owner: np.ndarray
    # transitions and ownership [c]
    on_complete: np.ndarray  # class number or -1
    keep_anchor: np.ndarray  # the transition keeps the anchor date (else: the closing call's)
    class_owner: np.ndarray
    sorted_classes: tuple[int, ...]

    def text(self, idx: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.asarray(self.texts, dtype=object)[idx]
        return out


# The last playbooks compiled, newest last; each entry holds its playbook, so the id() key cannot
# be reused while the entry lives. Bounded: a long-lived process (the add-in) that loads edited
# playbooks keeps at most _CACHE_SIZE of them.
_CACHE: OrderedDict[int, tuple[Playbook, Compiled]] = OrderedDict()
_CACHE_SIZE = 32


def compile_playbook(pb: Playbook) -> Compiled:
    """Tables for `pb`, built once per playbook object (among the last `_CACHE_SIZE` ones)."""
    hit = _CACHE.get(id(pb))
    if hit is None or hit[0] is not pb:
        hit = _CACHE[id(pb)] = (pb, _compile(pb))
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(id(pb))
    return hit[1]


def _compile(pb: Playbook) -> Compiled:
    codes = list(pb.classes)
    texts: list[str] = [""]
    index: dict[str, int] = {"": 0}

    def t(s: str | None) -> int:
        s = s or ""
        if s not in index:
            index[s] = len(texts)
            texts.append(s)
        return index[s]

    nc, nj = len(codes), max([len(c.steps) for c in pb.classes.values()] + [1])

    def z(dtype: type = np.int64) -> Arr:
        return np.zeros((nc, nj), dtype=dtype)

    months, days, open_m, open_d, open_before = z(), z(), z(), z(), z()
    from_prev, has_open, is_sms = z(bool), z(bool), z(bool)
    from_step = np.full((nc, nj), -1, dtype=np.int64)
    channel, purpose, owner = z(), z(), z()
    r = {
        k: np.zeros(nc, dtype=np.int64)
        for k in ("start_m", "start_d", "every_m", "every_d", "channel", "purpose", "owner")
    }
    rep, rep_prev = np.zeros(nc, bool), np.zeros(nc, bool)
    rep_count, on_complete = np.full(nc, -1), np.full(nc, -1)
    keep_anchor = np.zeros(nc, bool)
    class_owner = np.zeros(nc, dtype=np.int64)
    for c, code in enumerate(codes):
        rule = pb.classes[code]
        class_owner[c] = t(rule.owner)
        for j, s in enumerate(rule.steps):
            months[c, j], days[c, j] = s.offset.months, s.offset.days
            from_prev[c, j] = s.base == "previous"
            if s.base == "previous" and s.from_step is not None:
                from_step[c, j] = s.from_step - 1
            if s.open_from is not None:
                has_open[c, j] = True
                open_m[c, j], open_d[c, j] = s.open_from.months, s.open_from.days
            open_before[c, j] = pb.open_before_days if s.open_before_days is None else s.open_before_days
            channel[c, j], purpose[c, j], owner[c, j] = t(s.channel), t(s.purpose), t(s.owner or rule.owner)
            is_sms[c, j] = s.channel == "短信"
        if rule.repeat is not None:
            rp = rule.repeat
            start = rp.start or rp.every
            rep[c], rep_prev[c] = True, rp.base == "previous"
            r["start_m"][c], r["start_d"][c] = start.months, start.days
            r["every_m"][c], r["every_d"][c] = rp.every.months, rp.every.days
            rep_count[c] = -1 if rp.count is None else rp.count
            r["channel"][c], r["purpose"][c], r["owner"][c] = t(rp.channel), t(rp.purpose), t(rp.owner or rule.owner)
        if rule.on_complete is not None:
            on_complete[c] = codes.index(rule.on_complete.to)
            keep_anchor[c] = rule.on_complete.anchor == "same"
    return Compiled(
        pb=pb,
        codes=codes,
        texts=texts,
        n_steps=np.array([len(pb.classes[c].steps) for c in codes], dtype=np.int64),
        months=months,
        days=days,
        from_prev=from_prev,
        from_step=from_step,
        has_open_from=has_open,
        open_months=open_m,
        open_days=open_d,
        open_before=open_before,
        channel=channel,
        purpose=purpose,
        owner=owner,
        is_sms=is_sms,
        rep=rep,
        rep_prev=rep_prev,
        rep_start_m=r["start_m"],
        rep_start_d=r["start_d"],
        rep_every_m=r["every_m"],
        rep_every_d=r["every_d"],
        rep_count=rep_count,
        rep_channel=r["channel"],
        rep_purpose=r["purpose"],
        rep_owner=r["owner"],
        on_complete=on_complete,
        keep_anchor=keep_anchor,
        class_owner=class_owner,
        sorted_classes=tuple(c for c, code in enumerate(codes) if pb.classes[code].sorted_steps),
    )
