"""Automatic mode (SPEC §4.1 FOLLOWUP_TABLE): per customer, from the facts and the call log,
the current class, anchor, next date, step, channel, owner, priority and status.

Pure and vectorised: pandas/numpy in, pandas out; `today` is passed in.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import numpy as np
import pandas as pd

from ..closing import outcome_int
from ..dates import to_date
from ..errors import BadArgument
from ..playbook import Playbook, get_playbook
from ..schema import CHANNELS, outcome_code
from .compiled import Arr, Compiled, Facts, Log, compile_playbook
from .dates import NAT, parse_days, parse_times
from .plan import plan_rows
from .prep import canonical_frame, derive_with_warnings, flag_masks
from .walk import State, walk

__all__ = ["followup_table", "OUTPUT_COLUMNS"]

OUTPUT_COLUMNS = [
    "customer_id",
    "current_class",
    "anchor_date",
    "next_date",
    "purpose",
    "channel",
    "owner_role",
    "priority",
    "status",
    "status_code",
    "steps_closed",
    "failed_attempts",
    "last_contact",
    "dnc",
    "urgent",
    "number_invalid",
    "calls_this_month",
    "note",
    "sms_date",
    "sms_purpose",
    "dnc_since",
]
_D = np.timedelta64(1, "D")


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and distinct values; a Categorical column is already factorised (fast path).

    Text columns are hashed as Python objects (their hash is cached on the string), which
    is cheaper than hashing the column's `str` dtype, whose values are encoded first."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(np.int64), values.cat.categories
    data = values.to_numpy(dtype=object) if pd.api.types.is_string_dtype(values.dtype) else values
    codes, uniques = pd.factorize(data)
    return codes, pd.Index(uniques)


def _unique_index(ids: pd.Series) -> pd.Index:
    """The customers' ids as an index; two customers with one id cannot own a call: BadArgument
    naming the repeated id and both sheet rows (the header is row 1)."""
    index: pd.Index = pd.Index(ids)
    if not index.is_unique:
        second = int(np.flatnonzero(index.duplicated())[0])
        first = int(index[:second].get_indexer(index[second : second + 1])[0])
        raise BadArgument(
            f"客户 第{second + 2}行 客户编号",  # sheet rows: the header is row 1
            index[second],
            f"客户编号与第{first + 2}行重复,回访记录无法对应到唯一的客户;请改用不同的编号 "
            f"(the same customer id as row {first + 2}: calls cannot be matched to one customer)",
        )
    return index


def _positions(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Position of each call's customer id among the customers (-1: unknown).

    One hash table of the customers' ids. A text column looks each call up in it (measured:
    cheaper than factorising the calls first, or the ids of both frames together); a Categorical
    column looks up each category once, and categories equal to the customers' ids (integer
    keys) need no lookup at all: the codes are the positions. A Categorical's missing value
    belongs to no customer."""
    index = _unique_index(ids)
    if not isinstance(wanted.dtype, pd.CategoricalDtype):
        found: Arr = index.get_indexer(cast(pd.Index, wanted))  # a Series works as the target
        return found
    codes, uniques = _factorize(wanted)
    if uniques is index or (len(uniques) == len(index) and uniques.equals(index)):
        return codes  # categories = the customers' ids: code i is customer i (-1 stays -1)
    lookup: Arr = np.append(index.get_indexer(uniques), -1)
    positions: Arr = lookup[codes]
    return positions


