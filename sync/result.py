"""What a sync computes and returns: `SyncResult`, and the steps that fill it."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from followup.udfs.errors import FollowupError
from followup.udfs.store_order import store_rank

from .deadline import DeadlineStatus, sync_statuses
from .merge import concat, merge_stores, store_frame
from .model import ReadResult, Rejection

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["SyncResult", "compute_tables", "build_context"]


@dataclass
class SyncResult:
    monday: dt.date
    now: dt.datetime
    read: ReadResult
    out_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)  # weekly, gift, monthly, ledger, errors
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # store → followup_table
    stores: pd.DataFrame = field(default_factory=pd.DataFrame)
    calls: pd.DataFrame = field(default_factory=pd.DataFrame)  # prepared: the month so far + 需跟进 rows
    customers: pd.DataFrame = field(default_factory=pd.DataFrame)
    gifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    quota: pd.DataFrame = field(default_factory=pd.DataFrame)  # per store, the week
    small: pd.DataFrame = field(default_factory=pd.DataFrame)  # small stores, the month so far
    tier_draws: dict[str, pd.DataFrame] = field(default_factory=dict)
    rotation: str = "all"  # which stores' records this week draws: big | small | all
    requests: pd.DataFrame = field(default_factory=pd.DataFrame)  # 回访需求 rows of every store
    gift_sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    # complaints open at the week's end, with their age (crm.sheets.attach_complaints); None:
    # no source read a 投诉 sheet (the weekly record then has no sheet for them)
    open_complaints: pd.DataFrame | None = None
    filings: list = field(default_factory=list)
    extra_rejections: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # recovery and migration messages
    unchanged: set[str] = field(default_factory=set)  # keys of `paths` whose file already held these bytes

    @property
    def rejections(self) -> list[Rejection]:
        """The rows read and rejected, by store (their file's) in the one store order (stable)."""
        key = self.origin_key()
        return sorted(self.read.rejections + self.extra_rejections, key=lambda r: key(r.file))

    def origin_key(self):
        """Sort key of a source file: its store (the file's name) in the one store order — the
        config's, then the natural order 一店 < 二店 < 三店 < 十店."""
        from followup.udfs.store_order import store_key

        order = store_key(list(self.stores["store"]) if "store" in self.stores else [])
        return lambda origin: order(Path(str(origin or "")).stem)

    @property
    def rejected(self) -> list[Rejection]:
        return [r for r in self.rejections if r.fatal]

    @property
    def exit_code(self) -> int:
        return 1 if self.rejected else 0

    @property
    def statuses(self) -> list[DeadlineStatus]:
        return sync_statuses(self.monday, self.now)

    def status(self, kind: str) -> DeadlineStatus:
        return next(s for s in self.statuses if s.kind == kind)

    @property
    def label(self) -> str:
        from followup.udfs.calendar import week_label

        return week_label(self.monday)

    def counts(self) -> pd.DataFrame:
        """origin, sheet, read, used, rejected — read == used + rejected on every row."""
        r = self.read
        origin = self.origin_key()
        keys = sorted(r.rows_read, key=lambda k: (origin(k[0]), str(k[0]), str(k[1])))
        return pd.DataFrame(
            [
                (
                    Path(str(o)).name,
                    s,
                    r.rows_read.get((o, s), 0),
                    r.rows_used.get((o, s), 0),
                    r.rows_rejected.get((o, s), 0),
                )
                for o, s in keys
            ],
            columns=["origin", "sheet", "read", "used", "rejected"],
        )

    def late_rows(self, ledger, ctx) -> list:
        return [
            r
            for r in ledger.rows
            if r.late and r.period.startswith(ctx.month_label) and abs((r.deadline.date() - ctx.thursday).days) < 70
        ]


def compute_tables(result: SyncResult, config: Config) -> None:
    """Merge the stores, compute each store's follow-up table, prepare the call log."""
    from followup.udfs.table import followup_table

    from .weekstats import prepare_calls

    stores = merge_stores(result.read.stores, config)
    today = result.now.date()
    for s in stores:
        if s.customers.empty:
            continue
        try:
            result.tables[s.name] = followup_table(
                s.customers, s.calls if not s.calls.empty else None, s.playbook, today
            )
        except FollowupError as e:
            result.extra_rejections.append(Rejection(", ".join(s.origins), "客户", None, None, None, str(e)))
    result.stores = store_frame(stores)
    result.customers = concat([s.customers for s in stores])
    result.gifts = concat([s.gifts for s in stores])
    result.requests = concat([s.requests for s in stores])
    result.calls = prepare_calls(_needed(concat([s.calls for s in stores]), result.monday), result.customers)
    q = config.quotas
    from followup.udfs.sampling import rotation_size, tier_draw

    result.rotation = rotation_size(result.monday, q)  # 002 大店/小店每周轮流回访 (SPEC §3.7)
    for s in stores:
        if s.customers.empty or "amount" not in s.customers.columns:
            continue
        if result.rotation != "all" and s.size != result.rotation:
            continue
        with contextlib.suppress(FollowupError):
            result.tier_draws[s.name] = tier_draw(
                s.customers, q, s.calls if not s.calls.empty else None, result.monday + dt.timedelta(days=6)
            )


def _needed(calls: pd.DataFrame, monday: dt.date) -> pd.DataFrame:
    """Only the calls the reports show: the reporting month up to the week's end, and every
    call marked 需跟进 (open issues roll over from any week). Keeps 500k-row logs cheap."""
    from .reports.monthly import month_weeks
    from .weekstats import open_mask

    if calls.empty or "call_time" not in calls.columns:
        return calls
    t = pd.to_datetime(calls["call_time"], errors="coerce")
    start = min(month_weeks(monday + dt.timedelta(days=3))[0], monday)
    keep = (t >= pd.Timestamp(start)) & (t < pd.Timestamp(monday + dt.timedelta(days=7)))
    if "escalate" in calls.columns or "resolution" in calls.columns:
        none = pd.Series(None, index=calls.index, dtype=object)
        keep |= open_mask(calls.get("escalate", none), calls.get("resolution", none)).to_numpy()
    return calls[keep.to_numpy()]


def build_context(result: SyncResult, config: Config, ledger):
    from .reports.gift import gift_calls, gift_sample, gift_summary, week_gifts
    from .reports.monthly import month_by_store, month_weeks, week_bands, week_totals
    from .reports.render import ReportContext
    from .weekstats import agent_week, daily_successes, open_escalations, period, store_week

    q, monday = config.quotas, result.monday
    ctx = ReportContext(monday=monday, lang=config.lang, gift_share=q.gift_sample_share)
    ctx.rotation = result.rotation
    ctx.rotation_stores = (
        [
            s
            for s, z in zip(result.stores.get("store", []), result.stores.get("size", []))
            if result.rotation == "all" or z == result.rotation
        ]
        if len(result.stores)
        else []
    )
    names = list(result.stores["store"]) if len(result.stores) else []
    calls = result.calls
    ctx.week = period(calls, monday, ctx.sunday)
    stores_df = result.stores if len(result.stores) else pd.DataFrame(columns=["store", "group", "small"])
    ctx.daily = daily_successes(ctx.week, monday, names)  # the chart's and the quota check's counts
    ctx.store_week = result.quota = store_week(ctx.week, ctx.daily, stores_df, q)
    order = store_rank(names)
    ctx.agent_week = agent_week(ctx.week).sort_values(["store", "agent"], key=order, kind="stable")
    ctx.open_issues = result.open_issues = open_escalations(calls, ctx.sunday).sort_values(
        ["days_open", "store"], ascending=[False, True], key=order, kind="stable"
    )
    ctx.open_complaints = result.open_complaints  # the 投诉 sheets (crm.sheets)
    ctx.hard_cases = hard_cases(result.customers, result.tables, calls)
    gifts = week_gifts(result.gifts, monday, ctx.sunday)
    sample = gift_sample(gifts, q.gift_sample_share) if len(gifts) else gifts
    ctx.gift_sample = result.gift_sample = _with_contact(sample, result.customers)
    ctx.gift_summary = gift_summary(gifts, sample, names)
    ctx.gift_calls = gift_calls(calls, monday, ctx.sunday)
    mondays = [m for m in month_weeks(ctx.thursday) if m <= monday]
    ctx.month_start = mondays[0]
    month_calls = period(calls, mondays[0], ctx.sunday)
    ctx.month_stores = month_by_store(month_calls, stores_df, mondays, q.small_store_monthly_min)
    ctx.month_week_totals = week_totals(month_calls, mondays)
    ctx.month_bands = week_bands(stores_df, mondays, q)
    from .reports.monthly import month_requests

    ctx.month_requests = month_requests(
        result.requests, names, list(config.departments), ctx.thursday.year, ctx.thursday.month
    )
    result.small = (
        ctx.month_stores[ctx.month_stores["small"].astype(bool)] if len(ctx.month_stores) else ctx.month_stores
    )
    return ctx


def hard_cases(customers: pd.DataFrame, tables: dict, calls: pd.DataFrame) -> pd.DataFrame:
    """Customers flagged 难沟通, with owner, next contact and the last feedback (000: marked and
    discussed together). Phones masked."""
    from followup.udfs.privacy import mask_phone
    from followup.udfs.schema import flag_codes

    if customers.empty or "flags" not in customers.columns:
        return pd.DataFrame()
    hard = customers[customers["flags"].map(lambda f: "hard_case" in flag_codes(f)).to_numpy(bool)]
    if hard.empty:
        return pd.DataFrame()
    out = hard.reindex(columns=["store", "customer_id", "name", "phone", "owner"]).copy()
    out["phone"] = out["phone"].map(lambda p: mask_phone(p) if isinstance(p, str) and p else p)
    nxt = []
    for name, table in tables.items():
        if len(table):
            nxt.append(
                table[["customer_id", "current_class", "next_date", "purpose"]]
                .astype({"current_class": object, "purpose": object})
                .assign(store=name)
            )
    if nxt:
        info = pd.concat(nxt, ignore_index=True).drop_duplicates(["store", "customer_id"])
        out = out.merge(info, on=["store", "customer_id"], how="left")
    if not calls.empty and "feedback" in calls.columns:
        fb = calls[calls["feedback"].notna()].sort_values("call_time").groupby("customer_id")["feedback"].last()
        out["last_feedback"] = out["customer_id"].map(fb)
    return out.reset_index(drop=True)


def _with_contact(sample: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """The gift sample with the customer's name and masked phone (for the SMS check)."""
    from followup.udfs.privacy import mask_phone

    if sample.empty or customers.empty or "customer_id" not in sample.columns:
        return sample
    info = customers.drop_duplicates(["store", "customer_id"])[
        ["store", "customer_id"] + [c for c in ("name", "phone") if c in customers.columns]
    ]
    out = sample.drop(columns=[c for c in ("name", "phone") if c in sample.columns]).merge(
        info, on=["store", "customer_id"], how="left"
    )
    if "phone" in out.columns:
        out["phone"] = out["phone"].map(mask_phone)
    return out
