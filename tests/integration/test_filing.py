"""Filed reports are never lost: nothing-read runs touch nothing (exit 5), reports live in year
folders, a future week is refused, flat folders are migrated, an interrupted set is finished or
rolled back, and a damaged or hand-edited ledger never stops the filing."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from followup.sync.config import Config
from followup.sync.deadline import TZ, report_kinds
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.pipeline import LOCK_NAME, NothingReadError, run_sync
from followup.sync.reports import LEDGER_NAME, Ledger
from followup.sync.reports.filing import MANIFEST, STAGING, Output, commit, recover
from followup.udfs.calendar import report_name
from followup.udfs.errors import BadArgument

NOW = dt.datetime(2026, 11, 23, 9, 30)
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
CORPUS = Path(__file__).resolve().parents[1] / "corpus"
NAMES = [report_name(kind, WEEK[3]) for kind in report_kinds()]  # the report table (reports.specs)
N = len(NAMES)


def _store(folder: Path, seed: int = 7, bad_rows: bool = True) -> Path:
    sheets = store_sheets(
        "一店", 1, "2", n_customers=15, call_days=WEEK, calls_per_day=4, n_gifts=3, seed=seed, bad_rows=bad_rows
    )
    return write_store_workbook(folder / "一店.xlsx", sheets)


@pytest.fixture()
def filed(tmp_path: Path) -> Config:
    """A report folder holding a good set filed from one store."""
    _store(tmp_path / "stores")
    cfg = Config.default(sources=[tmp_path / "stores"], out=tmp_path / "reports")
    run_sync(cfg, NOW, who="小刘")
    return cfg


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (but the lock file) → sha256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "FOLLOWUP_USER": "小刘"},
        timeout=120,
    )


def test_reports_go_to_the_year_folder(filed):
    out = Path(filed.report_dir)
    assert sorted(snapshot(out)) == [f"2026/{n}" for n in sorted(NAMES)] + ["提交记录.xlsx", "错误清单.xlsx"]
    rows = Ledger(out / LEDGER_NAME).rows
    assert {(r.year, r.report) for r in rows} == {(2026, n) for n in NAMES}
    for r in rows:  # the ledger records the set: digests of the files on disk
        assert r.digest == hashlib.sha256((out / "2026" / r.report).read_bytes()).hexdigest()


@pytest.mark.parametrize("case", ["missing", "empty", "unrelated"])
def test_nothing_read_touches_nothing(filed, tmp_path, case):
    """Done when: over good reports, a missing, empty or unrelated source exits non-zero (5) and
    every report and the ledger are byte-identical afterwards; no fine, no error list change."""
    out = Path(filed.report_dir)
    before = snapshot(out)
    source = tmp_path / case
    if case == "empty":
        source.mkdir()
    elif case == "unrelated":
        source.mkdir()
        for name in ("38_unknown_sheets_only.xlsx", "15_missing_customer_sheet.xlsx", "16_empty_file.xlsx"):
            shutil.copy(CORPUS / name, source / name)
        openpyxl.Workbook().save(source / "报价单.xlsx")
    proc = _cli("sync", "--source", str(source), "--out", str(out), "--now", "2026-11-23T14:00", cwd=tmp_path)
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "未归档任何报表" in proc.stderr and str(source) in proc.stderr  # says what was looked at
    assert snapshot(out) == before


def test_nothing_read_in_process(filed, tmp_path):
    before = snapshot(Path(filed.report_dir))
    cfg = filed.model_copy(update={"sources": filed.sources.model_copy(update={"excel": [tmp_path / "typo"]})})
    with pytest.raises(NothingReadError) as e:
        run_sync(cfg, NOW + dt.timedelta(hours=5))
    assert e.value.rejections and "typo" in str(e.value)
    assert snapshot(Path(filed.report_dir)) == before


def test_an_empty_week_of_a_readable_store_is_filed(filed, tmp_path):
    """A readable store with no calls in the week is a real, empty week."""
    res = run_sync(filed, NOW, week="2026-W40")
    assert res.paths["weekly"] == Path(filed.report_dir) / "2026" / "10月第1周客户回访记录单.xlsx"
    assert res.paths["weekly"].is_file()


def test_other_year_never_overwrites(filed):
    out = Path(filed.report_dir)
    before = snapshot(out)
    res = run_sync(filed, NOW, week="2025-W47", force=True)  # a year back: --force
    assert res.paths["weekly"] == out / "2025" / NAMES[0]
    after = snapshot(out)
    assert all(after[f"2026/{n}"] == before[f"2026/{n}"] for n in NAMES)
    rows = Ledger(out / LEDGER_NAME).rows
    assert sorted(r.year for r in rows if r.report == NAMES[0]) == [2025, 2026]


@pytest.mark.parametrize(
    "week, folder, name",
    [
        ("2026-W53", "2026", "12月第5周客户回访记录单.xlsx"),  # 2026-12-28…2027-01-03: Thursday 12-31
        ("2026-W01", "2026", "1月第1周客户回访记录单.xlsx"),  # 2025-12-29…2026-01-04: Thursday 2026-01-01
    ],
)
def test_week_across_new_year_uses_the_year_of_its_month(filed, week, folder, name):
    res = run_sync(filed, dt.datetime(2027, 2, 1, 9), week=week, force=week == "2026-W01")
    assert res.paths["weekly"] == Path(filed.report_dir) / folder / name


def test_future_week_is_refused_unless_forced(filed, tmp_path):
    out = Path(filed.report_dir)
    before = snapshot(out)
    with pytest.raises(BadArgument, match="--force"):
        run_sync(filed, NOW, week="2026-W49")
    proc = _cli(
        "sync",
        "--source",
        str(tmp_path / "stores"),
        "--out",
        str(out),
        "--week",
        "2026-W50",
        "--now",
        "2026-11-23T09:30",
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "--force" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(out) == before
    assert run_sync(filed, NOW, week="2026-W48").paths["weekly"].is_file()  # the current week is allowed
    assert run_sync(filed, NOW, week="2026-W49", force=True).paths["weekly"].name == "12月第1周客户回访记录单.xlsx"


def _old_ledger(path: Path) -> None:
    """Rewrite a ledger as the flat-folder versions wrote it: no 年份 column."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    heads = [c.value for c in ws[1]]
    assert "年份" in heads
    ws.delete_cols(heads.index("年份") + 1)
    wb.save(path)


