"""The weekly gift record `{M}月第{W}周礼品回访记录单.xlsx` (SPEC §3.2 礼品核查, 002_…附表2).

Decision: the sample is drawn from the gift records given during the week (发放日期 Monday…
Sunday): per store `ceil(40 %)` of them, highest value first, checked by SMS.
"""

from __future__ import annotations

import pandas as pd

from followup.sync.weekstats import period

from .i18n import heads, tr
from .weekly import by_store, store_breaks
from .xlsx_out import SheetWriter

__all__ = ["gift_sample", "gift_summary", "reconcile", "fill_gift", "SAMPLE_KEYS", "SUMMARY_KEYS", "CHECK_KEYS"]

SAMPLE_KEYS = [
    "store",
    "customer_id",
    "name",
    "phone",
    "gift",
    "value",
    "given_date",
    "check_result",
    "check_sms",
    "state",
]
# Per store, reconciled on the page: gifts given → the sample due (ceil share) → checked (a 核查结果
# entered) + missing = sample; the share checked against the target; the gift-check SMS of the log
# and how many of them went to sampled customers.
SUMMARY_KEYS = [
    "store",
    "total_gifts",
    "sample_size",
    "checked",
    "missing",
    "checked_share",
    "verdict",
    "check_sms",
    "sms_to_sample",
]
CHECK_KEYS = [
    "call_time",
    "store",
    "agent",
    "customer_id",
    "name",
    "phone",
    "channel",
    "outcome",
    "feedback",
    "resolution",
]


def gift_sample(gifts: pd.DataFrame, share: float = 0.4) -> pd.DataFrame:
    """Per store `ceil(share × n)` gift records, highest value first (the quota rules' sampler)."""
    from followup.udfs.sampling import gift_sample as sample

    return gifts.copy() if gifts.empty else sample(gifts, share)


def _filled(values: pd.Series) -> pd.Series:
    return values.notna() & (values.astype(str).str.strip() != "") if len(values) else pd.Series(dtype=bool)


def gift_summary(gifts: pd.DataFrame, sample: pd.DataFrame, stores: list[str]) -> pd.DataFrame:
    """Per store: gifts given this week, the sample drawn, how many of it are checked (核查结果 entered)."""
    checked = _filled(sample["check_result"]) if len(sample) else pd.Series(dtype=bool)
    out = pd.DataFrame({"store": stores})
    out["total_gifts"] = out["store"].map(gifts.groupby("store").size()).fillna(0).astype(int) if len(gifts) else 0
    out["sample_size"] = out["store"].map(sample.groupby("store").size()).fillna(0).astype(int) if len(sample) else 0
    out["checked"] = (
        out["store"].map(sample[checked].groupby("store").size()).fillna(0).astype(int) if len(sample) else 0
    )
    return out


def reconcile(summary: pd.DataFrame, sample: pd.DataFrame, checks: pd.DataFrame, share: float = 0.4) -> pd.DataFrame:
    """`gift_summary` with what squares it (SUMMARY_KEYS): missing = sample − checked; the share of
    the gifts checked and whether it reaches the target (`within` when the whole sample is
    checked, `below` otherwise, `no_gifts`); the week's gift-check SMS/calls (`checks`) per store
    and how many of them went to a sampled customer."""
    out = summary.reindex(columns=["store", "total_gifts", "sample_size", "checked"]).copy()
    for k in ("total_gifts", "sample_size", "checked"):
        out[k] = pd.to_numeric(out[k], errors="coerce").fillna(0).astype(int)
    out["missing"] = (out["sample_size"] - out["checked"]).clip(lower=0)
    out["checked_share"] = (out["checked"] / out["total_gifts"].where(out["total_gifts"] > 0)).astype(float)
    out["verdict"] = [
        "no_gifts" if n == 0 else ("within" if m == 0 else "below") for n, m in zip(out["total_gifts"], out["missing"])
    ]

    def per_store(df: pd.DataFrame) -> pd.Series:
        if not len(df) or "store" not in df.columns:
            return pd.Series(0, index=out.index, dtype=int)
        return out["store"].map(df.groupby("store").size()).fillna(0).astype(int)

    out["check_sms"] = per_store(checks)
    hit = _to_sample(checks, sample)
    out["sms_to_sample"] = per_store(checks[hit]) if len(checks) else 0
    return out[SUMMARY_KEYS]


def _to_sample(checks: pd.DataFrame, sample: pd.DataFrame) -> pd.Series:
    """Which gift-check SMS/calls went to a customer of the sample (same store and customer)."""
    if not len(checks) or not len(sample):
        return pd.Series(False, index=checks.index, dtype=bool)
    sampled = set(zip(sample["store"].astype(str), sample["customer_id"].astype(str)))
    keys = zip(checks["store"].astype(str), checks["customer_id"].astype(str))
    return pd.Series([k in sampled for k in keys], index=checks.index, dtype=bool)


