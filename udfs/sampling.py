"""Drawing records for review (SPEC §3.2): per amount tier (`tier_draw`), gift records to verify
by SMS (`gift_sample`). Canonical English column keys; Chinese headers are accepted."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .errors import BadArgument
from .quotas.frames import _frame, _numbers
from .quotas.targets import default_quotas
from .rules import Quotas, Tier
from .schema import CUSTOMER_COLUMNS, GIFT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["tier_draw", "gift_sample", "rotation_size", "recently_reached"]


def _label(t: Tier) -> str:
    return f"{t.min:g}-{t.max:g}" if t.max is not None else f"≥{t.min:g}"


def rotation_size(day: object, quotas: Quotas | None = None) -> str:
    """Which stores' records the week holding `day` draws (002 「大店/小店每周轮流回访」):
    `big`, `small` or `all`. Weeks alternate, counted from `quotas.rotation_reference` (SPEC §3.7,
    default 2026-W01 = big): that week and every second week from it draw `rotation_odd`, the
    others `rotation_even` — across year ends too (2026-W53 big, 2027-W01 small)."""
    import datetime as dt

    from .dates import to_date

    q = quotas or default_quotas()
    d = to_date(day, "day")
    if d is None:
        raise BadArgument("day", day, "应为日期 (expected a date)")
    year, week = q.rotation_reference.split("-W")
    reference = dt.date.fromisocalendar(int(year), int(week), 1)
    weeks = (d - dt.timedelta(days=d.weekday()) - reference).days // 7
    return q.rotation_even if weeks % 2 else q.rotation_odd


def recently_reached(calls: pd.DataFrame | None, today: object, days: int) -> set[object]:
    """Customer ids with a successful 客户服务 callback in the `days` days up to `today`."""
    import pandas as pd

    from .dates import to_date
    from .quotas.frames import _days, service_mask, success_mask
    from .schema import CALL_COLUMNS

    t = to_date(today, "today")
    if calls is None or len(calls) == 0 or t is None or days <= 0:
        return set()
    df = _frame(calls, CALL_COLUMNS, ("call_time", "outcome", "customer_id"), "calls")
    when = _days(df["call_time"], "call_time")
    recent = (when > pd.Timestamp(t) - pd.Timedelta(days=days)) & (when <= pd.Timestamp(t))
    ok = success_mask(df["outcome"]) & recent & service_mask(df)
    return set(df["customer_id"][ok].astype(str))


def tier_draw(
    customers: pd.DataFrame, quotas: Quotas | None = None, calls: pd.DataFrame | None = None, today: object = None
) -> pd.DataFrame:
    """Records drawn per amount tier, highest amount first (ties: customer_id). Every tier first
    draws from its own range; then a tier short of records takes the shortfall from the highest
    amounts left below its minimum (降低金额抽取), lowest tier first. Columns added: `tier`,
    `fallback`; `attrs["shortfall"]` lists tiers that still lack records. With `calls` and
    `today`, customers reached successfully in the last `redraw_after_days` days are skipped
    (SPEC §3.7: the top-amount customers are not drawn every week); `attrs["skipped"]` counts them."""
    q = quotas or default_quotas()
    df = _frame(customers, CUSTOMER_COLUMNS, ("amount",), "customers").reset_index(drop=True)
    skip = recently_reached(calls, today, q.redraw_after_days)
    skipped = 0
    if skip and "customer_id" in df.columns:
        recent = df["customer_id"].astype(str).isin(skip)
        skipped = int(recent.sum())
        df = df[~recent.to_numpy()].reset_index(drop=True)
    ids = df["customer_id"].astype("string") if "customer_id" in df.columns else df.index.astype(str)
    order = df.assign(_amount=_numbers(df["amount"]), _id=ids).dropna(subset=["_amount"])
    order = order.sort_values(["_amount", "_id"], ascending=[False, True], kind="mergesort")
    tiers = sorted(q.tiers, key=lambda t: t.min)
    taken: dict[int, tuple[int, bool]] = {}  # row → (tier index, drawn by fallback)

    def take(k: int, mask: pd.Series, n: int, fallback: bool) -> int:
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
    picked = picked.assign(
        tier=[_label(tiers[taken[r][0]]) for r in picked.index],
        fallback=[taken[r][1] for r in picked.index],
        _k=[taken[r][0] for r in picked.index],
    )
    picked = picked.sort_values(["_k", "_amount", "_id"], ascending=[False, False, True], kind="mergesort")
    out = picked.drop(columns=["_amount", "_id", "_k"]).reset_index(drop=True)
    out.attrs["shortfall"] = {_label(t): t.draw - g for t, g in zip(tiers, got) if g < t.draw}
    out.attrs["skipped"] = skipped
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
        g = g.sort_values(
            ["_value", "_id", "_row"], ascending=[False, True, True], na_position="last", kind="mergesort"
        )
        parts.append(g.head(k))
    out = pd.concat(parts) if parts else df.head(0)
    return out.drop(columns=["_value", "_id", "_row"]).assign(channel="短信").reset_index(drop=True)
