"""The weekly callback record `{M}月第{W}周客户回访记录单.xlsx` (SPEC §3.6, 002_…附表1)."""

from __future__ import annotations

import pandas as pd

from followup.udfs.store_order import store_rank

from ..weekstats import STORE_WEEK_COLUMNS
from .i18n import heads, in_lang, tr
from .palette import group_key, palette
from .xlsx_out import SheetWriter

__all__ = ["fill_weekly", "DETAIL_KEYS", "OPEN_KEYS", "store_breaks", "by_store", "total_row", "target_name"]

DETAIL_KEYS = [
    "call_time",
    "store",
    "agent",
    "customer_id",
    "name",
    "phone",
    "kind",
    "channel",
    "outcome",
    "success",
    "questions",
    "feedback",
    "escalate",
    "resolution",
]
STORE_KEYS = STORE_WEEK_COLUMNS
AGENT_KEYS = ["store", "agent", "calls", "successes", "rate"]
HARD_KEYS = ["store", "customer_id", "name", "phone", "owner", "current_class", "next_date", "purpose", "last_feedback"]
OPEN_KEYS = ["store", "call_time", "customer_id", "name", "phone", "feedback", "owner", "status", "days_open"]


def _yes(s: pd.Series, lang: str) -> pd.Series:
    return s.map({True: tr("yes", lang), False: ""})


def detail_frame(week: pd.DataFrame, lang: str) -> pd.DataFrame:
    df = week.reindex(columns=DETAIL_KEYS).copy()
    df["success"] = _yes(week["success"].astype(bool), lang)
    df["escalate"] = _yes(week["escalate_flag"].astype(bool), lang)
    return df


def store_breaks(stores: pd.Series, first: int) -> list[int]:
    """Sheet rows (0-based) where a new store starts in a table whose first data row is `first`."""
    values = stores.tolist()
    return [first + i for i in range(1, len(values)) if values[i] != values[i - 1]]


