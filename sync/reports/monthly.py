"""The monthly summary `{M}月客户回访汇总表.xlsx` (SPEC §3.6): by store, per week, late filings.

Decision: the month is the *reporting month* of the report names — the weeks whose Thursday
falls in it (`11月第1周` … `11月第4周`), so the weekly records add up to the monthly summary.
A sync files it with the weeks up to the synced one; the sync of the month's last week gives
the final version (due the 2nd of the next month, 18:00).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .i18n import heads, tr
from .palette import palette
from .xlsx_out import SheetWriter

__all__ = ["month_weeks", "month_by_store", "week_totals", "week_bands", "fill_monthly", "month_requests"]

STORE_KEYS = ["store", "group", "small", "calls", "successes", "people", "rate", "monthly_min", "month_ok"]
WEEK_KEYS = ["period", "range", "deadline", "calls", "successes", "rate"]
LATE_KEYS = ["who", "report", "period", "filed_at", "deadline", "minutes_late", "penalty"]


def month_weeks(thursday: dt.date) -> list[dt.date]:
    """Mondays of the weeks of the reporting month holding `thursday` (its Thursday rule)."""
    first = thursday.replace(day=1)
    first_thu = first + dt.timedelta(days=(3 - first.weekday()) % 7)
    out, t = [], first_thu
    while t.month == thursday.month:
        out.append(t - dt.timedelta(days=3))
        t += dt.timedelta(days=7)
    return out


def month_by_store(calls: pd.DataFrame, stores: pd.DataFrame, mondays: list[dt.date], min_small: int) -> pd.DataFrame:
    """calls: prepared calls of the weeks so far; one column per week label with its successes."""
    from followup.udfs.calendar import week_label

    names = list(stores["store"])
    out = stores[["store", "group", "small"]].copy().reset_index(drop=True)
    counted = calls["counted"] if "counted" in calls.columns else calls["success"]
    service = calls["service"] if "service" in calls.columns else pd.Series(True, index=calls.index)
    out["calls"] = calls[service].groupby("store").size().reindex(names, fill_value=0).to_numpy()
    out["successes"] = calls[counted].groupby("store").size().reindex(names, fill_value=0).to_numpy()
    # 002 「小店每月回访人数不得少于15人」: people, not calls (SPEC §3.7)
    ok_calls = calls[counted]
    who = (
        ok_calls["customer_id"].where(ok_calls["customer_id"].notna(), None)
        if "customer_id" in ok_calls
        else pd.Series(range(len(ok_calls)), index=ok_calls.index)
    )
    out["people"] = (
        ok_calls.assign(_who=who.astype(str)).groupby("store")["_who"].nunique().reindex(names, fill_value=0).to_numpy()
    )
    out["rate"] = (out["successes"] / out["calls"].where(out["calls"] > 0)).astype(float)
    out["monthly_min"] = [min_small if s else None for s in out["small"]]
    out["month_ok"] = [(n >= min_small) if s else None for s, n in zip(out["small"], out["people"])]
    monday = calls["day"] - pd.to_timedelta(calls["day"].dt.day_of_week, unit="D")
    ok = calls[counted].assign(_w=monday[counted])
    per = ok.groupby(["store", "_w"]).size()
    for m in mondays:
        key = pd.Timestamp(m)
        out[week_label(m)] = [int(per.get((s, key), 0)) for s in names]
    return out


REQUEST_KEYS = ["requester", "kind", "requests", "confirmed", "ok"]


def month_requests(
    requests: pd.DataFrame, stores: list[str], departments: list[str], year: int, month: int
) -> pd.DataFrame:
    """Per store and department: 回访需求 rows dated in the calendar month and how many are
    confirmed (确认人 filled in); `ok` False lists those without a confirmed request (002
    「至少保证各部门、店面1月一次回访需求(采用报名方式、客户部进行确认方式)」). A requester not
    configured is listed too."""
    names = [(s, "store") for s in stores] + [(d, "department") for d in departments if d not in stores]
    counts: dict[str, tuple[int, int]] = {}
    if requests is not None and len(requests) and "requester" in requests.columns:
        when = pd.to_datetime(requests["request_date"], errors="coerce")
        inside = requests[(when.dt.year == year) & (when.dt.month == month)]
        who = inside["requester"].astype(str).str.strip()
        confirmed = inside["confirmed_by"].notna() & (inside["confirmed_by"].astype(str).str.strip() != "")
        for name, conf in zip(who, confirmed):
            n, c = counts.get(name, (0, 0))
            counts[name] = (n + 1, c + int(conf))
        known = {n for n, _ in names}
        names += [(n, "other") for n in sorted(counts) if n not in known]
    rows = [
        {
            "requester": n,
            "kind": k,
            "requests": counts.get(n, (0, 0))[0],
            "confirmed": counts.get(n, (0, 0))[1],
            "ok": counts.get(n, (0, 0))[1] > 0,
        }
        for n, k in names
    ]
    return pd.DataFrame(rows, columns=REQUEST_KEYS)


def week_totals(calls: pd.DataFrame, mondays: list[dt.date]) -> pd.DataFrame:
    from followup.udfs.calendar import report_deadline, week_label

    rows = []
    for m in mondays:
        lo, hi = pd.Timestamp(m), pd.Timestamp(m) + pd.Timedelta(days=7)
        wk = calls[(calls["call_time"] >= lo) & (calls["call_time"] < hi)]
        svc = wk["service"] if "service" in wk.columns else pd.Series(True, index=wk.index)
        n = int(svc.sum())
        s = int((wk["counted"] if "counted" in wk.columns else wk["success"]).sum())
        rows.append(
            {
                "period": week_label(m),
                "range": f"{m:%m-%d}~{m + dt.timedelta(days=6):%m-%d}",
                "deadline": report_deadline("weekly", m).replace(tzinfo=None),
                "calls": n,
                "successes": s,
                "rate": s / n if n else None,
            }
        )
    return pd.DataFrame(rows, columns=WEEK_KEYS)


def week_bands(stores: pd.DataFrame, mondays: list[dt.date], quotas=None) -> pd.DataFrame:
    """Each store group's weekly target band per week of the month (scaled by the week's
    working days, as the weekly record does): columns group, period, weekly_min, weekly_max."""
    from followup.sync.weekstats import working_days
    from followup.udfs.calendar import week_label
    from followup.udfs.quotas import default_quotas, evaluate_week, group_quota

    q = quotas or default_quotas()
    rows, seen = [], []
    for group in stores.get("group", []):
        try:
            key, gq = group_quota(group, q)
        except Exception:  # noqa: BLE001 - no or unknown group: no band
            continue
        if key in seen:
            continue
        seen.append(key)
        for m in mondays:
            work = set(working_days(m))
            working = [m + dt.timedelta(days=i) in work for i in range(7)]
            (lo, hi), *_ = evaluate_week([0] * 7, working, gq, q)
            rows.append({"group": key, "period": week_label(m), "weekly_min": lo, "weekly_max": hi})
    return pd.DataFrame(rows, columns=["group", "period", "weekly_min", "weekly_max"])


CHART_ROWS = 20


def fill_monthly(wb, f, ctx) -> None:
    lang = ctx.lang
    yes, no = tr("yes", lang), tr("no", lang)
    sw = SheetWriter(wb, tr("sheet_month", lang), f)
    sw.title(tr("title_monthly", lang, label=ctx.month_label))
    sw.note(tr("period_note", lang, start=ctx.month_start.isoformat(), end=ctx.sunday.isoformat()))
    sw.row += 1
    sw.caption(tr("cap_month_stores", lang))
    df = ctx.month_stores.copy()
    df["small"] = df["small"].map({True: yes, False: ""})
    df["month_ok"] = df["month_ok"].map({True: tr("within", lang), False: tr("below", lang)})
    week_cols = [c for c in df.columns if c not in STORE_KEYS]
    head_row = sw.row
    sw.frame(
        df[STORE_KEYS + week_cols],
        heads(STORE_KEYS, lang) + week_cols,
        {"rate": "pct", "small": "center", "monthly_min": "center", "month_ok": "center"},
    )
    calls, successes = int(df["calls"].sum()), int(df["successes"].sum())
    sw.line(
        [tr("total", lang), "", "", calls, successes, int(df["people"].sum()), None, None, None]
        + [int(df[c].sum()) for c in week_cols],
        f["head"],
    )
    rate = STORE_KEYS.index("rate")
    if calls:  # the total's success rate, of the summed figures
        sw.cell(sw.row - 1, rate, successes / calls, f["head_pct"])
    else:
        sw.ws.write_blank(sw.row - 1, rate, None, f["head"])
    sw.row += 1
    small = ctx.month_stores[ctx.month_stores["small"].astype(bool)] if len(ctx.month_stores) else ctx.month_stores
    for rec in small.itertuples(index=False):  # the small-store check, spelled out
        ok = bool(rec.month_ok)
        sw.ws.write_string(
            sw.row,
            0,
            tr(
                "small_check",
                lang,
                store=rec.store,
                n=int(getattr(rec, "people", rec.successes)),
                min=int(rec.monthly_min),
                verdict=tr("within" if ok else "below", lang),
            ),
            f["note"] if ok else f["warn"],
        )
        sw.row += 1
    if small.empty:
        sw.note(tr("no_small", lang))
    sw.row += 1
    chart_row = sw.row
    sw.row += CHART_ROWS
    sw.landscape = True
    sw.finish(freeze=head_row + 1, breaks=[chart_row] if chart_row > 20 else [])

    cd = SheetWriter(wb, tr("sheet_month_chart", lang), f)
    groups = _chart_data(cd, ctx, week_cols, lang)
    cd.finish(freeze=2)
    _month_chart(wb, sw.ws, cd.ws.get_name(), chart_row, len(week_cols), ctx, groups, lang)

    ww = SheetWriter(wb, tr("sheet_weeks", lang), f)
    ww.title(tr("sheet_weeks", lang) + f" ({ctx.month_label})")
    totals = ctx.month_week_totals
    ww.frame(totals, heads(WEEK_KEYS, lang), {"rate": "pct"})
    if len(totals):
        calls, successes = int(totals["calls"].sum()), int(totals["successes"].sum())
        ww.line([tr("total", lang), "", "", calls, successes], f["head"])
        if calls:
            ww.cell(ww.row - 1, WEEK_KEYS.index("rate"), successes / calls, f["head_pct"])
    ww.finish()

    # 回访需求: every store and department, those without a confirmed request this month first
    rq = SheetWriter(wb, tr("sheet_requests", lang), f)
    rq.title(tr("sheet_requests", lang) + f" ({ctx.month_label})")
    req = getattr(ctx, "month_requests", None)
    if req is not None and len(req):
        missing = req[~req["ok"]]
        rq.note(tr("requests_missing", lang, names="、".join(map(str, missing["requester"])) or "-"))
        shown = req.sort_values("ok", kind="stable").copy()
        shown["kind"] = shown["kind"].map(lambda k: tr(f"req_{k}", lang))
        shown["ok"] = shown["ok"].map({True: yes, False: no})
        rq.frame(shown, heads(REQUEST_KEYS, lang))
    else:
        rq.note(tr("requests_missing", lang, names="-"))
    rq.finish()

    lw = SheetWriter(wb, tr("sheet_late", lang), f)
    lw.title(tr("sheet_late", lang) + f" ({ctx.month_label})")
    rows = ctx.late_filings
    if rows:
        frame = pd.DataFrame(
            [
                [
                    getattr(r, "charged", r.who) or r.who,
                    r.report,
                    r.period,
                    r.filed_at.replace(tzinfo=None),
                    r.deadline.replace(tzinfo=None),
                    r.minutes_late,
                    r.penalty,
                ]
                for r in rows
            ],
            columns=LATE_KEYS,
        )
        first, last = lw.frame(frame, heads(LATE_KEYS, lang))
        lw.alert_when(first, last, LATE_KEYS.index("minutes_late"), ">", 0)
        lw.line([tr("total", lang), "", "", "", "", "", float(frame["penalty"].sum())], f["head"])
    else:
        lw.note(tr("late_none", lang))
    lw.finish()


def _chart_data(cd: SheetWriter, ctx, week_cols: list[str], lang: str) -> list[str]:
    """The chart's values under a caption (row 0), header on row 1: one row per week; per store
    its successes, per group its band (named with the group's stores). Returns the groups."""
    stores = ctx.month_stores
    bands = ctx.month_bands
    groups = [str(g) for g in dict.fromkeys(bands["group"])] if len(bands) else []
    members = palette(zip(stores["store"], stores["group"])).members if len(stores) else {}
    sep = ", " if lang == "en" else "、"
    cd.caption(tr("sheet_month_chart", lang) + f" ({ctx.month_label})")
    head = (
        [tr("period", lang)]
        + [str(s) for s in stores["store"]]
        + [
            tr(key, lang, group=g) + (f" ({sep.join(members[g])})" if members.get(g) else "")
            for g in groups
            for key in ("band_low", "band_high")
        ]
    )
    cd.tables.append((1, len(week_cols)))
    cd.line(head, cd.f["head"])
    for w in week_cols:
        band = bands[bands["period"] == w] if len(bands) else bands
        lims: list[Any] = []
        for g in groups:
            b = band[band["group"].astype(str) == g]
            lims += [int(b["weekly_min"].iloc[0]), int(b["weekly_max"].iloc[0])] if len(b) else [None, None]
        cd.line([w] + [int(v) for v in stores[w]] + lims)
    return groups


def _month_chart(wb, ws, data: str, at_row: int, n_weeks: int, ctx, groups: list[str], lang: str) -> None:
    """Bars per store in its colour (`palette`); per group its weekly band in the group's dark
    shade (min dashed, max solid, both labelled at the last week), the same colours as the
    weekly record's chart."""
    stores = ctx.month_stores
    n_stores = len(stores)
    if n_weeks == 0 or n_stores == 0:
        return
    colours = palette(zip(stores["store"], stores["group"]))
    cats = [data, 2, 0, 1 + n_weeks, 0]
    col = wb.add_chart({"type": "column"})
    for i, store in enumerate(map(str, stores["store"])):
        col.add_series(
            {
                "name": [data, 1, 1 + i],
                "categories": cats,
                "values": [data, 2, 1 + i, 1 + n_weeks, 1 + i],
                "data_labels": {"value": True},
                "gap": 60,
                **colours.bar(store),
            }
        )
    if groups:
        line = wb.add_chart({"type": "line"})
        for j in range(2 * len(groups)):
            c = 1 + n_stores + j
            group = groups[j // 2]
            line.add_series(
                {
                    "name": [data, 1, c],
                    "categories": cats,
                    "values": [data, 2, c, 1 + n_weeks, c],
                    "marker": {"type": "dash" if n_weeks == 1 else "none", "size": 12},
                    "data_labels": {
                        "value": True,
                        "position": "right",
                        "custom": [{"delete": True}] * (n_weeks - 1)
                        + [{"font": {"bold": True, "color": colours.group[group]}}],
                    },
                    **colours.line(group, "dash" if j % 2 == 0 else "solid"),
                }
            )
        col.combine(line)
    col.set_title({"name": tr("month_chart_title", lang), "name_font": {"size": 12}})
    col.set_y_axis({"min": 0, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    col.set_legend({"position": "bottom"})
    col.set_size({"width": 820, "height": 20 * CHART_ROWS})
    ws.insert_chart(at_row, 0, col)
