"""Retail callback quotas (SPEC §3.2, from 002_…): successes, weekly targets, evenness, sampling.

Defaults come from the `retail` playbook (`get_playbook("retail").quotas`); every function takes
a `quotas=` override. Decisions where the spec is silent:
- A week with fewer than 5 working days (statutory holidays) has its weekly range prorated by
  working days / 5 (never above the full range); a week without working days has no target.
- The 40 % evenness share is raised to 1/n when a week has only n < 3 working days, since an
  even spread over 2 days is 50 % each.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from .calendar import DAY, is_working_day
from .dates import to_date, to_datetime
from .errors import BadArgument
from .playbook import GroupQuota, Quotas, get_playbook
from .schema import (CALL_COLUMNS, CUSTOMER_COLUMNS, GIFT_COLUMNS, SUCCESS_OUTCOMES, canonical, normalize,
                     outcome_code)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["default_quotas", "is_success", "group_quota", "DayCount", "QuotaResult", "quota_check",
           "evaluate_week", "WEEK_STATUS", "WEEKDAYS_ZH", "DAY_KEYS", "success_mask",
           "weekly_quota_table", "small_store_check", "tier_draw", "gift_sample", "too_many_questions"]

WEEK_STATUS = {"below": "未达标", "within": "达标", "above": "超出"}
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_YES = {"是", "完成", "已完成", "yes", "y", "true", "t", "1", "✓", "√"}
_NO = {"否", "未完成", "no", "n", "false", "f", "0", "×", "x"}
_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def default_quotas() -> Quotas:
    return get_playbook("retail").quotas


def _flag(value: object, argument: str) -> bool | None:
    """A yes/no cell: None/"" → None (not given)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (bool, int, float)) or type(value).__name__.startswith(("bool", "int", "float")):
        return bool(value)
    text = normalize(value)
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise BadArgument(argument, value, "应为 是/否 (expected yes or no)")


def is_success(outcome: object, completed: object = None) -> bool:
    """成功 / success counts; with `completed` given and falsy it does not (SPEC §3.2)."""
    if _flag(completed, "completed") is False:
        return False
    if outcome is None or not normalize(outcome):
        return False
    code = outcome_code(outcome)
    if code is None:
        raise BadArgument("outcome", outcome, "结果应为 成功、未完成、无人接听、关机、停机、空号、拒访 或 已发送 "
                          "(unknown outcome)")
    return code in SUCCESS_OUTCOMES


def group_quota(group: object, quotas: Quotas | None = None) -> tuple[str, GroupQuota]:
    """`1`, 1.0, `一组`, `第2组`, `group 3` → (key, its quota)."""
    q = quotas or default_quotas()
    text = normalize(group)
    for cn, digit in _CN_DIGITS.items():
        text = text.replace(cn, digit)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    key = text if text in q.groups else re.sub(r"^(?:第|group\s*)?(\d+)(?:组)?$", r"\1", text)
    if key not in q.groups:
        raise BadArgument("group", group, f"门店组别应为 {', '.join(q.groups)} (unknown store group)")
    return key, q.groups[key]


def evaluate_week(counts: list[int], working: list[bool], gq: GroupQuota,
                  quotas: Quotas) -> tuple[tuple[int, int], str, bool, list[str]]:
    """From 7 daily success counts: (weekly range, status, even, reasons)."""
    n = sum(working)
    scale = min(n, 5) / 5
    lo, hi = (math.floor(gq.weekly[0] * scale + 0.5), math.floor(gq.weekly[1] * scale + 0.5))
    total = sum(counts)
    status = "below" if total < lo else "above" if total > hi else "within"
    reasons: list[str] = []
    if total >= gq.daily:
        idle = [WEEKDAYS_ZH[i] for i in range(7) if working[i] and counts[i] == 0]
        if idle:
            reasons.append(f"{'、'.join(idle)} 无成功回访 (no successes on a working day)")
    share = max(quotas.evenness_max_share, 1 / n if n else 1.0)
    if total:
        top = max(range(7), key=lambda i: counts[i])
        if counts[top] / total > share + 1e-9:
            reasons.append(f"{WEEKDAYS_ZH[top]} 占全周 {counts[top] / total:.0%},超过 {share:.0%} "
                           f"(one day holds more than {share:.0%} of the week)")
    return (lo, hi), status, not reasons, reasons


