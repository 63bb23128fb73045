"""The tier draws' 30-day window (SPEC §3.7 "Tier draws skip customers reached successfully in the
last 30 days", configurable): its exact edges and its default, which a mutation of either would
move (issue 19 item 4: the window survived mutation testing). Seed: 002 「5000元以上 50」 draws
the highest amounts first, so without the window the same top customers are drawn every week."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from followup.udfs import get_playbook, tier_draw
from followup.udfs.sampling import recently_reached

TODAY = dt.date(2026, 11, 22)


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": [f"K{i:02d}" for i in range(1, 61)], "amount": [9000 - 10 * i for i in range(60)]}
    )


def _calls(days_ago: int, outcome: str = "成功", kind: str = "客户服务") -> pd.DataFrame:
    when = dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(23, 59))
    return pd.DataFrame(
        [{"customer_id": "K01", "call_time": when, "outcome": outcome, "kind": kind, "channel": "电话"}]
    )


def test_the_default_window_is_the_retail_playbooks_30_days():
    assert get_playbook("retail").quotas.redraw_after_days == 30


@pytest.mark.parametrize(
    "days_ago, skipped",
    [(0, True), (1, True), (29, True), (30, False), (31, False), (-1, False)],  # -1: a call after `today`
)
def test_the_window_is_the_30_days_up_to_today(days_ago, skipped):
    calls = _calls(days_ago)
    assert (recently_reached(calls, TODAY, 30) == {"K01"}) is skipped
    drawn = tier_draw(_customers(), None, calls, TODAY)  # the default quotas: 30 days
    assert drawn.attrs["skipped"] == int(skipped)
    assert (drawn["customer_id"].iloc[0] == "K02") is skipped and ("K01" in set(drawn["customer_id"])) is not skipped


def test_the_window_follows_the_configuration():
    q = get_playbook("retail").quotas
    calls = _calls(40)
    assert tier_draw(_customers(), q.model_copy(update={"redraw_after_days": 41}), calls, TODAY).attrs["skipped"] == 1
    assert tier_draw(_customers(), q.model_copy(update={"redraw_after_days": 40}), calls, TODAY).attrs["skipped"] == 0
    assert (
        tier_draw(_customers(), q.model_copy(update={"redraw_after_days": 0}), _calls(0), TODAY).attrs["skipped"] == 0
    )


@pytest.mark.parametrize("outcome, kind", [("无人接听", "客户服务"), ("关机", "客户服务"), ("成功", "礼品核查")])
def test_only_successful_service_callbacks_open_the_window(outcome, kind):
    assert tier_draw(_customers(), None, _calls(3, outcome, kind), TODAY).attrs["skipped"] == 0
