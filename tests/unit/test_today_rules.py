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
    cust = {
        "customer_id": "K1",
        "store": "一店",
        "owner": "小刘",
        "phone": "13812345678",
        **dict(p.split("=", 1) for p in row["customer"].split(";") if p),
    }
    calls = [
        dict(zip(["call_time", "channel", "outcome"], c.split("|")), customer_id="K1", store="一店")
        for c in row["calls"].split(";")
        if c
    ]
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


def test_daily_sms_from_a_real_workbook_through_the_cli(tmp_path):
    """003 每日必做工作: 拆线日期 typed in the 客户 sheet reaches `followup today` as an SMS task."""
    import datetime as dt
    import subprocess
    import sys

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户编号", "姓名", "电话", "门店", "归属", "手术日期", "拆线日期", "复诊日期"])
    ws.append(["K1", "王五", "13812345678", "一店", "小刘", dt.date(2026, 11, 18), dt.date(2026, 11, 25), None])
    settings = wb.create_sheet("设置")
    settings.append(["回访方案", "aesthetics"])
    (tmp_path / "stores").mkdir()
    wb.save(tmp_path / "stores" / "一店.xlsx")
    proc = subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", "today", "--source", "stores", "--date", "2026-11-24"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "明日拆线提醒短信" in proc.stdout and "客服专员" in proc.stdout
    assert "13812345678" not in proc.stdout
