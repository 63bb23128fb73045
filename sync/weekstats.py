"""Vectorised figures behind the reports: calls of a period, per store/agent/day, open issues.

All functions take the merged call log (canonical keys, one row per call, column `store`)
and never loop in Python over call rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from followup.udfs.schema import CHANNELS, KINDS, OUTCOMES, SUCCESS_OUTCOMES, normalize, outcome_code

__all__ = [
    "prepare_calls",
    "is_service",
    "period",
    "store_week",
    "agent_week",
    "daily_successes",
    "open_escalations",
    "working_days",
    "RESOLVED",
    "CLOSED_STATUSES",
    "open_mask",
    "truthy",
]

_CODE_TO_ZH = {v: k for k, v in OUTCOMES.items()}
# 处理状态 values that close an item (the one definition; compared after `normalize`). Any other
# non-blank status (处理中, 待回电, 未解决…) keeps it open.
CLOSED_STATUSES = {
    "已解决",
    "解决",
    "已处理",
    "已关闭",
    "关闭",
    "完成",
    "已完成",
    "已完结",
    "完结",
    "已结案",
    "结案",
    "已回电",
    "已回复",
    "已回访",
    "已反馈",
    "已办结",
    "无需跟进",
    "不需跟进",
    "无需处理",
    "closed",
    "resolved",
    "done",
    "solved",
    "handled",
    "called back",
    "no action needed",
}
RESOLVED = CLOSED_STATUSES
_FALSY = {"", "否", "no", "n", "0", "false", "无", "不需要", "nan", "none"}


def _label(table: dict[str, str], v):
    """A code (service, call) → its Chinese label (客户服务, 电话); anything else as is."""
    if v is None or v != v:
        return None
    for zh, code in table.items():
        if v == code:
            return zh
    return v


def _map_unique(s: pd.Series, fn) -> pd.Series:
    """Apply a scalar function once per distinct value (cheap on 500k rows with few values)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    mapped = np.array([fn(u) for u in uniques] + [fn(None)], dtype=object)
    return pd.Series(mapped[codes], index=s.index)


def truthy(s: pd.Series) -> pd.Series:
    if s.dtype == bool:
        return s
    return _map_unique(
        s, lambda v: v is not None and v == v and normalize(v) not in _FALSY if not isinstance(v, bool) else v
    ).astype(bool)