def by_store(df: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Rows grouped by store in the report's store order (stable: time order kept within a store)."""
    if df.empty or "store" not in df.columns:
        return df
    return df.sort_values("store", key=store_rank(order), kind="stable")


CHART_ROWS = 18  # the weekly chart's height in rows (340 px)


def fill_weekly(wb, f, ctx) -> None:
    """ctx: a `ReportContext` (see render.py)."""
    lang = ctx.lang
    order = [str(s) for s in ctx.store_week["store"]] if "store" in ctx.store_week else []
    # 回访明细: grouped by store, each store from a new page
    sw = SheetWriter(wb, tr("sheet_detail", lang), f)
    sw.title(tr("title_weekly", lang, label=ctx.label))
    sw.note(tr("period_note", lang, start=ctx.monday.isoformat(), end=ctx.sunday.isoformat()))
    detail = by_store(detail_frame(ctx.week, lang), order)
    first, _ = sw.frame(detail, heads(DETAIL_KEYS, lang), {k: "center" for k in ("success", "questions", "escalate")})
    sw.ws.autofilter(3, 0, max(3, sw.row - 1), len(DETAIL_KEYS) - 1)
    sw.finish(freeze=4, breaks=store_breaks(detail["store"], first))

    # 汇总: per store, the chart (a page of its own when the store table is long), then per agent
    sm = SheetWriter(wb, tr("sheet_summary", lang), f)
    sm.title(tr("title_weekly", lang, label=ctx.label))
    which = {"big": ("大店", "big stores"), "small": ("小店", "small stores"), "all": ("全部门店", "all stores")}
    zh, en = which.get(getattr(ctx, "rotation", "all"), which["all"])
    sm.note(
        tr(
            "rotation_note",
            lang,
            which=zh,
            which_en=en,
            week=ctx.monday.isocalendar()[1],
            stores="、".join(map(str, getattr(ctx, "rotation_stores", []))) or "-",
        )
    )
    sm.row += 1
    sm.caption(tr("cap_stores", lang))
    stores = ctx.store_week.reindex(columns=STORE_KEYS).copy()
    stores["even"] = ctx.store_week["even"].map({True: tr("even_ok", lang), False: tr("uneven", lang)})
    stores["verdict"] = ctx.store_week["verdict"].map(lambda v: tr(v, lang))
    stores["reasons"] = ctx.store_week["reasons"].map(lambda v: in_lang(v, lang) if isinstance(v, str) else v)
    sm.frame(stores, heads(STORE_KEYS, lang), {"rate": "pct", "max_share": "pct"})
    total = total_row(ctx.store_week, ctx.daily, lang)
    sm.line(total, f["head"])
    for key in ("rate", "max_share"):  # the totals' rates as percentages, like the rows above
        if total[STORE_KEYS.index(key)] is not None:
            sm.cell(sm.row - 1, STORE_KEYS.index(key), total[STORE_KEYS.index(key)], f["head_pct"])
    sm.row += 1
    chart_row = sm.row
    sm.row += CHART_ROWS + 1
    agents_row = sm.row
    sm.caption(tr("cap_agents", lang))
    if len(ctx.agent_week):
        sm.frame(ctx.agent_week.reindex(columns=AGENT_KEYS), heads(AGENT_KEYS, lang), {"rate": "pct"})
    else:
        sm.note(tr("no_calls", lang))
    sm.landscape = True
    sm.finish(
        freeze=None, breaks=([chart_row] if chart_row > 20 else []) + ([agents_row] if len(ctx.agent_week) else [])
    )

    # 每日成功数: the data of the chart (values, not formulas): per store its successes, per group its daily target
    dd = SheetWriter(wb, tr("sheet_daily", lang), f)
    dd.title(tr("sheet_daily", lang) + f" ({ctx.label})")
    daily = ctx.daily
    colours = palette(zip(ctx.store_week["store"], ctx.store_week["group"])) if len(ctx.store_week) else palette([])
    targets: dict[str, int] = {}
    for g, t in zip(ctx.store_week.get("group", []), ctx.store_week.get("daily_target", [])):
        if group_key(g) and t == t and t is not None:
            targets.setdefault(group_key(g), int(t))
    cols = (
        [tr("day", lang)]
        + [str(s) for s in daily.columns]
        + [target_name(g, colours.members.get(g, []), lang) for g in targets]
    )
    head = dd.row
    dd.tables.append((head, len(daily)))
    dd.line(cols, f["head"])
    for day, row in daily.iterrows():
        dd.line([day.date()] + [int(v) for v in row] + list(targets.values()))
    dd.finish(freeze=head + 1)
    _chart(wb, sm.ws, dd.ws.get_name(), chart_row, head, [str(s) for s in daily.columns], list(targets), colours, lang)

    # 待跟进问题
    op = SheetWriter(wb, tr("sheet_open", lang), f)
    op.title(tr("sheet_open", lang) + f" ({ctx.label})")
    if len(ctx.open_issues):
        op.frame(ctx.open_issues.reindex(columns=OPEN_KEYS), heads(OPEN_KEYS, lang))
    else:
        op.note(tr("no_open", lang))
    op.finish(freeze=3)

    # 未结投诉: open complaints with their age (the 投诉 sheets, seed 001 投诉记录)
    if ctx.open_complaints is not None:
        from followup.sync.crm.sheets import OPEN_COMPLAINT_HEADERS, OPEN_COMPLAINT_KEYS

        oc = SheetWriter(wb, "未结投诉" if lang != "en" else "Open complaints", f)
        oc.title(("未结投诉" if lang != "en" else "Open complaints") + f" ({ctx.label})")
        if len(ctx.open_complaints):  # by store in the report's order, the oldest first within a store
            oc.frame(
                by_store(ctx.open_complaints, order), OPEN_COMPLAINT_HEADERS if lang != "en" else OPEN_COMPLAINT_KEYS
            )
        else:
            oc.note("本周末没有未结的投诉。" if lang != "en" else "No open complaints at the end of the week.")
        oc.finish(freeze=3)

    # 难沟通个案 (000 对难以沟通的个案进行特别标记,一起商量回访对策)
    hc = SheetWriter(wb, tr("sheet_hard", lang), f)
    hc.title(tr("sheet_hard", lang) + f" ({ctx.label})")
    hard = getattr(ctx, "hard_cases", None)
    if hard is not None and len(hard):
        hc.frame(hard.reindex(columns=HARD_KEYS), heads(HARD_KEYS, lang))
    else:
        hc.note(tr("no_hard", lang))
    hc.finish(freeze=3)


def total_row(store_week: pd.DataFrame, daily: pd.DataFrame, lang: str) -> list:
    """The 合计 row of the store table: calls and successes summed, the rates of the sums
    (success rate; the busiest day's share of all successes), the targets' sums."""
    calls = int(store_week["calls"].sum()) if len(store_week) else 0
    successes = int(store_week["successes"].sum()) if len(store_week) else 0
    per_day = daily.sum(axis=1) if len(daily.columns) else pd.Series(dtype=int)
    out: list = [None] * len(STORE_KEYS)
    out[STORE_KEYS.index("store")] = tr("total", lang)
    out[STORE_KEYS.index("calls")] = calls
    out[STORE_KEYS.index("successes")] = successes
    out[STORE_KEYS.index("rate")] = successes / calls if calls else None
    out[STORE_KEYS.index("max_share")] = float(per_day.max()) / successes if successes else None
    for key in ("daily_target", "weekly_min", "weekly_max"):
        values = pd.to_numeric(store_week.get(key, pd.Series(dtype=float)), errors="coerce")
        out[STORE_KEYS.index(key)] = int(values.sum()) if values.notna().any() else None
    return out


def target_name(group: str, stores: list[str], lang: str) -> str:
    """A group's target line: `1组 日目标 (二店、三店)`."""
    return tr("group_target", lang, group=group, stores="、".join(stores) if lang != "en" else ", ".join(stores))


def _chart(wb, ws, data_sheet: str, at_row: int, head: int, stores: list[str], groups: list[str], colours, lang: str):
    """Bars per store in its colour (`palette`), one dashed line per store group's daily target in
    the group's dark shade, labelled at its end (stores of one group share one line: none hides
    another)."""
    if not stores:
        return
    n, first, last = len(stores), head + 1, head + 7
    cats = [data_sheet, first, 0, last, 0]
    col = wb.add_chart({"type": "column"})
    for i, store in enumerate(stores):
        col.add_series(
            {
                "name": [data_sheet, head, 1 + i],
                "categories": cats,
                "values": [data_sheet, first, 1 + i, last, 1 + i],
                "gap": 60,
                **colours.bar(store),
            }
        )
    if groups:
        line = wb.add_chart({"type": "line"})
        for j, group in enumerate(groups):
            c = 1 + n + j
            line.add_series(
                {
                    "name": [data_sheet, head, c],
                    "categories": cats,
                    "values": [data_sheet, first, c, last, c],
                    "marker": {"type": "none"},
                    "data_labels": {
                        "value": True,
                        "position": "above",
                        "custom": [{"delete": True}] * 6 + [{"font": {"bold": True, "color": colours.group[group]}}],
                    },
                    **colours.line(group),
                }
            )
        col.combine(line)
    col.set_title({"name": tr("chart_title", lang), "name_font": {"size": 12}})
    col.set_x_axis({"date_axis": False, "num_format": "m/d"})
    col.set_y_axis({"min": 0, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    col.set_legend({"position": "bottom"})
    col.set_size({"width": 820, "height": 340})
    ws.insert_chart(at_row, 0, col)
