"""A typed 类别 the facts contradict is used as the facts say, with a warning naming file, sheet,
row and column (cases in tests/golden_extra/class_conflicts.csv, each citing its seed)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from followup.sync.sources.excel import read_sources
from followup.udfs import followup_table

HERE = Path(__file__).resolve().parent.parent / "golden_extra"
HEAD = ["客户编号", "姓名", "电话", "类别", "咨询日期", "到店日期", "预约日期", "购买日期"]


def _rows():
    with open(HERE / "class_conflicts.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _day(text):
    return dt.date.fromisoformat(text) if text else None


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_class_contradicted_by_facts(tmp_path, row):
    assert row["seed"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(HEAD)
    ws.append(
        [
            "K1",
            "张三",
            "13812345678",
            row["class"],
            *(_day(row[k]) for k in ("consult_date", "visit_date", "appointment_date", "purchase_date")),
        ]
    )
    path = tmp_path / "一店.xlsx"
    wb.save(path)
    res = read_sources([path])
    warnings = [r for r in res.rejections if r.column == "类别"]
    if row["warn"] == "True":
        (w,) = warnings
        assert (w.file.endswith("一店.xlsx"), w.sheet, w.row, w.fatal) == (True, "客户", 2, False)
        assert f"作为 {row['used_as']} 类" in w.message and "13812345678" not in w.line()
    else:
        assert warnings == []
    (store,) = res.stores
    assert len(store.customers) == 1  # the row is used
    out = followup_table(store.customers, None, "optometry", "2026-11-20")
    assert out["current_class"].iloc[0] == row["used_as"]
