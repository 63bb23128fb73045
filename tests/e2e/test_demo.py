"""`followup demo` end to end, through the real command line."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from followup.sync.cli import main

PHONE = re.compile(r"1[3-9]\d{9}")
ORDER = ["一店", "二店", "三店"]
REPORTS = ["11月第3周客户回访记录单.xlsx", "11月第3周礼品回访记录单.xlsx", "11月客户回访汇总表.xlsx"]


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(folder)]) == 1  # 1: the demo has rows made to be rejected
    return folder


def test_reports_have_exact_names(demo_dir):
    reports = demo_dir / "reports"
    for name in REPORTS:
        assert (reports / "2026" / name).is_file(), name  # one folder per year (SPEC §3.7)
    assert (reports / "提交记录.xlsx").is_file()
    assert (reports / "错误清单.xlsx").is_file()  # the demo has a few bad rows
    assert not list(reports.rglob("*.tmp")) and not (reports / ".followup-staging").exists()


def test_weekly_record_has_a_chart(demo_dir):
    path = demo_dir / "reports" / "2026" / REPORTS[0]
    assert any(n.startswith("xl/charts/chart") for n in zipfile.ZipFile(path).namelist())
    wb = openpyxl.load_workbook(path)
    assert sum(len(ws._charts) for ws in wb) >= 1
    assert wb.sheetnames[:2] == ["回访明细", "汇总"] and "待跟进问题" in wb.sheetnames


def test_no_phone_number_in_any_cell(demo_dir):
    files = sorted((demo_dir / "reports").rglob("*.xlsx"))
    assert len(files) == 5
    checked = 0
    for path in files:
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None:
                        checked += 1
                        assert not PHONE.search(str(c.value)), (path.name, ws.title, c.coordinate, c.value)
    assert checked > 1000


def test_rejected_rows_are_listed(demo_dir):
    wb = openpyxl.load_workbook(demo_dir / "reports" / "错误清单.xlsx")
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:4] == ("文件", "工作表", "行", "列")
    assert {r[1] for r in rows[1:]} >= {"客户", "回访记录"}


def test_demo_is_deterministic(demo_dir, tmp_path):
    assert main(["demo", "--dir", str(tmp_path)]) == 1
    for name in REPORTS:
        assert (tmp_path / "reports" / "2026" / name).read_bytes() == (
            demo_dir / "reports" / "2026" / name
        ).read_bytes(), name


def test_sync_exit_codes(demo_dir, tmp_path):
    cfg = demo_dir / "followup.toml"
    out = tmp_path / "out"
    # rows were rejected → 1, reports still filed
    assert main(["sync", "--config", str(cfg), "--out", str(out), "--now", "2026-11-23T10:00"]) == 1
    assert (out / "2026" / REPORTS[0]).is_file()
    bad = tmp_path / "bad.toml"
    bad.write_text('playbok = "optometry"\n', encoding="utf-8")
    assert main(["sync", "--config", str(bad)]) == 2
    assert main(["sync", "--source", str(demo_dir / "stores"), "--week", "2026-W99"]) == 2


def test_identical_rerun_says_unchanged_and_shows_no_unrecorded_lateness(demo_dir, tmp_path, capsys):
    """Issue 23: a second sync on the same data, after the deadline, re-files nothing; every file
    says so, and the console shows the lateness the ledger recorded (none), not the clock's."""
    cfg, out = demo_dir / "followup.toml", tmp_path / "out"
    args = ["sync", "--config", str(cfg), "--out", str(out)]
    assert main([*args, "--now", "2026-11-23T09:30"]) == 1
    first = capsys.readouterr().out
    assert "未变化" not in first and "已归档:" in first
    # one store order in the console too: the rows-read table, then the rejected rows, each 一店, 二店, 三店
    table, rejected = first.split("有 9 行被拒绝")
    for part in (table, rejected):
        seen = [ORDER.index(m) for m in re.findall(r"([一二三]店)\.xlsx", part)]
        assert seen and seen == sorted(seen), seen
    before = {p: p.read_bytes() for p in out.rglob("*.xlsx")}
    assert main([*args, "--now", "2026-11-23T12:40"]) == 1  # 40 minutes after the weekly deadline
    again = capsys.readouterr().out
    assert {p: p.read_bytes() for p in out.rglob("*.xlsx")} == before
    listed = [line for line in again.splitlines() if line.strip().startswith(str(out))]
    assert len(listed) == 5 and all(line.endswith("(未变化，未重新归档)") for line in listed), listed
    assert "已逾期" not in again and "逾期提交" not in again and "罚款" not in again
    for name in REPORTS:
        assert f"{name}" in again and "未变化，未重新归档 (已于 11-23 09:30 按时归档)" in again
    # reports in English are other content: filed, late, and the lateness recorded is shown …
    assert main([*args, "--now", "2026-11-23T12:40", "--lang", "en"]) == 1
    changed = capsys.readouterr().out
    assert "40m overdue" in changed and "unchanged" not in changed
    # … and on an identical re-run, it is that recorded lateness (not the clock's) that is shown
    assert main([*args, "--now", "2026-11-24T09:00", "--lang", "en"]) == 1
    same = capsys.readouterr().out
    assert same.count("unchanged, not re-filed (filed 11-23 12:40, 40m overdue") == 2, same
    assert "1d" not in same and "late filing" not in same  # not the clock's 21 hours, no new fine


def test_check_name_and_today(demo_dir, capsys):
    assert main(["check-name", REPORTS[0]]) == 0
    assert main(["check-name", "11月第三周客户回访记录单.xlsx"]) == 1
    assert "11月第3周客户回访记录单.xlsx" in capsys.readouterr().out
    assert main(["today", "--config", str(demo_dir / "followup.toml"), "--date", "2026-11-24"]) == 1  # rows rejected
    out = capsys.readouterr().out
    assert "138****" in out and not PHONE.search(out)


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).with_name("followup")
    if not exe.exists():
        pytest.skip("console script not installed")
    proc = subprocess.run(
        [str(exe), "check-name", "--lang", "en", "bad name.xlsx"], capture_output=True, text=True, cwd=tmp_path
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
