"""回访需求 (002: every store and department needs a confirmed callback request each month): a
回访需求 sheet in the store workbooks, the monthly summary lists those without; cases in
tests/golden_extra/requests.csv, each citing its seed. Real workbooks, real sync, real report."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from followup.sync import run_sync
from followup.sync.config import Config

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows():
    with open(HERE / "requests.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_monthly_summary_lists_stores_without_a_confirmed_request(tmp_path, row):
    assert row["seed"]
    src = tmp_path / "stores"
    src.mkdir()
    reqs = [r.split("|") for r in row["requests"].split(";") if r]
    for store in ("一店", "二店"):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "客户"
        ws.append(["客户编号", "姓名", "电话", "门店", "类别", "购买日期"])
        ws.append([f"{store}1", "张三", "13812345678", store, "A", dt.date(2026, 11, 3)])
        rq = wb.create_sheet("回访需求")
        rq.append(["门店或部门", "提报日期", "需求内容", "确认人"])
        for who, day, content, by in reqs:
            if who == store or (store == "一店" and who not in ("一店", "二店")):
                rq.append([who, dt.date.fromisoformat(day), content, by or None])
        wb.save(src / f"{store}.xlsx")
    cfg = Config.default(sources=[src], out=tmp_path / "out").model_copy(
        update={"departments": [d for d in row["departments"].split(";") if d]}
    )
    res = run_sync(cfg, dt.datetime(2026, 11, 30, 9, 0), "2026-W48")
    wb = openpyxl.load_workbook(res.paths["monthly"])
    ws = wb["回访需求"]
    note = next(c.value for r in ws.iter_rows() for c in r if isinstance(c.value, str) and "没有已确认" in c.value)
    missing = note.split(":", 1)[1].strip()
    want = "、".join(m for m in row["missing"].split(";") if m) or "-"
    assert missing == want, note
