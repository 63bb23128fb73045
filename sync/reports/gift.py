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

__all__ = ["gift_sample", "gift_summary", "fill_gift", "SAMPLE_KEYS", "CHECK_KEYS"]

SAMPLE_KEYS = ["store", "customer_id", "name", "phone", "gift", "value", "given_date", "check_result"]
SUMMARY_KEYS = ["store", "total_gifts", "sample_size", "checked"]
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


def gift_summary(gifts: pd.DataFrame, sample: pd.DataFrame, stores: list[str]) -> pd.DataFrame:
    checked = (
        sample["check_result"].notna() & (sample["check_result"].astype(str).str.strip() != "")
        if len(sample)
        else pd.Series(dtype=bool)
    )
    out = pd.DataFrame({"store": stores})
    out["total_gifts"] = out["store"].map(gifts.groupby("store").size()).fillna(0).astype(int) if len(gifts) else 0
    out["sample_size"] = out["store"].map(sample.groupby("store").size()).fillna(0).astype(int) if len(sample) else 0
    out["checked"] = (
        out["store"].map(sample[checked].groupby("store").size()).fillna(0).astype(int) if len(sample) else 0
    )
    return out


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
    sw = SheetWriter(wb, tr("sheet_gift_sample", lang), f)
    sw.title(tr("title_gift", lang, label=ctx.label))
    sw.note(tr("period_note", lang, start=ctx.monday.isoformat(), end=ctx.sunday.isoformat()))
    sw.note(tr("sample_note", lang, share=ctx.gift_share))
    sw.row += 1
    sw.frame(ctx.gift_summary.reindex(columns=SUMMARY_KEYS), heads(SUMMARY_KEYS, lang))
    sw.row += 1
    sw.frame(ctx.gift_sample.reindex(columns=SAMPLE_KEYS), heads(SAMPLE_KEYS, lang))
    sw.finish()

    cw = SheetWriter(wb, tr("sheet_gift_calls", lang), f)
    cw.title(tr("sheet_gift_calls", lang) + f" ({ctx.label})")
    checks = by_store(ctx.gift_calls.reindex(columns=CHECK_KEYS), list(ctx.gift_summary.get("store", [])))
    first, _ = cw.frame(checks, heads(CHECK_KEYS, lang))
    cw.finish(freeze=3, breaks=store_breaks(checks["store"], first))
