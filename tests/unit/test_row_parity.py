"""Row-mode parity (SPEC §4.1): the store's size routes A to 客服部 and this month's calls warn at
the monthly cap in NEXT_FOLLOWUP/FOLLOWUP_STEP as in FOLLOWUP_TABLE; cases in
tests/golden_extra/row_parity.csv, each citing its seed."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from followup.udfs import followup_step, followup_table

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows():
    with open(HERE / "row_parity.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_row_mode(row):
    assert row["seed"]
    step = followup_step(
        row["class"],
        row["anchor"],
        int(row["calls_done"]),
        row["last_call"] or None,
        0,
        "",
        row["playbook"],
        row["today"],
        row["purchased"] or None,
        row["daily_reception"] or None,
        row["calls_this_month"] or None,
    )
    assert step.owner == row["owner"] and row["purpose_contains"] in step.purpose, step


def test_big_store_routes_the_same_in_both_modes():
    # 301 purchased customers in one store: the table routes A to 客服部, the row function with
    # purchased=301 says the same
    n = 301
    customers = pd.DataFrame(
        {"客户编号": [f"K{i}" for i in range(n)], "门店": "一店", "类别": "A", "购买日期": "2026-11-03"}
    )
    table = followup_table(customers, None, "optometry", "2026-11-04").iloc[0]
    row = followup_step("A", "2026-11-03", 0, None, 0, "", "optometry", "2026-11-04", n)
    assert table["owner_role"] == row.owner == "客服部"
    assert table["purpose"] == row.purpose


def test_monthly_cap_warns_the_same_in_both_modes():
    customers = pd.DataFrame({"客户编号": ["K1"], "收货日期": ["2026-11-02"]})
    calls = pd.DataFrame(
        {
            "客户编号": ["K1"] * 4,
            "时间": ["2026-11-01 10:00", "2026-11-01 11:00", "2026-11-01 14:00", "2026-11-01 15:00"],
            "结果": ["未完成"] * 4,
            "方式": ["电话"] * 4,
        }
    )
    table = followup_table(customers, calls, "health_products", "2026-11-03").iloc[0]
    row = followup_step(
        "NEW", "2026-11-02", 0, "2026-11-01", 0, "", "health_products", "2026-11-03", calls_this_month=4
    )
    assert "达到上限" in table["purpose"] and table["purpose"] == row.purpose
