"""Quota counting rules (SPEC §3.7) from tests/golden_extra/quota_cases.csv, each citing its seed:
only 客户服务 phone callbacks count toward weekly/daily targets and evenness, holiday weeks scale
the band, small stores count distinct customers. Checked on the sync's figures (weekstats,
month_by_store) and on the engine's frame functions (weekly_quota_table, small_store_check)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from followup.sync.reports.monthly import month_by_store
from followup.sync.weekstats import daily_successes, period, prepare_calls, store_week
from followup.udfs import small_store_check, weekly_quota_table

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows():
    with open(HERE / "quota_cases.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def calls_of(row) -> pd.DataFrame:
    out, n = [], 0
    for part in filter(None, row["calls"].split(";")):
        when, kind, channel, outcome, count, *who = part.split("|")
        for _ in range(int(count)):
            n += 1
            out.append(
                {
                    "call_time": pd.Timestamp(when) + pd.Timedelta(minutes=n % 60),
                    "store": "一店",
                    "agent": "小刘",
                    "customer_id": who[0] if who else f"C{n}",
                    "kind": kind,
                    "channel": channel,
                    "outcome": outcome,
                }
            )
    return pd.DataFrame(out)


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_quota_cases(row):
    assert row["seed"]
    monday = dt.date.fromisoformat(row["week"])
    calls = prepare_calls(calls_of(row))
    stores = pd.DataFrame({"store": ["一店"], "group": [row["group"]], "small": [row["small"] == "True"]})
    week = period(calls, monday, monday + dt.timedelta(days=6))
    sw = store_week(week, daily_successes(week, monday, ["一店"]), stores).iloc[0].to_dict()
    month = month_by_store(week, stores, [monday], 15).iloc[0].to_dict()
    engine = weekly_quota_table(calls_of(row), {"一店": row["group"]}, monday).iloc[0].to_dict()
    small = small_store_check(calls_of(row), monday, ["一店"]).iloc[0].to_dict()
    for part in row["expect"].split(";"):
        key, want = part.split("=")
        if key in ("people", "month_ok"):
            assert str(month[key]) == want, (key, month)
            assert str(small["people" if key == "people" else "ok"]) == want, small
            continue
        assert str(sw[key]) == want, (key, sw)
        if key == "successes":
            assert str(engine["total"]) == want, engine
        elif key in ("weekly_min", "weekly_max", "even"):
            assert str(engine[key]) == want, engine
        elif key == "verdict":
            assert engine["status"] == want, engine