def test_flat_folder_is_migrated(filed):
    out = Path(filed.report_dir)
    reports = {n: (out / "2026" / n).read_bytes() for n in NAMES}
    for n in NAMES:
        (out / "2026" / n).rename(out / n)
    (out / "2026").rmdir()
    _old_ledger(out / LEDGER_NAME)
    res = run_sync(filed, NOW + dt.timedelta(minutes=5), who="小刘")
    assert {n: (out / "2026" / n).read_bytes() for n in NAMES} == reports
    assert not any((out / n).exists() for n in NAMES)
    assert sum("→ 2026/" in m for m in res.notices) == N
    assert [f.status for f in res.filings] == ["unchanged"] * N  # the old rows were recognised
    assert "年份" in [c.value for c in openpyxl.load_workbook(out / LEDGER_NAME).active[1]]


def test_flat_file_without_a_year_stays(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / NAMES[0]).write_bytes(b"not a workbook")
    _store(tmp_path / "stores")
    res = run_sync(Config.default(sources=[tmp_path / "stores"], out=out), NOW)
    assert (out / NAMES[0]).read_bytes() == b"not a workbook"
    assert any("无法判断" in m for m in res.notices)


@pytest.mark.parametrize("damage", ["truncated", "not_a_zip", "wrong_sheet"])
def test_damaged_ledger_is_kept_aside_and_rebuilt(filed, damage):
    out = Path(filed.report_dir)
    ledger = out / LEDGER_NAME
    good = ledger.read_bytes()
    if damage == "truncated":
        ledger.write_bytes(good[: len(good) // 2])
    elif damage == "not_a_zip":
        ledger.write_text("提交记录\n", encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        wb.active.append(["门店", "电话"])
        wb.active.append(["一店", "138****5678"])
        wb.save(ledger)
    broken = ledger.read_bytes()
    filed_at = NOW.replace(tzinfo=TZ).timestamp()  # the files' times are the rebuilt filing times
    for n in NAMES:
        os.utime(out / "2026" / n, (filed_at, filed_at))
    res = run_sync(filed, NOW + dt.timedelta(minutes=5), who="小刘")
    aside = sorted(out.glob("提交记录.损坏-*.xlsx"))
    assert [p.read_bytes() for p in aside] == [broken]
    assert aside[0].name == "提交记录.损坏-20261123-093500.xlsx"
    assert any("提交记录已损坏" in r.message and not r.fatal for r in res.rejections)
    rows = Ledger(ledger).rows
    assert {r.report for r in rows} == set(NAMES) and all(r.year == 2026 for r in rows)
    assert [f.status for f in res.filings] == ["unchanged"] * N  # rebuilt from the same files
    run_sync(filed, NOW + dt.timedelta(minutes=6), who="小刘")
    assert len(list(out.glob("提交记录.损坏-*.xlsx"))) == 1  # repaired: nothing more set aside


def test_bad_ledger_cells_are_reported_and_never_stop_the_filing(filed):
    out = Path(filed.report_dir)
    wb = openpyxl.load_workbook(out / LEDGER_NAME)
    ws = wb.active
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("逾期分钟") + 1, "约5分钟")
    ws.cell(3, head.index("修订次数") + 1, "两次")
    ws.cell(4, head.index("提交时间") + 1, "昨天下午")
    wb.save(out / LEDGER_NAME)
    res = run_sync(filed, NOW + dt.timedelta(minutes=5), who="小刘")
    warned = {(r.row, r.column, r.value) for r in res.rejections if r.file.endswith(LEDGER_NAME)}
    assert warned == {(2, "逾期分钟", "约5分钟"), (3, "修订次数", "两次"), (4, "提交时间", "昨天下午")}
    assert all(not r.fatal for r in res.rejections if r.file.endswith(LEDGER_NAME))
    rows = Ledger(out / LEDGER_NAME).rows
    assert len(rows) == N and rows[0].minutes_late == 5 and rows[1].revisions == 1
    errors = openpyxl.load_workbook(out / "错误清单.xlsx").active
    assert any(row[2] == 2 and row[3] == "逾期分钟" for row in errors.iter_rows(values_only=True))


def _ledger_table(path: Path) -> list[tuple]:
    return [tuple(r) for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]


def test_blanked_report_cell_is_repaired_from_the_digest(filed):
    out = Path(filed.report_dir)
    wb = openpyxl.load_workbook(out / LEDGER_NAME)
    ws = wb.active
    head = [c.value for c in ws[1]]
    name = ws.cell(2, head.index("报表") + 1).value
    ws.cell(2, head.index("报表") + 1).value = None
    wb.save(out / LEDGER_NAME)
    res = run_sync(filed, NOW + dt.timedelta(minutes=5), who="小刘")
    warned = [r for r in res.rejections if r.file.endswith(LEDGER_NAME)]
    assert [(r.row, r.column, r.fatal) for r in warned] == [(2, "报表", False)]
    assert name in warned[0].message
    rows = Ledger(out / LEDGER_NAME).rows
    assert [r.report for r in rows] == NAMES and rows[0].report == name
    assert [f.status for f in res.filings] == ["unchanged"] * N


def test_rows_without_a_report_are_kept_and_named(filed):
    out = Path(filed.report_dir)
    wb = openpyxl.load_workbook(out / LEDGER_NAME)
    ws = wb.active
    head = [c.value for c in ws[1]]
    blanked = [c.value for c in ws[2]]
    ws.cell(2, head.index("报表") + 1).value = None
    ws.cell(2, head.index("内容校验") + 1).value = "hand-edited"  # nothing to infer the report from
    ws.cell(6, head.index("备注") + 1, "11月第2周罚款经店长同意免除")  # a hand-added note row (row 5 left blank)
    wb.save(out / LEDGER_NAME)
    before = _ledger_table(out / LEDGER_NAME)
    assert len(before) == 6
    res = run_sync(filed, NOW + dt.timedelta(minutes=5), who="小刘")
    warned = {(r.row, r.column) for r in res.rejections if r.file.endswith(LEDGER_NAME)}
    assert warned == {(2, "报表"), (6, "报表")}
    assert all(not r.fatal for r in res.rejections if r.file.endswith(LEDGER_NAME))
    after = _ledger_table(out / LEDGER_NAME)
    kept = after[1]
    assert kept[head.index("报表")] is None and kept[head.index("提交人")] == blanked[head.index("提交人")] == "小刘"
    assert kept[head.index("提交时间")] == blanked[head.index("提交时间")]
    assert kept[head.index("内容校验")] == "hand-edited"
    notes = [r for r in after if r[head.index("备注")] == "11月第2周罚款经店长同意免除"]
    assert len(notes) == 1 and notes[0][head.index("报表")] is None
    assert not any(all(v in (None, "") for v in r) for r in after)  # the blank row was dropped
    # the report of the blanked row is filed again in its own new row; nothing else moves
    reports = [r[head.index("报表")] for r in after[1:]]
    assert sorted(filter(None, reports)) == sorted(NAMES)
    again = run_sync(filed, NOW + dt.timedelta(minutes=6), who="小刘")
    assert _ledger_table(out / LEDGER_NAME) == after  # stable from here on
    assert {(r.row, r.column) for r in again.rejections if r.file.endswith(LEDGER_NAME)} == {(2, "报表"), (5, "报表")}


def test_interrupted_set_without_manifest_is_rolled_back(filed):
    out = Path(filed.report_dir)
    before = snapshot(out)
    staging = out / STAGING
    staging.mkdir()
    (staging / "00.part").write_bytes(b"half a report")
    (out / "2026" / ".11月第3周客户回访记录单.abc123.tmp").write_bytes(b"left by a crash")
    notes = recover(out)
    assert not staging.exists() and snapshot(out) == before
    assert len(notes) == 2


def test_interrupted_set_with_manifest_is_rolled_forward(filed):
    out = Path(filed.report_dir)
    new = [
        Output("2026/" + NAMES[0], b"new weekly"),
        Output("2026/" + NAMES[1], b"new gift"),
        Output("错误清单.xlsx", None),
    ]
    import followup.sync.reports.filing as filing

    calls = []

    def crash(step=""):
        calls.append(step)
        if step == "moved":
            raise KeyboardInterrupt  # dies after the first move

    orig = filing.checkpoint
    filing.checkpoint = crash
    try:
        with pytest.raises(KeyboardInterrupt):
            commit(out, new)
    finally:
        filing.checkpoint = orig
    assert (out / STAGING / MANIFEST).is_file()
    assert (out / "2026" / NAMES[0]).read_bytes() == b"new weekly"  # half-moved
    assert (out / "2026" / NAMES[1]).read_bytes() != b"new gift"
    recover(out)
    assert (out / "2026" / NAMES[1]).read_bytes() == b"new gift"
    assert not (out / "错误清单.xlsx").exists() and not (out / STAGING).exists()


def test_crash_before_commit_then_next_run_files_the_set(filed, monkeypatch):
    out = Path(filed.report_dir)
    before = snapshot(out)
    _store(Path(filed.sources.excel[0]), seed=8, bad_rows=False)

    def boom(src, dst):
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        run_sync(filed, NOW)
    monkeypatch.undo()
    # the failed run rolled its uncommitted set back itself: the folder is as before, no staging left
    assert snapshot(out) == before and not (out / STAGING).exists()
    res = run_sync(filed, NOW)
    assert not any("中断" in m for m in res.notices)  # nothing left for the next run to recover
    assert not (out / STAGING).exists() and not (out / "错误清单.xlsx").exists()
    assert [f.status for f in res.filings] == ["revised"] * N
