"""Reports: text stays text, re-runs are byte-identical, crashes never leave half-written files,
one sync at a time."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import filelock
import openpyxl
import pytest

from followup.sync.config import Config
from followup.sync.deadline import report_kinds
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.pipeline import LOCK_NAME, SyncLocked, run_sync

NOW = dt.datetime(2026, 11, 23, 9, 30)
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
INJECT = ["=1+1", '=HYPERLINK("http://evil.example","点我")', "+SUM(A1:A9)", "-2+3", "@cmd"]
PHONE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture()
def workspace(tmp_path: Path) -> Config:
    src = tmp_path / "stores"
    sheets = store_sheets(
        "一店", 1, "2", n_customers=40, call_days=WEEK, calls_per_day=12, n_gifts=6, seed=7, bad_rows=False
    )
    calls = sheets["回访记录"]
    for i, text in enumerate(INJECT):  # connected calls whose feedback looks like a formula
        calls.append(
            [
                dt.datetime(2026, 11, 18, 14, i),
                "一店",
                "小刘",
                "K0100001",
                "客户服务",
                "电话",
                "成功",
                1,
                text,
                "是",
                None,
            ]
        )
    write_store_workbook(src / "一店.xlsx", sheets)
    return Config.default(sources=[src], out=tmp_path / "reports")


def _texts(path: Path):
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    yield ws.title, c


def test_formula_like_text_stays_text(workspace):
    res = run_sync(workspace, NOW)
    cells = {c.value: c for _, c in _texts(res.paths["weekly"]) if isinstance(c.value, str)}
    for text in INJECT:
        assert text in cells, text
        assert cells[text].data_type == "s"
    for path in res.paths.values():  # values only: no formula anywhere
        for _, c in _texts(path):
            assert c.data_type != "f", (path.name, c.coordinate, c.value)


def test_phones_masked(workspace):
    res = run_sync(workspace, NOW)
    for path in res.paths.values():
        for sheet, c in _texts(path):
            assert not PHONE.search(str(c.value)), (path.name, sheet, c.coordinate)


def test_rerun_is_byte_identical(workspace):
    first = run_sync(workspace, NOW)
    before = {k: p.read_bytes() for k, p in first.paths.items()}
    again = run_sync(workspace, NOW + dt.timedelta(minutes=20))
    for kind in (*report_kinds(), "ledger"):
        assert again.paths[kind].read_bytes() == before[kind], kind
    assert [f.status for f in again.filings] == ["unchanged"] * len(report_kinds())


def test_crash_between_write_and_rename_keeps_previous(workspace, monkeypatch):
    first = run_sync(workspace, NOW)
    weekly = first.paths["weekly"]
    before = weekly.read_bytes()
    sheets = store_sheets(
        "一店", 1, "2", n_customers=40, call_days=WEEK, calls_per_day=20, n_gifts=6, seed=8, bad_rows=False
    )  # different data: the new report would differ
    write_store_workbook(Path(workspace.sources.excel[0]) / "一店.xlsx", sheets)

    def boom(src, dst):
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        run_sync(workspace, NOW)
    monkeypatch.undo()
    assert weekly.read_bytes() == before
    leftovers = [p.name for p in weekly.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    openpyxl.load_workbook(weekly)  # still a valid workbook


def test_concurrent_sync_is_refused(workspace):
    out = Path(workspace.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    with filelock.FileLock(str(out / LOCK_NAME)):
        with pytest.raises(SyncLocked, match="另一个同步"):
            run_sync(workspace, NOW)
        with pytest.raises(SyncLocked):
            run_sync(workspace, NOW, lock_timeout=0.2)
    assert run_sync(workspace, NOW).paths["weekly"].exists()


def test_names_and_week_option(workspace):
    res = run_sync(workspace, NOW, week="2026-W47")
    assert res.paths["weekly"].name == "11月第3周客户回访记录单.xlsx"
    assert res.paths["gift"].name == "11月第3周礼品回访记录单.xlsx"
    assert res.paths["monthly"].name == "11月客户回访汇总表.xlsx"
    assert res.exit_code == 0 and "errors" not in res.paths


def test_late_sync_is_charged_once(workspace):
    res = run_sync(workspace, dt.datetime(2026, 11, 23, 14, 0), who="小刘")
    pens = {f.report: f.penalty for f in res.filings}
    assert pens == {"11月第3周客户回访记录单.xlsx": 10, "11月第3周礼品回访记录单.xlsx": 0, "11月客户回访汇总表.xlsx": 0}
    wb = openpyxl.load_workbook(res.paths["monthly"])
    late = [c.value for row in wb.worksheets[-1].iter_rows() for c in row if c.value]
    assert "11月第3周客户回访记录单.xlsx" in late


def test_open_escalations_listed(workspace):
    res = run_sync(workspace, NOW)
    assert len(res.open_issues) >= len(INJECT)  # 需跟进=是 and no 处理状态
    wb = openpyxl.load_workbook(res.paths["weekly"])
    ws = wb["待跟进问题"]
    assert ws.max_row >= 3 + len(INJECT)


def test_english_headers(workspace):
    res = run_sync(workspace.model_copy(update={"lang": "en"}), NOW)
    assert res.paths["weekly"].name == "11月第3周客户回访记录单.xlsx"  # names never change
    wb = openpyxl.load_workbook(res.paths["weekly"])
    assert wb.sheetnames == ["Calls", "Summary", "Daily successes", "Open issues", "Hard cases"]
    headers = [c.value for c in wb["Calls"][4]]
    assert headers[:4] == ["Time", "Store", "Agent", "Customer"]