def week_gifts(gifts: pd.DataFrame, monday, sunday) -> pd.DataFrame:
    if gifts.empty or "given_date" not in gifts.columns:
        return gifts
    day = pd.to_datetime(gifts["given_date"], errors="coerce")
    return gifts[(day >= pd.Timestamp(monday)) & (day < pd.Timestamp(sunday) + pd.Timedelta(days=1))]


def gift_calls(calls: pd.DataFrame, monday, sunday) -> pd.DataFrame:
    from followup.udfs.schema import KINDS

    week = period(calls, monday, sunday)
    code = week["kind"].map(lambda v: KINDS.get(str(v).strip(), str(v).strip()) if v is not None and v == v else "")
    return week[code == "gift_check"]


def fill_gift(wb, f, ctx) -> None:
    lang = ctx.lang
    share = ctx.gift_share
    checks = ctx.gift_calls
    stores = list(ctx.gift_summary.get("store", []))
    summary = reconcile(ctx.gift_summary, ctx.gift_sample, checks, share)
    sw = SheetWriter(wb, tr("sheet_gift_sample", lang), f)
    sw.title(tr("title_gift", lang, label=ctx.label))
    sw.note(tr("period_note", lang, start=ctx.monday.isoformat(), end=ctx.sunday.isoformat()))
    sw.note(tr("sample_note", lang, share=share))
    sw.row += 1
    sw.caption(tr("cap_gift_summary", lang))
    shown = summary.copy()
    shown["verdict"] = shown["verdict"].map(lambda v: tr(v, lang))
    sw.frame(shown, heads(SUMMARY_KEYS, lang), {"checked_share": "pct"})
    n = {k: int(summary[k].sum()) for k in ("total_gifts", "sample_size", "checked", "missing", "check_sms")}
    n["sms_to_sample"] = int(summary["sms_to_sample"].sum())
    total = [tr("total", lang), n["total_gifts"], n["sample_size"], n["checked"], n["missing"], None]
    verdict = ("within" if n["missing"] == 0 else "below") if n["total_gifts"] else "no_gifts"
    sw.line(total + [tr(verdict, lang), n["check_sms"], n["sms_to_sample"]], f["head"])
    if n["total_gifts"]:  # the total's share, of the summed figures
        sw.cell(sw.row - 1, SUMMARY_KEYS.index("checked_share"), n["checked"] / n["total_gifts"], f["head_pct"])
    sw.note(tr("gift_reconcile", lang, share=share, **n))
    sw.note(tr("gift_sms_note", lang, **n))
    sw.row += 1
    sw.caption(tr("cap_gift_sample", lang))
    if len(ctx.gift_sample):
        sw.frame(_sample_rows(ctx.gift_sample, checks, lang), heads(SAMPLE_KEYS, lang))
    else:
        sw.note(tr("no_gifts_week", lang))
    sw.finish()

    # the week's gift-check SMS/calls of the log, after the sample: each row says whether it went
    # to a sampled customer, so the counts on the first page square with this list
    cw = SheetWriter(wb, tr("sheet_gift_calls", lang), f)
    cw.title(tr("sheet_gift_calls", lang) + f" ({ctx.label})")
    cw.note(tr("gift_calls_note", lang, **n))
    rows = by_store(checks.reindex(columns=CHECK_KEYS), stores)
    if len(rows):
        rows["in_sample"] = _to_sample(rows, ctx.gift_sample).map({True: tr("yes", lang), False: ""})
        first, _ = cw.frame(rows, heads(CHECK_KEYS + ["in_sample"], lang), {"in_sample": "center"})
        cw.finish(freeze=4, breaks=store_breaks(rows["store"], first))
    else:
        cw.note(tr("no_gift_calls", lang))
        cw.finish()


def _sample_rows(sample: pd.DataFrame, checks: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The sample with, per record, when the first gift-check SMS/call of the week reached the
    customer (if any) and its state: checked (核查结果 entered) or still to check."""
    df = sample.reindex(columns=SAMPLE_KEYS).copy()
    first: dict[tuple[str, str], object] = {}
    if len(checks):
        ordered = checks.sort_values("call_time", kind="stable")
        for s, c, t in zip(ordered["store"].astype(str), ordered["customer_id"].astype(str), ordered["call_time"]):
            first.setdefault((s, c), t)
    df["check_sms"] = pd.Series(
        [first.get((str(s), str(c))) for s, c in zip(df["store"], df["customer_id"])], index=df.index, dtype=object
    )
    states = [tr("gift_checked" if ok else "gift_missing", lang) for ok in _filled(df["check_result"])]
    df["state"] = pd.Series(states, index=df.index, dtype=object)
    return df
