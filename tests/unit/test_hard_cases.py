"""Hard cases (难沟通) have their own section in the weekly record and in `followup today`, with
owner (SPEC §3.1, 000); cases in tests/golden_extra/hard_cases.csv, each citing its seed.
Real workbooks, the real CLI in a subprocess, the weekly record read back."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows():
    with open(HERE / "hard_cases.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _run(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_hard_cases(tmp_path, row):
    assert row["seed"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户编号", "姓名", "电话", "门店", "归属", "类别", "购买日期", "标记"])
    ws.append(["K1", "王五", "13812345678", "一店", "小刘", "A", dt.date(2026, 11, 3), row["flags"]])
    ws.append(["K2", "赵六", "13912345678", "一店", "小王", "A", dt.date(2026, 11, 3), ""])
    (tmp_path / "stores").mkdir()
    wb.save(tmp_path / "stores" / "一店.xlsx")
    sync = _run(
        "sync", "--source", "stores", "--out", "out", "--week", "2026-W48", "--now", "2026-11-30T09:00", cwd=tmp_path
    )
    assert sync.returncode in (0, 1), sync.stdout + sync.stderr
    (record,) = list((tmp_path / "out").rglob("*客户回访记录单.xlsx"))
    sheet = openpyxl.load_workbook(record)["难沟通个案"]
    values = [c.value for r in sheet.iter_rows() for c in r if c.value is not None]
    assert ("K1" in values and "小刘" in values) == (row["in_weekly"] == "True"), values
    assert "K2" not in values and "13812345678" not in map(str, values)
    today = _run("today", "--source", "stores", "--date", "2026-11-30", cwd=tmp_path)
    assert today.returncode == 0, today.stdout + today.stderr
    section = today.stdout.split("难沟通个案")
    assert (len(section) > 1 and "K1" in section[1] and "小刘" in section[1]) == (row["in_today"] == "True"), (
        today.stdout
    )
    assert "13812345678" not in today.stdout
