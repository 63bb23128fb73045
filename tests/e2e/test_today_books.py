"""`followup today --out DIR` and the sync's `[today] out`: one workbook per agent, real CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from followup.sync.cli import main
from followup.sync.crm.sms_export import valid_mobile

PHONE = re.compile(r"1[3-9]\d{9}")
DAY = "2026-11-24"


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(folder), "--now", f"{DAY}T09:30"]) == 1
    return folder


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "FOLLOWUP_LANG": "zh", "PYTHONIOENCODING": "utf-8"},
    )


def _check_book(path: Path) -> tuple[int, int]:
    """(calls, SMS) of one agent's book; asserts the layout and that full numbers stay in 电话."""
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["电话回访", "短信"]
    counts = []
    for ws, head in (
        (
            wb["电话回访"],
            ["优先级", "可拨打时段", "客户编号", "姓名", "电话", "方式", "标记", "回访目的", "状态", "门店"],
        ),
        (wb["短信"], ["客户编号", "姓名", "电话", "短信内容", "标记", "优先级", "门店"]),
    ):
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[3][: len(head)]) == head
        phone_col = head.index("电话")
        body = [r for r in rows[4:] if r[0] is not None and not str(r[0]).startswith("今天没有")]
        for r in rows:
            for c, v in enumerate(r):
                if v is not None and PHONE.search(str(v)):
                    assert c == phone_col and r in body, (path.name, ws.title, r)
        counts.append(len(body))
        if ws.title == "电话回访" and body:
            assert all(PHONE.fullmatch(str(r[phone_col])) or r[phone_col] is None for r in body)
            # 方式 holds channels only, flags have their own column (issue 23)
            assert {r[5] for r in body} <= {"电话", "到店", "短信", None}
            assert all(set(str(r[6] or "").split("、")) <= {"", "号码无效", "难沟通"} for r in body)
            # a call window for every call to a valid number; a number the SMS export would reject
            # is shown as invalid, unscheduled, after the scheduled calls
            valid = [valid_mobile(r[phone_col]) for r in body]
            assert all(r[1] for r, ok in zip(body, valid) if r[5] == "电话" and ok)
            for r, ok in zip(body, valid):
                if r[5] == "电话" and not ok:
                    assert not r[1] and "号码无效" in r[6] and r[8].startswith("号码无效"), r
            calls = [ok for r, ok in zip(body, valid) if r[5] == "电话"]
            assert calls == sorted(calls, reverse=True)
            assert all(r[7] for r in body)  # and why
    return counts[0], counts[1]


def test_today_out_writes_one_workbook_per_agent(demo_dir, tmp_path):
    out = tmp_path / "books"
    proc = _cli("today", "--config", "followup.toml", "--date", DAY, "--out", str(out), cwd=demo_dir)
    assert proc.returncode == 1, proc.stderr  # 1: the demo has rejected rows
    books = sorted(out.glob("*.xlsx"))
    assert len(books) >= 3
    names = {p.name for p in books}
    assert all(re.fullmatch(rf"今日回访_[^_]+_{DAY}\.xlsx", n) for n in names), names
    for p in books:
        assert str(p) in proc.stdout
    totals = [_check_book(p) for p in books]
    assert sum(c for c, _ in totals) > 20 and sum(s for _, s in totals) > 0
    # the demo's unassigned customers have numbers no phone network has (154…): shown, not scheduled
    flags = [r[6] for p in books for r in openpyxl.load_workbook(p)["电话回访"].iter_rows(min_row=5, values_only=True)]
    assert "号码无效" in flags and "难沟通" in flags
    # priority 高 and invalid numbers in the alert colour (conditional formats), the legend in the footer
    for p in books:
        ws = openpyxl.load_workbook(p)["电话回访"]
        values = {c.value for row in ws.iter_rows(min_row=5) for c in row}
        rules = {
            (r.formula[0] if r.formula else r.text)
            for cf in ws.conditional_formatting
            for r in cf.rules
            if r.dxf is not None and r.dxf.fill is not None and str(r.dxf.fill.bgColor.rgb).endswith("FFC7CE")
        }
        if "高" in values:
            assert '"高"' in rules, p.name
        if "号码无效" in values:
            assert any("号码无效" in str(x) for x in rules), (p.name, rules)
        if values & {"高", "号码无效"}:
            assert "红底 = 需处理" in ws.oddFooter.left.text, p.name
    # the same tasks as the printed list: every customer id of the books is in the console output
    wb = openpyxl.load_workbook(books[0])
    ids = [r[2] for r in wb["电话回访"].iter_rows(min_row=5, values_only=True) if r[2]]
    assert ids and all(i in proc.stdout for i in ids)
    # reproducible: the same run gives byte-identical files
    again = tmp_path / "again"
    assert _cli("today", "--config", "followup.toml", "--date", DAY, "--out", str(again), cwd=demo_dir).returncode == 1
    assert all((again / p.name).read_bytes() == p.read_bytes() for p in books)


def test_sync_writes_them_with_today_out_in_the_config(demo_dir, tmp_path):
    cfg = demo_dir / "followup.toml"
    text = cfg.read_text(encoding="utf-8")
    cfg2 = demo_dir / "with_today.toml"
    cfg2.write_text(
        text.replace('report_dir = "reports"', f'report_dir = "{tmp_path / "reports"}"')
        + '\n[today]\nout = "今日回访"\n',
        encoding="utf-8",
    )
    proc = _cli("sync", "--config", cfg2.name, "--now", f"{DAY}T09:30", cwd=demo_dir)
    assert proc.returncode in (0, 1), proc.stderr  # the demo has rejected rows: exit 1
    books = sorted((demo_dir / "今日回访").glob(f"今日回访_*_{DAY}.xlsx"))
    assert len(books) >= 3
    for p in books:
        _check_book(p)
    assert proc.stdout.count("完整号码") == 1


def _cli_umask(*args: str, cwd: Path, umask: int) -> subprocess.CompletedProcess:
    code = f"import os, sys; os.umask({umask}); from followup.sync.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "FOLLOWUP_LANG": "zh", "PYTHONIOENCODING": "utf-8"},
    )


@pytest.mark.parametrize("umask,mode", [(0o022, 0o644), (0o002, 0o664)])
def test_day_books_follow_the_umask_and_say_they_hold_full_numbers(demo_dir, tmp_path, umask, mode):
    import stat

    out = tmp_path / "books"
    proc = _cli_umask("today", "--config", "followup.toml", "--date", DAY, "--out", str(out), cwd=demo_dir, umask=umask)
    assert proc.returncode == 1, proc.stderr
    books = sorted(out.glob("*.xlsx"))
    assert books and all(stat.S_IMODE(p.stat().st_mode) == mode for p in books), [
        (p.name, oct(p.stat().st_mode)) for p in books
    ]
    assert proc.stdout.count("完整号码") == 1 and "电话" in proc.stdout  # one line saying so, once


def test_today_with_nothing_read_exits_5_like_sync(tmp_path):
    today = _cli("today", "--source", "typo", cwd=tmp_path)
    sync = _cli("sync", "--source", "typo", "--out", str(tmp_path / "reports"), cwd=tmp_path)
    assert (today.returncode, sync.returncode) == (5, 5), (today.stdout, today.stderr)
    assert "没有读到任何可用的门店数据" in today.stderr and "typo" in today.stderr
    assert "没有任务" not in today.stdout