class DayCount(NamedTuple):
    date: dt.date
    working: bool
    successes: int
    target: int        # 0 on days off


class QuotaResult(NamedTuple):
    group: str
    week_start: dt.date
    days: list[DayCount]
    total: int
    weekly_target: tuple[int, int]
    daily_target: int
    status: str        # below | within | above
    even: bool
    reasons: list[str]
    outside: int       # calls outside the week, ignored

    def to_rows(self) -> list[list]:
        """Header row first, Chinese headers, one row per day and two summary rows (6 columns)."""
        rows: list[list] = [["日期", "星期", "工作日", "成功数", "日目标", "达标"]]
        for d in self.days:
            met = ("是" if d.successes >= d.target else "否") if d.working else ""
            rows.append([d.date, WEEKDAYS_ZH[d.date.weekday()], "是" if d.working else "否",
                         d.successes, d.target if d.working else "", met])
        lo, hi = self.weekly_target
        rows.append(["本周合计", "", "", self.total, f"{lo}-{hi}", WEEK_STATUS[self.status]])
        rows.append(["均衡", "", "", "", "", "均衡" if self.even else "不均衡: " + ";".join(self.reasons)])
        return rows


def _seq(values: object, argument: str) -> list:
    if values is None:
        return []
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    out = []
    for v in values:  # a 2-D range of one column/row arrives as a list of lists
        out.extend(v if isinstance(v, (list, tuple)) else [v])
    return out


def quota_check(dates, outcomes, group, week_start=None, quotas: Quotas | None = None) -> QuotaResult:
    """Per-day successes vs the daily target, week total vs the weekly range, evenness."""
    q = quotas or default_quotas()
    key, gq = group_quota(group, q)
    ds, os_ = _seq(dates, "dates"), _seq(outcomes, "outcomes")
    if len(ds) != len(os_):
        raise BadArgument("outcomes", f"{len(os_)} 个", f"应与 dates 一样多 ({len(ds)} 个) "
                          "(dates and outcomes must have the same length)")
    calls = [(to_datetime(d, f"dates[{i + 1}]"), o, i) for i, (d, o) in enumerate(zip(ds, os_))]
    calls = [c for c in calls if c[0] is not None]
    monday = to_date(week_start, "week_start")
    if monday is None:
        if not calls:
            raise BadArgument("dates", dates, "没有任何通话日期,请给出 week_start (no dates and no week_start)")
        monday = min(t for t, _, _ in calls).date()
    monday -= monday.weekday() * DAY
    counts, outside = [0] * 7, 0
    for t, o, i in calls:
        try:
            success = is_success(o)
        except BadArgument as e:
            raise BadArgument(f"outcomes[{i + 1}]", o, e.expected) from None
        offset = (t.date() - monday).days
        if not 0 <= offset < 7:
            outside += 1
        elif success:
            counts[offset] += 1
    days = [monday + i * DAY for i in range(7)]
    working = [is_working_day(d) for d in days]
    rng, status, even, reasons = evaluate_week(counts, working, gq, q)
    rows = [DayCount(d, w, c, gq.daily if w else 0) for d, w, c in zip(days, working, counts)]
    return QuotaResult(key, monday, rows, sum(counts), rng, gq.daily, status, even, reasons, outside)


# --- Frame functions for the sync: canonical English column keys (Chinese headers accepted). ---

