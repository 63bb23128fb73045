"""An excuse recorded before the deadline waives the late fine and shows in the ledger
(SPEC §3.7, 002 「必须提前说明」); cases in tests/golden_extra/excuses.csv, each citing its seed.
`followup excuse` runs as a real subprocess; the ledger is a real workbook read back."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from followup.sync.deadline import TZ, parse_week
from followup.sync.reports import LEDGER_NAME, Ledger
from followup.udfs.calendar import report_deadline, report_name

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows():
    with open(HERE / "excuses.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _excuse(out: Path, kind: str, week: str, at: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "followup.sync.cli",
            "excuse",
            "--report",
            kind,
            "--week",
            week,
            "--reason",
            "门店盘点,周一上午无法整理",
            "--out",
            str(out),
            "--now",
            at,
            "--who",
            "小刘",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=out.parent,
    )


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_excuse(tmp_path, row):
    assert row["seed"]
    out = tmp_path / "reports"
    thursday = parse_week(row["week"]) + dt.timedelta(days=3)
    if row["excuse_at"]:
        # the excuse names the weekly report in the gift case: it must not cover the gift record
        proc = _excuse(
            out, "weekly" if row["case"].endswith("cover_gift") else row["report"], row["week"], row["excuse_at"]
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
    elif row["case"].endswith("cover_gift"):
        assert _excuse(out, "weekly", row["week"], "2026-11-27T10:00").returncode == 0
    ledger = Ledger(out / LEDGER_NAME)
    filed = dt.datetime.fromisoformat(row["filed_at"]).replace(tzinfo=TZ)
    got = ledger.record(
        report_name(row["report"], thursday), "p", report_deadline(row["report"], thursday), "d", filed, "小刘"
    )
    assert got.penalty == float(row["penalty"]) and got.late
    assert row["note"] in got.note
    ledger.save()
    wb = openpyxl.load_workbook(out / LEDGER_NAME)
    assert ("提前说明" in wb.sheetnames) == bool(ledger.excuses)
    texts = [c.value for r in wb["提交记录"].iter_rows() for c in r if isinstance(c.value, str)]
    if row["note"]:
        assert any(row["note"] in t for t in texts)
    again = Ledger(out / LEDGER_NAME)  # read back: the excuse survives the round trip
    assert [e.report for e in again.excuses] == [e.report for e in ledger.excuses]


def test_an_excuse_typed_into_the_ledger_sheet_counts(tmp_path):
    ledger = Ledger(tmp_path / LEDGER_NAME)
    ledger.save()
    wb = openpyxl.load_workbook(tmp_path / LEDGER_NAME)
    name = report_name("weekly", dt.date(2026, 11, 26))
    ws = wb.create_sheet("提前说明")  # added by hand: 报告, 说明, 登记时间, 登记人
    ws.append(["报告", "说明", "登记时间", "登记人"])
    ws.append([name, "外出培训", dt.datetime(2026, 11, 29, 18, 0), "店长"])
    wb.save(tmp_path / LEDGER_NAME)
    ledger = Ledger(tmp_path / LEDGER_NAME)
    row = ledger.record(
        name,
        "p",
        report_deadline("weekly", dt.date(2026, 11, 26)),
        "d",
        dt.datetime(2026, 11, 30, 13, 0, tzinfo=TZ),
        "小刘",
    )
    assert (row.penalty, row.late) == (0, True) and "外出培训" in row.note


def test_an_excuse_counts_for_exactly_one_deadline(tmp_path):
    """SPEC §3.7 「Excuses count when recorded any time before the deadline」 (002 「必须提前说明」
    sets no limit): an excuse waives the first deadline of its report at or after it was recorded,
    however far ahead — and not the same-named report of the next year (names repeat yearly)."""
    ledger = Ledger(tmp_path / LEDGER_NAME)
    for kind, thursday in (
        ("weekly", dt.date(2026, 11, 19)),
        ("gift", dt.date(2026, 10, 29)),
        ("monthly", dt.date(2026, 3, 5)),
    ):
        name = report_name(kind, thursday)
        deadlines = []
        for year in (2025, 2026, 2027, 2028):
            days = [thursday.replace(year=year) + dt.timedelta(days=d) for d in (-7, 0, 7)]
            deadlines += sorted({report_deadline(kind, d) for d in days if report_name(kind, d) == name})
        assert len(deadlines) >= 2
        for deadline in deadlines:
            for ahead in (dt.timedelta(minutes=1), dt.timedelta(days=63), dt.timedelta(days=300)):
                ledger.excuses = []
                ledger.add_excuse(name, "年度盘点", deadline - ahead, "小刘")
                waived = [d for d in deadlines if ledger.excuse_for(name, d) is not None]
                assert waived == [deadline], (name, deadline, ahead, waived)
            ledger.excuses = []
            ledger.add_excuse(name, "年度盘点", deadline + dt.timedelta(minutes=1), "小刘")
            assert ledger.excuse_for(name, deadline) is None