def _calls(calls: pd.DataFrame | None, ids: pd.Series, today: dt.date | None) -> Log:
    empty = (np.zeros(0, np.int64), np.zeros(0, "datetime64[D]"), np.zeros(0, np.int64), np.zeros(0, bool))
    if calls is None or len(calls) == 0:
        return empty
    calls = canonical_frame(calls, "calls")
    cust = _positions(ids, calls["customer_id"])
    when = parse_times(calls["call_time"]) if "call_time" in calls else np.full(len(calls), np.datetime64("NaT", "s"))
    keep = (cust >= 0) & ~np.isnat(when)
    if today is not None:
        keep &= when < np.datetime64(today, "D") + _D
    rows = None if keep.all() else np.flatnonzero(keep)  # the calls used, in the log's order
    if rows is not None:
        cust, when = cust[rows], when[rows]
    secs = when.view(np.int64)
    order = _order(cust, secs)
    taken = order if rows is None else rows[order]  # log row of each sorted call
    codes, uniques = _factorize(calls["outcome"] if "outcome" in calls else pd.Series([None] * len(calls)))
    lookup = np.array([outcome_int(outcome_code(u)) for u in uniques] + [0], dtype=np.int64)
    outcome = lookup[codes[taken]]
    if "channel" in calls:
        ch, ch_u = _factorize(calls["channel"])
        by_sms = np.array([CHANNELS.get(str(u).strip(), str(u).strip().lower()) == "sms" for u in ch_u] + [False])
        sms = by_sms[ch[taken]]
    else:
        sms = np.zeros(len(taken), bool)
    return cust[order], (secs[order] // 86400).view("datetime64[D]"), outcome, sms


def _order(cust: np.ndarray, secs: np.ndarray) -> np.ndarray:
    """Calls by customer, then time; equal times keep the log's order."""
    if not len(secs):
        return np.zeros(0, np.int64)
    key = cust * (int(secs.max() - secs.min()) + 1) + (secs - secs.min())
    order = np.argsort(key)  # fast; equal keys (same customer, same second) in any order
    ks = key[order]
    tied = np.flatnonzero(ks[1:] == ks[:-1])
    if len(tied):  # put each run of equal keys back in the log's order
        idx = np.union1d(tied, tied + 1)
        order[idx] = order[idx[np.lexsort((order[idx], ks[idx]))]]
    return order


def _routed_owner(
    cp: Compiled,
    cust: pd.DataFrame,
    cls: Arr,
    facts: Facts,
    today: dt.date | None,
    daily_reception: dict[str, float] | None,
) -> np.ndarray:
    """Stores above the playbook's size limits hand their routed class to another owner (000)."""
    rt = cp.pb.routing
    if rt is None:
        return np.zeros(len(cls), bool)
    store = cust["store"].astype(str).to_numpy(dtype=object) if "store" in cust else np.full(len(cls), "", object)
    where, names = pd.factorize(store)  # -1: no store
    known = where >= 0
    bought = ~np.isnat(facts.get("purchase_date", np.full(len(cls), NAT)))
    daily = np.zeros(len(names))
    if today is not None and "visit_date" in cust:
        visits = facts["visit_date"] if "visit_date" in facts else parse_days(cust["visit_date"])
        t = np.datetime64(today, "D")
        daily = np.bincount(where[known & (visits > t - 30 * _D) & (visits <= t)], minlength=len(names)) / 30.0
    for name, value in (daily_reception or {}).items():
        daily[np.flatnonzero(names == name)] = value
    big = (np.bincount(where[known & bought], minlength=len(names)) > rt.max_purchased) | (
        daily > rt.max_daily_reception
    )
    # A customer without a store is routed as if its store were big (as the former per-store
    # table lookup did: its missing row read as true).
    routed: Arr = (cls == cp.codes.index(rt.cls)) & np.append(big, True)[where]
    return routed


def _unscheduled(cust: pd.DataFrame) -> pd.DataFrame:
    n = len(cust)
    nat = np.full(n, np.datetime64("NaT", "ns"))
    out = pd.DataFrame({c: np.full(n, "", dtype=object) for c in OUTPUT_COLUMNS})
    out["customer_id"] = cust["customer_id"].to_numpy()
    out["anchor_date"], out["next_date"], out["last_contact"], out["sms_date"] = nat, nat, nat, nat
    out["dnc_since"] = nat
    out["status"], out["status_code"] = "无回访计划", "not_scheduled"
    out["purpose"] = "本方案只做抽样回访与配额,无逐客户回访计划"
    for c in ("steps_closed", "failed_attempts", "calls_this_month"):
        out[c] = np.zeros(n, np.int64)
    for c in ("dnc", "urgent", "number_invalid"):
        out[c] = np.zeros(n, bool)
    return out


def followup_table(
    customers: pd.DataFrame,
    calls: pd.DataFrame | None = None,
    playbook: str | Playbook = "optometry",
    today: object = None,
    *,
    daily_reception: dict[str, float] | None = None,
    errors: str = "raise",
) -> pd.DataFrame:
    """One row per customer (same order): class, anchor, next date, step, owner, priority, status.

    `errors="raise"` (the default): an unusable value raises BadArgument naming row, column and
    value. `errors="row"`: that customer gets an error row (status 数据错误, message in `note`)
    and every other customer is computed (see tablerows; the cell function's mode).
    """
    if errors == "row":
        from .rows import followup_table_rows

        return followup_table_rows(
            customers,
            calls,
            playbook,
            today,
            daily_reception=daily_reception,
            table=followup_table,
            columns=OUTPUT_COLUMNS,
        )
    if errors != "raise":
        raise BadArgument("errors", errors, '应为 "raise" 或 "row" (expected "raise" or "row")')
    pb = playbook if isinstance(playbook, Playbook) else get_playbook(str(playbook or "optometry"))
    cp = compile_playbook(pb)
    today = to_date(today, "today")
    cust = canonical_frame(customers.reset_index(drop=True), "customers")
    n = len(cust)
    if not pb.classes:  # e.g. retail: quotas and sampling only, no per-customer cadence
        return _unscheduled(cust)
    cls, anchor, facts, warning = derive_with_warnings(cp, cust)
    marks = flag_masks(
        cust.get("flags"), n, {"dnc": {"dnc"}, "urgent": set(pb.urgent_flags), "sms_only": set(pb.sms_flags)}
    )
    log = _calls(calls, cust["customer_id"], today)
    start = State.start(cls, anchor, marks["dnc"], cp.months.shape[1])
    start.sms_only = marks["sms_only"] if marks["sms_only"].any() else None
    start.urgent = marks["urgent"].copy()
    if "flag_date" in cust and marks["urgent"].any():
        start.flag_day = np.where(marks["urgent"], parse_days(cust["flag_date"]), NAT)
    st = walk(cp, start, *log)
    routed = _routed_owner(cp, cust, st.cls, facts, today, daily_reception)
    out = plan_rows(cp, st, facts, marks["urgent"], today, routed, log)
    out.insert(0, "customer_id", cust["customer_id"].to_numpy())
    warned = warning != ""
    if warned.any():  # a derive rule's data warning (e.g. a 7th treatment) comes first in the note
        note = out["note"].astype(str).to_numpy(dtype=object)
        note[warned] = [w if not n else f"{w};{n}" for w, n in zip(warning[warned], note[warned])]
        out["note"] = pd.Categorical(note)
    return out[OUTPUT_COLUMNS]
