"""Reports a manager can print, read and share (issue 14): print setup in the files, the monthly
chart, the ledger as data, file permissions, open items, the natural store order."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from followup.sync.demo import run_demo
from followup.udfs.store_order import name_number, order_stores, store_key


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return run_demo(tmp_path_factory.mktemp("pr") / "demo")[1]


def _xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(part).decode("utf-8")


def test_every_sheet_is_set_up_for_a4_one_page_wide(demo):
    for kind in ("weekly", "gift", "monthly", "ledger", "errors"):
        path = demo.paths[kind]
        with zipfile.ZipFile(path) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
            for n in sheets:
                xml = z.read(n).decode("utf-8")
                assert 'paperSize="9"' in xml, n
                assert '<pageSetUpPr fitToPage="1"/>' in xml and 'fitToHeight="0"' in xml, (path.name, n)
                assert "&amp;P" in xml and "&amp;N" in xml, (path.name, n)  # page x / y in the footer
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
    wb = openpyxl.load_workbook(demo.paths["weekly"])
    detail = wb["回访明细"]
    assert detail.print_title_rows.replace("$", "") == "4:4" and detail.freeze_panes == "A5"
    assert detail.page_setup.orientation == "landscape"
    breaks = [b.id for b in detail.row_breaks.brk]
    stores = [detail.cell(r, 2).value for r in range(5, detail.max_row + 1)]
    changes = [r + 5 - 1 for r in range(1, len(stores)) if stores[r] != stores[r - 1]]
    assert breaks == changes and len(breaks) == 2  # a page break before each new store
    assert list(dict.fromkeys(stores)) == ["一店", "二店", "三店"]


def test_monthly_summary_has_a_chart_with_the_target_band_and_the_small_store_check(demo):
    path = demo.paths["monthly"]
    names = zipfile.ZipFile(path).namelist()
    charts = [n for n in names if n.startswith("xl/charts/chart")]
    assert charts
    xml = _xml(path, charts[0])
    assert "<c:barChart>" in xml and "<c:lineChart>" in xml
    wb = openpyxl.load_workbook(path)
    data = wb["分周成功数"]
    assert data["A1"].value == "分周成功数 (11月)"  # the data's caption, its header below
    head = [c.value for c in data[2]]
    assert head[:4] == ["期间", "一店", "二店", "三店"]
    assert "1组 周目标下限 (二店、三店)" in head and "2组 周目标上限 (一店)" in head
    rows = list(data.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == ["11月第1周", "11月第2周", "11月第3周"]
    month = wb["门店汇总"]
    texts = [str(c.value) for row in month.iter_rows() for c in row if c.value]
    assert any(t.startswith("小店月度检查: 三店 本月成功") for t in texts)
    # the bands are the weekly record's: 2组 250-300 in a week of five working days
    low, high = head.index("2组 周目标下限 (一店)"), head.index("2组 周目标上限 (一店)")
    assert (rows[-1][low], rows[-1][high]) == (250, 300)


def test_ledger_times_are_datetimes_digest_hidden_last_submitter_from_config(demo):
    wb = openpyxl.load_workbook(demo.paths["ledger"])
    ws = wb.active
    head = [c.value for c in ws[1]]
    assert head[-1] == "内容校验" and ws.column_dimensions[openpyxl.utils.get_column_letter(len(head))].hidden
    for key in ("提交时间", "截止时间", "首次提交"):
        cell = ws.cell(2, head.index(key) + 1)
        assert isinstance(cell.value, dt.datetime) and cell.number_format == "yyyy-mm-dd hh:mm:ss", key
    assert ws.cell(2, head.index("提交时间") + 1).value == dt.datetime(2026, 11, 23, 9, 30)  # Shanghai wall time
    assert ws.cell(2, head.index("提交人") + 1).value == "客服中心"  # config submitter
    assert len(ws.cell(2, len(head)).value) == 64


def test_old_ledger_with_text_times_still_reads(tmp_path):
    from followup.sync.reports import Ledger

    path = tmp_path / "提交记录.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "提交记录"
    ws.append(
        [
            "提交人",
            "报表",
            "期间",
            "提交时间",
            "截止时间",
            "逾期分钟",
            "罚款(元)",
            "首次提交",
            "修订次数",
            "内容校验",
            "备注",
        ]
    )
    ws.append(
        [
            "小刘",
            "11月第3周客户回访记录单.xlsx",
            "11月第3周",
            "2026-11-23T13:30:00+08:00",
            "2026-11-23T12:00:00+08:00",
            90,
            10,
            "2026-11-23T13:30:00+08:00",
            1,
            "ab" * 32,
            "",
        ]
    )
    wb.save(path)
    lg = Ledger(path)
    assert not lg.problems and len(lg.rows) == 1
    row = lg.rows[0]
    assert row.filed_at.hour == 13 and row.minutes_late == 90 and row.penalty == 10 and row.year == 2026
    lg.save()  # rewritten as datetimes, read back identically
    again = Ledger(path).rows[0]
    assert (again.filed_at, again.deadline, again.penalty, again.digest) == (row.filed_at, row.deadline, 10, "ab" * 32)
    assert isinstance(openpyxl.load_workbook(path).active.cell(2, 4).value, dt.datetime)


def _cli(args, cwd, umask: int):
    code = f"import os, sys; os.umask({umask}); from followup.sync.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "FOLLOWUP_LANG": "zh"},
    )


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o002, 0o664)])
def test_reports_get_the_folders_normal_permissions(tmp_path, umask, mode):
    from followup.sync.demo import write_demo

    write_demo(tmp_path)
    proc = _cli(["sync", "--config", "followup.toml", "--now", "2026-11-23T09:30", "--by", "王店长"], tmp_path, umask)
    assert proc.returncode in (0, 1), proc.stderr
    out = tmp_path / "reports"
    files = sorted(out.glob("2026/*.xlsx")) + [out / "提交记录.xlsx", out / "错误清单.xlsx"]
    assert len(files) == 5
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == mode, (f.name, oct(f.stat().st_mode))
    ws = openpyxl.load_workbook(out / "提交记录.xlsx").active
    assert {ws.cell(r, 1).value for r in range(2, ws.max_row + 1)} == {"王店长"}  # --by wins over the config


def test_atomic_write_is_not_private(tmp_path):
    from followup.sync.reports.xlsx_out import atomic_write_bytes, current_umask

    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        p = atomic_write_bytes(tmp_path / "x.xlsx", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE(p.stat().st_mode) == 0o640


def test_open_items_are_problems_not_feedback():
    from followup.sync.weekstats import open_escalations, prepare_calls

    rows = [  # call_time, feedback, 需跟进, 处理状态
        ("2026-11-16 10:00", "对服务态度满意", None, None),  # satisfied: not open
        ("2026-11-16 10:05", None, None, None),  # blank: not open
        ("2026-11-16 10:10", "配送较慢", "是", None),  # escalated: open
        ("2026-11-16 10:15", "配送较慢", "是", "已解决"),  # escalated, closed
        ("2026-11-16 10:20", "等待太久", None, "处理中"),  # status open without 需跟进: open
        ("2026-11-16 10:25", "请回电", "是", "已回电"),  # closed
        ("2026-11-16 10:30", "希望延长营业", "否", "无需跟进"),  # closed
    ]
    calls = pd.DataFrame(
        [
            {
                "call_time": t,
                "store": "一店",
                "agent": "小刘",
                "customer_id": f"K{i}",
                "outcome": "成功",
                "feedback": fb,
                "escalate": e,
                "resolution": r,
            }
            for i, (t, fb, e, r) in enumerate(rows)
        ]
    )
    got = open_escalations(prepare_calls(calls), dt.date(2026, 11, 22))
    assert sorted(got["customer_id"]) == ["K2", "K4"]
    assert dict(zip(got["customer_id"], got["status"])) == {"K2": "未解决", "K4": "处理中"}


def test_natural_store_order():
    assert [name_number(n) for n in ("一店", "十店", "十一店", "二十三店", "一百零五店", "12店", "总店")] == [
        1,
        10,
        11,
        23,
        105,
        12,
        None,
    ]
    names = ["三店", "十一店", "总店", "二店", "十店", "一店", "12店", "北店"]
    assert order_stores(names) == ["一店", "二店", "三店", "十店", "十一店", "12店", "北店", "总店"]
    assert order_stores(names, ["十店", "三店"])[:3] == ["十店", "三店", "一店"]
    assert sorted(["二店", "一店"], key=store_key()) == ["一店", "二店"]


def test_stores_without_config_sort_naturally(tmp_path):
    from followup.sync import run_sync
    from followup.sync.config import Config
    from followup.sync.demo import store_sheets, write_store_workbook

    days = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
    for i, name in enumerate(["三店", "一店", "二店"], start=1):
        write_store_workbook(
            tmp_path / "stores" / f"{name}.xlsx",
            store_sheets(
                name, i, "1", n_customers=20, call_days=days, calls_per_day=5, n_gifts=2, seed=i, bad_rows=False
            ),
        )
    cfg = Config.default(sources=[tmp_path / "stores"], out=tmp_path / "reports")
    res = run_sync(cfg, dt.datetime(2026, 11, 23, 9, 30), who="小刘")
    assert list(res.quota["store"]) == ["一店", "二店", "三店"]
    ws = openpyxl.load_workbook(res.paths["weekly"])["回访明细"]
    assert list(dict.fromkeys(ws.cell(r, 2).value for r in range(5, ws.max_row + 1))) == ["一店", "二店", "三店"]