def prepare_calls(calls: pd.DataFrame, customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add `day`, `success`, Chinese `outcome` labels, and the customer's name/masked phone."""
    from followup.udfs.privacy import mask_phone, mask_phones_in_text

    df = calls.copy()
    for col in (
        "call_time",
        "store",
        "agent",
        "customer_id",
        "kind",
        "channel",
        "outcome",
        "questions",
        "feedback",
        "escalate",
        "resolution",
    ):
        if col not in df.columns:
            df[col] = None
    df["call_time"] = pd.to_datetime(df["call_time"], errors="coerce")
    df["day"] = df["call_time"].dt.normalize()
    code = _map_unique(df["outcome"], outcome_code)
    df["success"] = code.isin(SUCCESS_OUTCOMES).to_numpy()
    df["outcome"] = _map_unique(df["outcome"], lambda v: _CODE_TO_ZH.get(outcome_code(v) or "", v))
    df["kind"] = _map_unique(df["kind"], lambda v: _label(KINDS, v))
    df["channel"] = _map_unique(df["channel"], lambda v: _label(CHANNELS, v))
    df["feedback"] = _map_unique(
        df["feedback"], lambda v: mask_phones_in_text(str(v)) if v is not None and v == v and str(v) else None
    )
    df["service"] = is_service(df["kind"], df["channel"])
    df["counted"] = df["success"] & df["service"].to_numpy()
    df["escalate_flag"] = truthy(df["escalate"])
    df["resolution"] = df["resolution"].where(df["resolution"].notna(), None)
    if customers is not None and len(customers) and "customer_id" in customers.columns:
        cust = customers.drop_duplicates(["store", "customer_id"] if "store" in customers.columns else ["customer_id"])
        keys = ["store", "customer_id"] if "store" in cust.columns else ["customer_id"]
        info = cust[keys + [c for c in ("name", "phone") if c in cust.columns]]
        df = df.merge(info, on=keys, how="left", suffixes=("", "_c"))
    for col in ("name", "phone"):
        if col not in df.columns:
            df[col] = None
    df["phone"] = _map_unique(df["phone"], lambda v: mask_phone(v) if v is not None and v == v and str(v) else None)
    return df.sort_values(["call_time", "store", "agent"], kind="stable", na_position="last").reset_index(drop=True)


def is_service(kind: pd.Series, channel: pd.Series) -> pd.Series:
    """Which calls count toward the service quota (SPEC §3.7, 002 「四、客户服务回访」): 客户服务
    callbacks by phone. 礼品核查 (own 40 % target) and 店面核销 (reported only) and SMS do not;
    an empty 类型 is a service callback."""
    service_kind = _map_unique(
        kind,
        lambda v: v is None or v != v or not normalize(v) or normalize(v) in {"客户服务", "客户服务回访", "service"},
    ).astype(bool)
    sms = _map_unique(channel, lambda v: v is not None and v == v and normalize(v) in {"短信", "sms"}).astype(bool)
    return service_kind & ~sms


def period(calls: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Calls dated start…end inclusive."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(days=1)
    return calls[(calls["call_time"] >= lo) & (calls["call_time"] < hi)]


def working_days(monday: dt.date) -> list[dt.date]:
    from followup.udfs.callwindow import is_working_day

    return [monday + dt.timedelta(days=i) for i in range(7) if is_working_day(monday + dt.timedelta(days=i))]


def _counted(calls: pd.DataFrame) -> pd.Series:
    return calls["counted"] if "counted" in calls.columns else calls["success"]


def _service(calls: pd.DataFrame) -> pd.Series:
    return calls["service"] if "service" in calls.columns else pd.Series(True, index=calls.index)


def daily_successes(week: pd.DataFrame, monday: dt.date, stores: list[str]) -> pd.DataFrame:
    """Rows Monday…Sunday, one column per store: successful service callbacks that day (SPEC §3.7)."""
    days = pd.date_range(pd.Timestamp(monday), periods=7, freq="D")
    ok = week[_counted(week)]
    table = ok.groupby(["day", "store"]).size().unstack("store", fill_value=0)
    return table.reindex(index=days, columns=stores, fill_value=0).fillna(0).astype(int)


# One row per store of the week (`store_week`): the weekly record's 汇总 table shows them in this order.
STORE_WEEK_COLUMNS = [
    "store",
    "group",
    "calls",
    "successes",
    "rate",
    "daily_target",
    "weekly_min",
    "weekly_max",
    "days_met",
    "working_days",
    "max_share",
    "even",
    "verdict",
    "reasons",
]


def store_week(week: pd.DataFrame, daily: pd.DataFrame, stores: pd.DataFrame, quotas=None) -> pd.DataFrame:
    """Per store: calls, successes, rate, targets, days on target, evenness (SPEC §3.2).

    `daily` is `daily_successes` of the same week (Monday…Sunday rows, one column per store of
    `stores`); `stores` has columns store, group; the targets and the evenness verdict come from
    `followup.udfs.quotas` (the same rules as QUOTA_CHECK in the workbook).
    """
    from followup.udfs.callwindow import is_working_day
    from followup.udfs.quotas import default_quotas, evaluate_week, group_quota

    q = quotas or default_quotas()
    names = list(stores["store"])
    monday = daily.index[0].date()
    working = [is_working_day(monday + dt.timedelta(days=i)) for i in range(7)]
    calls = week[_service(week)].groupby("store").size().reindex(names, fill_value=0)
    rows = []
    for name, group in zip(names, stores["group"]):
        counts = [int(v) for v in daily[name]]
        total, n_calls = sum(counts), int(calls[name])
        try:
            key, gq = group_quota(group, q)
        except Exception:  # no or unknown group: no targets
            rows.append(
                {
                    "store": name,
                    "group": group,
                    "calls": n_calls,
                    "successes": total,
                    "rate": total / n_calls if n_calls else None,
                    "working_days": sum(working),
                    "max_share": max(counts) / total if total else None,
                    "even": True,
                    "verdict": "no_group",
                    "reasons": "",
                }
            )
            continue
        (lo, hi), verdict, even, reasons = evaluate_week(counts, working, gq, q)
        rows.append(
            {
                "store": name,
                "group": key,
                "calls": n_calls,
                "successes": total,
                "rate": total / n_calls if n_calls else None,
                "daily_target": gq.daily,
                "weekly_min": lo,
                "weekly_max": hi,
                "days_met": sum(1 for c, w in zip(counts, working) if w and c >= gq.daily),
                "working_days": sum(working),
                "max_share": max(counts) / total if total else None,
                "even": even,
                "verdict": verdict,
                "reasons": ";".join(reasons),
            }
        )
    return pd.DataFrame(
        rows,
        columns=STORE_WEEK_COLUMNS,
    )


def agent_week(week: pd.DataFrame) -> pd.DataFrame:
    """Per store and agent: calls, successes, success rate."""
    g = week.assign(agent=week["agent"].fillna("")).groupby(["store", "agent"], sort=True)
    out = g.agg(calls=("success", "size"), successes=("success", "sum")).reset_index()
    out["rate"] = out["successes"] / out["calls"].clip(lower=1)
    return out


def _status(s: pd.Series) -> pd.Series:
    return _map_unique(s, lambda v: normalize(v) if v is not None and v == v else "")


def open_mask(escalate: pd.Series, resolution: pd.Series) -> pd.Series:
    """An item is open when its 需跟进 says so or its 处理状态 is set but not closed — and its
    处理状态 is not a closed one (`CLOSED_STATUSES`). Feedback text plays no part."""
    res = _status(resolution)
    closed = res.isin({normalize(x) for x in CLOSED_STATUSES})
    flag = escalate if escalate.dtype == bool else truthy(escalate)
    return pd.Series((flag.to_numpy() | (res != "").to_numpy()) & ~closed.to_numpy(), index=resolution.index)


def open_escalations(calls: pd.DataFrame, until: dt.date) -> pd.DataFrame:
    """Open items (`open_mask`) up to `until` — from any week (SPEC §3.5)."""
    upto = calls[calls["call_time"] < pd.Timestamp(until) + pd.Timedelta(days=1)]
    res = _status(upto["resolution"])
    mask = open_mask(upto["escalate_flag"], upto["resolution"])
    out = upto[mask].copy()
    out["days_open"] = (pd.Timestamp(until) - out["day"]).dt.days
    out["owner"] = out["agent"]
    out["status"] = out["resolution"].where(out["resolution"].notna() & (res[mask] != ""), "未解决")
    return out.sort_values(["days_open", "store"], ascending=[False, True], kind="stable")
