"""`followup today` rules from our own cases (tests/golden_extra/today_cases.csv, each citing its seed)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from followup.sync.today import day_list
from followup.udfs import followup_table

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


@dataclass
class Store:
    name: str
    customers: pd.DataFrame
    calls: pd.DataFrame
    playbook: str


def _rows() -> list[dict]:
    with open(HERE / "today_cases.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def tasks_of(row: dict) -> pd.DataFrame:
    cust = {"customer_id": "K1", "store": "一店", "owner": "小刘", "phone": "13812345678",
            **dict(p.split("=", 1) for p in row["customer"].split(";") if p)}
    calls = [dict(zip(["call_time", "channel", "outcome"], c.split("|")), customer_id="K1", store="一店")
             for c in row["calls"].split(";") if c]
    customers = pd.DataFrame([cust])
    log = pd.DataFrame(calls, columns=["customer_id", "store", "call_time", "channel", "outcome"])
    store = Store("一店", customers, log, row["playbook"])
    table = followup_table(customers, log if len(log) else None, row["playbook"], row["day"])
    return day_list([store], {"一店": table}, pd.Timestamp(row["day"]).date())


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_today_cases(row):
    assert row["seed"]
    tasks = tasks_of(row)
    shown = [f"{t}|{p}" for t, p in zip(tasks["task"], tasks["purpose"])]
    for want in filter(None, row["present"].split(";")):
        assert any(s.startswith(want.split("|")[0] + "|") and want.split("|")[1] in s for s in shown), (want, shown)
    for bad in filter(None, row["absent"].split(";")):
        task, frag = bad.split("|")
        assert not any(s.startswith(task + "|") and frag in s for s in shown), (bad, shown)
    assert "13812345678" not in tasks.to_string()