def _frame(df: pd.DataFrame, columns: dict[str, str], required: tuple[str, ...], argument: str) -> pd.DataFrame:
    renames: dict = {}
    for c in df.columns:
        key = canonical(columns, c)
        if key and key not in renames.values() and key not in df.columns.drop(c):
            renames[c] = key
    out = df.rename(columns=renames)
    missing = [k for k in required if k not in out.columns]
    if missing:
        raise BadArgument(argument, list(df.columns), "缺少列 " + "、".join(f"{columns[k]} ({k})" for k in missing)
                          + " (missing columns)")
    return out


def success_mask(outcomes: pd.Series) -> pd.Series:
    """Vectorised `is_success` (unknown or empty outcomes are not successes)."""
    table = {v: outcome_code(v) in SUCCESS_OUTCOMES for v in outcomes.dropna().unique()}
    return outcomes.map(table).fillna(False).astype(bool)


def _days(values: pd.Series, argument: str) -> pd.Series:
    """Calendar days as datetime64 (NaT for empty); any cell form `to_date` accepts."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.tz_localize(None).dt.normalize() if values.dt.tz else values.dt.normalize()
    table = {v: to_date(v, argument) for v in values.dropna().unique()}
    return pd.to_datetime(values.map(table), errors="coerce")


def weekly_quota_table(calls: pd.DataFrame, groups: dict, week_start: object,
                       quotas: Quotas | None = None) -> pd.DataFrame:
    """Per store: successes per day of the week (mon…sun), total, targets, status, evenness."""
    import pandas as pd

    q = quotas or default_quotas()
    df = _frame(calls, CALL_COLUMNS, ("call_time", "outcome", "store"), "calls")
    monday = to_date(week_start, "week_start")
    if monday is None:
        raise BadArgument("week_start", week_start, "应为该周任意一天 (a day of the week)")
    monday -= monday.weekday() * DAY
    offset = (_days(df["call_time"], "call_time") - pd.Timestamp(monday)).dt.days
    ok = success_mask(df["outcome"]) & offset.between(0, 6)
    sizes = pd.DataFrame({"store": df["store"][ok], "day": offset[ok].astype(int)}).groupby(["store", "day"]).size()
    stores = list(groups) + sorted({s for s in df["store"].dropna().unique() if s not in groups}, key=str)
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
        rows.append({**row, "group": key, "daily_target": gq.daily, "weekly_min": lo, "weekly_max": hi,
                     "status": status, "even": even, "reasons": ";".join(reasons)})
    cols = ["store", "group", *DAY_KEYS, "total", "daily_target", "weekly_min", "weekly_max", "status",
            "even", "reasons"]
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


def small_store_check(calls: pd.DataFrame, month: object, small_stores: Iterable,
                      quotas: Quotas | None = None) -> pd.DataFrame:
    """Small stores need at least `small_store_monthly_min` (15) successes in the month."""
    import pandas as pd

    q = quotas or default_quotas()
    df = _frame(calls, CALL_COLUMNS, ("call_time", "outcome", "store"), "calls")
    year, mon = _month(month)
    days = _days(df["call_time"], "call_time")
    ok = success_mask(df["outcome"]) & (days.dt.year == year) & (days.dt.month == mon)
    counts = df["store"][ok].value_counts()
    stores = list(small_stores)
    got = [int(counts.get(s, 0)) for s in stores]
    need = q.small_store_monthly_min
    return pd.DataFrame({"store": stores, "successes": got, "minimum": need,
                         "ok": [g >= need for g in got], "shortfall": [max(need - g, 0) for g in got]})


def _numbers(values: pd.Series) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    text = values.astype("string").str.replace(r"[,，元¥\s]", "", regex=True)
    return pd.to_numeric(text, errors="coerce")


def _label(t) -> str:
    return f"{t.min:g}-{t.max:g}" if t.max is not None else f"≥{t.min:g}"


def tier_draw(customers: pd.DataFrame, quotas: Quotas | None = None) -> pd.DataFrame:
    """Records drawn per amount tier, highest amount first (ties: customer_id). Every tier first
    draws from its own range; then a tier short of records takes the shortfall from the highest
    amounts left below its minimum (降低金额抽取), lowest tier first. Columns added: `tier`,
    `fallback`; `attrs["shortfall"]` lists tiers that still lack records."""
    q = quotas or default_quotas()
    df = _frame(customers, CUSTOMER_COLUMNS, ("amount",), "customers").reset_index(drop=True)
    ids = df["customer_id"].astype("string") if "customer_id" in df.columns else df.index.astype(str)
    order = df.assign(_amount=_numbers(df["amount"]), _id=ids).dropna(subset=["_amount"])
    order = order.sort_values(["_amount", "_id"], ascending=[False, True], kind="mergesort")
    tiers = sorted(q.tiers, key=lambda t: t.min)
    taken: dict[int, tuple[int, bool]] = {}  # row → (tier index, drawn by fallback)

    def take(k: int, mask, n: int, fallback: bool) -> int:
        rows = [r for r in order.index[mask] if r not in taken][:n]
        taken.update({r: (k, fallback) for r in rows})
        return len(rows)

    got = [0] * len(tiers)
    for k, t in enumerate(tiers):  # max is whole yuan: 2999 covers up to 2999.99
        upper = order["_amount"] < t.max + 1 if t.max is not None else True
        got[k] = take(k, (order["_amount"] >= t.min) & upper, t.draw, False)
    for k in range(len(tiers)):  # lowest tier first: each takes the amounts nearest below it
        if got[k] < tiers[k].draw:
            got[k] += take(k, order["_amount"] < tiers[k].min, tiers[k].draw - got[k], True)
    picked = order.loc[list(taken)]
    picked = picked.assign(tier=[_label(tiers[taken[r][0]]) for r in picked.index],
                           fallback=[taken[r][1] for r in picked.index],
                           _k=[taken[r][0] for r in picked.index])
    picked = picked.sort_values(["_k", "_amount", "_id"], ascending=[False, False, True], kind="mergesort")
    out = picked.drop(columns=["_amount", "_id", "_k"]).reset_index(drop=True)
    out.attrs["shortfall"] = {_label(t): t.draw - g for t, g in zip(tiers, got) if g < t.draw}
    return out


def gift_sample(gifts: pd.DataFrame, share: float | None = None, quotas: Quotas | None = None) -> pd.DataFrame:
    """Per store ceil(share × its gift records), highest value first, to be verified by SMS."""
    import pandas as pd

    q = quotas or default_quotas()
    share = q.gift_sample_share if share is None else share
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share <= 1:
        raise BadArgument("share", share, "应为 0 到 1 之间的比例,例如 0.4 (expected a share in (0, 1])")
    df = _frame(gifts, GIFT_COLUMNS, ("store", "value"), "gifts").reset_index(drop=True)
    ids = df["customer_id"].astype("string") if "customer_id" in df.columns else pd.Series("", index=df.index)
    df = df.assign(_value=_numbers(df["value"]), _id=ids, _row=range(len(df)))
    parts = []
    for _, g in df.groupby("store", sort=False, dropna=False):
        k = math.ceil(round(share * len(g), 9))  # 0.07 × 100 is 7.000000000000001 in floats
        g = g.sort_values(["_value", "_id", "_row"], ascending=[False, True, True], na_position="last",
                          kind="mergesort")
        parts.append(g.head(k))
    out = pd.concat(parts) if parts else df.head(0)
    return out.drop(columns=["_value", "_id", "_row"]).assign(channel="短信").reset_index(drop=True)


def too_many_questions(calls: pd.DataFrame, quotas: Quotas | None = None) -> pd.Series:
    """True where a call asked more than `max_questions` (3) questions."""
    import pandas as pd

    q = quotas or default_quotas()
    df = _frame(calls, CALL_COLUMNS, (), "calls")
    if "questions" not in df.columns:
        return pd.Series(False, index=df.index, name="too_many_questions")
    return (_numbers(df["questions"]) > q.max_questions).fillna(False).astype(bool).rename("too_many_questions")
