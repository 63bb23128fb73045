"""Adding a report is its naming rule in the engine (`udfs.calendar.REPORT_KINDS`), one line in
the report table (`followup.sync.reports.specs.REPORTS`) and its fill module. Here a fourth
report, the week's store visits, is added that way (a module in a temporary folder, the two
tables with one more entry) and a real sync files it with the other three: named by the
engine, filed in the year folder as one set, recorded in the ledger with its deadline, shown in
the progress, accepted by `check-name` and `excuse --report`, and recognised when a damaged
ledger is rebuilt from the report files."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import openpyxl
import pytest

from followup.sync import run_sync
from followup.sync.cli import main
from followup.sync.cli.output import _step_label
from followup.sync.config import Config
from followup.sync.deadline import TZ, report_kinds
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.reports import LEDGER_NAME, Ledger, specs
from followup.sync.reports.specs import ReportSpec
from followup.udfs import calendar
from followup.udfs.names import check_report_name

NOW = dt.datetime(2026, 11, 23, 9, 30)
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
NAME = "11月第3周到店回访记录单.xlsx"

MODULE = textwrap.dedent('''
    """The week's successful calls per store, one sheet."""
    from followup.sync.reports.i18n import heads
    from followup.sync.reports.xlsx_out import SheetWriter

    KEYS = ["store", "customer_id", "outcome"]


    def fill_visits(wb, f, ctx):
        sw = SheetWriter(wb, "到店", f)
        sw.title(f"{ctx.label}到店回访记录单")
        sw.frame(ctx.week.reindex(columns=KEYS), heads(KEYS, ctx.lang))
        sw.finish()
''')


@pytest.fixture
def visits(tmp_path, monkeypatch):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "visits_report.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    rule = {
        "name": "{M}月第{W}周到店回访记录单.xlsx",
        "period": "week",
        "aliases": ("visits", "到店", "到店回访"),
        "keywords": ("到店",),
    }
    monkeypatch.setitem(calendar.REPORT_KINDS, "visits", rule)
    line = ReportSpec(
        "visits",
        "visits_report:fill_visits",
        ("{label}到店回访记录单", "Store visits, {label}"),
        ("归档到店回访记录单", "filing the visits record"),
    )
    monkeypatch.setattr(specs, "REPORTS", (*specs.REPORTS, line))
    stores = tmp_path / "stores"
    sheets = store_sheets(
        "一店", 1, "2", n_customers=20, call_days=WEEK, calls_per_day=6, n_gifts=3, seed=5, bad_rows=False
    )
    write_store_workbook(stores / "一店.xlsx", sheets)
    return Config.default(sources=[stores], out=tmp_path / "reports")


def test_a_fourth_report_in_the_table_is_filed_with_the_others(visits):
    steps: list[str] = []
    result = run_sync(visits, NOW, progress=lambda step, i, n, detail="": steps.append(step), who="小刘")
    assert report_kinds() == ("weekly", "gift", "visits", "monthly")  # late excerpts last
    assert [s for s in steps if s != "read_file"] == [
        "read",
        "compute",
        "weekly",
        "gift",
        "visits",
        "monthly",
        "ledger",
        "done",
    ]
    assert steps.count("read_file") == 2  # the source's own progress: started, one workbook read
    path = result.paths["visits"]
    assert path == Path(visits.report_dir) / "2026" / NAME and path.is_file()
    ws = openpyxl.load_workbook(path)["到店"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "11月第3周到店回访记录单" in cells and "一店" in cells
    (row,) = [r for r in Ledger(Path(visits.report_dir) / LEDGER_NAME).rows if r.report == NAME]
    assert row.period == "11月第3周" and row.deadline == dt.datetime(2026, 11, 23, 12, 0, tzinfo=TZ)
    status = result.status("visits")
    assert status.report == NAME and not status.late
    assert _step_label("visits") == ("归档到店回访记录单", "filing the visits record")  # the console's label
    assert check_report_name(NAME).ok
    assert check_report_name("11月第3周到店记录单.xlsx").expected == NAME  # the keyword guess knows it


def test_a_rebuilt_ledger_recognises_the_fourth_report(visits):
    run_sync(visits, NOW, who="小刘")
    out = Path(visits.report_dir)
    (out / LEDGER_NAME).write_text("not a workbook", encoding="utf-8")
    filed_at = NOW.replace(tzinfo=TZ).timestamp()
    for p in (out / "2026").glob("*.xlsx"):
        os.utime(p, (filed_at, filed_at))
    result = run_sync(visits, NOW + dt.timedelta(minutes=5), who="小刘")
    assert {f.report: f.status for f in result.filings}[NAME] == "unchanged"  # not "new"
    assert [f.status for f in result.filings] == ["unchanged"] * 4


def test_excuse_accepts_the_fourth_report(visits, capsys):
    code = main(
        [
            "excuse",
            "--report",
            "visits",
            "--reason",
            "系统故障",
            "--out",
            str(visits.report_dir),
            "--now",
            NOW.isoformat(),
        ]
    )
    assert code == 0, capsys.readouterr()
    code = main(["excuse", "--report", "visitz", "--reason", "x", "--out", str(visits.report_dir)])
    assert code == 2 and "visits" in capsys.readouterr().err
