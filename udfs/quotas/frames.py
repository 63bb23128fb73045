"""Quota frame functions for the sync (SPEC §3.2): weekly table per store, small stores, questions.

Canonical English column keys; Chinese headers are accepted. Amount-tier draws and gift samples
are in `sampling`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..calendar import DAY
from ..callwindow import is_working_day
from ..dates import to_date
from ..errors import BadArgument
from ..rules import Quotas
from ..schema import CALL_COLUMNS, SUCCESS_OUTCOMES, canonical, outcome_code
from .targets import default_quotas, evaluate_week, group_quota

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DAY_KEYS", "success_mask", "service_mask", "weekly_quota_table", "small_store_check", "too_many_questions"]

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _frame(df: pd.DataFrame, columns: dict[str, str], required: tuple[str, ...], argument: str) -> pd.DataFrame:
    renames: dict[str, str] = {}
    for c in df.columns:
        key = canonical(columns, c)
        if key and key not in renames.values() and key not in df.columns.drop(c):
            renames[c] = key
    out = df.rename(columns=renames)
    missing = [k for k in required if k not in out.columns]
    if missing:
        raise BadArgument(
            argument,
            list(df.columns),
            "缺少列 " + "、".join(f"{columns[k]} ({k})" for k in missing) + " (missing columns)",
        )
    return out


def success_mask(outcomes: pd.Series) -> pd.Series:
    """Vectorised `is_success` (unknown or empty outcomes are not successes)."""
    table = {v: outcome_code(v) in SUCCESS_OUTCOMES for v in outcomes.dropna().unique()}
    return outcomes.map(table).fillna(False).astype(bool)


def service_mask(df: pd.DataFrame) -> pd.Series:
    """Calls that count toward the service quota (SPEC §3.7): 类型 客户服务 (or empty), not by SMS.
    礼品核查 has its own 40 % target, 店面核销 is reported only."""
    import pandas as pd

    from ..schema import normalize

    ok = pd.Series(True, index=df.index)
    if "kind" in df.columns:
        kinds = {v: normalize(v) in {"", "客户服务", "客户服务回访", "service"} for v in df["kind"].dropna().unique()}
        ok &= df["kind"].map(kinds).fillna(True).astype(bool)
    if "channel" in df.columns:
        sms = {v: normalize(v) in {"短信", "sms"} for v in df["channel"].dropna().unique()}
        ok &= ~df["channel"].map(sms).fillna(False).astype(bool)
    return ok


def _days(values: pd.Series, argument: str) -> pd.Series:
    """Calendar days as datetime64 (NaT for empty); any cell form `to_date` accepts."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        naive: pd.Series = values.dt.tz_localize(None) if values.dt.tz else values
        out: pd.Series = naive.dt.normalize()
        return out
    table = {v: to_date(v, argument) for v in values.dropna().unique()}
    days: pd.Series = pd.to_datetime(values.map(table), errors="coerce")
    return days


def weekly_quota_table(
    calls: pd.DataFrame, groups: dict[str, object], week_start: object, quotas: Quotas | None = None
) -> pd.DataFrame:
    """Per store: successes per day of the week (mon…sun), total, targets, status, evenness."""
    import pandas as pd

    from ..store_order import store_key

    q = quotas or default_quotas()
    df = _frame(calls, CALL_COLUMNS, ("call_time", "outcome", "store"), "calls")
    monday = to_date(week_start, "week_start")
    if monday is None:
        raise BadArgument("week_start", week_start, "应为该周任意一天 (a day of the week)")
    monday -= monday.weekday() * DAY
    offset = (_days(df["call_time"], "call_time") - pd.Timestamp(monday)).dt.days
    ok = success_mask(df["outcome"]) & offset.between(0, 6) & service_mask(df)
    sizes = pd.DataFrame({"store": df["store"][ok], "day": offset[ok].astype(int)}).groupby(["store", "day"]).size()
    stores = list(groups) + sorted({s for s in df["store"].dropna().unique() if s not in groups}, key=store_key())
    week = [monday + i * DAY for i in range(7)]
    working = [is_working_day(d) for d in week]
    rows = []
    for store in stores:
        counts = [int(sizes.get((store, i), 0)) for i in range(7)]
        row = {"store": store, **dict(zip(DAY_KEYS, counts)), "total": sum(counts)}
        group = groups.get(store)
        if group is None:
            rows.append({**row, "group": None, "status": "no_group"})
            continue
        key, gq = group_quota(group, q)
        (lo, hi), status, even, reasons = evaluate_week(counts, working, gq, q)
        rows.append(
            {
                **row,
                "group": key,
                "daily_target": gq.daily,
                "weekly_min": lo,
                "weekly_max": hi,
                "status": status,
                "even": even,
                "reasons": ";".join(reasons),
            }
        )
    cols = [
        "store",
        "group",
        *DAY_KEYS,
        "total",
        "daily_target",
        "weekly_min",
        "weekly_max",
        "status",
        "even",
        "reasons",
    ]
    out = pd.DataFrame(rows, columns=cols)
    ints = ["daily_target", "weekly_min", "weekly_max"]
    out = out.astype({**dict.fromkeys(ints, "Int64"), "even": "boolean"})
    out.attrs.update(week_start=monday, days=week, working=working)
    return out


def _month(value: object) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?\s*", str(value)) if isinstance(value, str) else None
    if m and 1 <= int(m.group(2)) <= 12:
        return int(m.group(1)), int(m.group(2))
    day = to_date(value, "month")
    if day is None:
        raise BadArgument("month", value, "应为月份,例如 2026-11 (expected a month such as 2026-11)")
    return day.year, day.month


def small_store_check(
    calls: pd.DataFrame, month: object, small_stores: Iterable[object], quotas: Quotas | None = None
) -> pd.DataFrame:
    """Small stores need at least `small_store_monthly_min` (15) distinct customers reached
    successfully by a service callback in the month (002 「小店每月回访人数不得少于15人」)."""
    import pandas as pd

    q = quotas or default_quotas()
    df = _frame(calls, CALL_COLUMNS, ("call_time", "outcome", "store"), "calls")
    year, mon = _month(month)
    days = _days(df["call_time"], "call_time")
    ok = success_mask(df["outcome"]) & (days.dt.year == year) & (days.dt.month == mon) & service_mask(df)
    counts = df["store"][ok].value_counts()
    if "customer_id" in df.columns:
        people = df[ok].assign(_who=df["customer_id"][ok].astype(str)).groupby("store")["_who"].nunique()
    else:
        people = counts
    stores = list(small_stores)
    got = [int(counts.get(s, 0)) for s in stores]
    reached = [int(people.get(s, 0)) for s in stores]
    need = q.small_store_monthly_min
    return pd.DataFrame(
        {
            "store": stores,
            "successes": got,
            "people": reached,
            "minimum": need,
            "ok": [g >= need for g in reached],
            "shortfall": [max(need - g, 0) for g in reached],
        }
    )


def _numbers(values: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.replace(r"[,，元¥\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce")


def too_many_questions(calls: pd.DataFrame, quotas: Quotas | None = None) -> pd.Series:
    """True where a call asked more than `max_questions` (3) questions."""
    import pandas as pd

    q = quotas or default_quotas()
    df = _frame(calls, CALL_COLUMNS, (), "calls")
    if "questions" not in df.columns:
        return pd.Series(False, index=df.index, name="too_many_questions")
    return (_numbers(df["questions"]) > q.max_questions).fillna(False).astype(bool).rename("too_many_questions")
