"""Sources as an explicit port: run_sync reads what it is given, nothing is wired at import time."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest
from fakes.gsheets_data import store_book, write_oauth_files
from fakes.gsheets_server import FakeGoogle

from followup.sync import NothingReadError, run_sync
from followup.sync.config import Config
from followup.sync.deadline import report_kinds
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.model import Rejection
from followup.sync.sources import FakeSource, Source, WritesBack, sources_for
from followup.sync.sources.excel import ExcelSource
from followup.sync.sources.gsheets.connector import GoogleSheetsSource
from followup.sync.validate import parse_workbook

NOW = dt.datetime(2026, 11, 23, 9, 30)
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
REPORTS = report_kinds()


def _sheets():
    return store_sheets(
        "一店", 1, "2", n_customers=40, call_days=WEEK, calls_per_day=12, n_gifts=6, seed=7, bad_rows=False
    )


def _cells(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [(ws.title, *row) for ws in wb for row in ws.iter_rows(values_only=True)]


def test_run_sync_files_the_reports_of_a_fake_source(tmp_path):
    """The same rows through a FakeSource and through a real workbook: the same reports, cell for cell."""
    src = tmp_path / "stores" / "一店.xlsx"
    write_store_workbook(src, _sheets())
    fake = FakeSource(parse_workbook(_sheets(), str(src), now=NOW))
    result = run_sync(Config.default(out=tmp_path / "fake"), NOW, sources=[fake])
    assert [now.replace(tzinfo=None) for now in fake.reads] == [NOW] and fake.reads[0].tzinfo is not None
    assert [s.store for s in result.read.stores] == ["一店"] and result.exit_code == 0
    assert fake.written == [] and not hasattr(fake, "write_back")  # a read-only source
    real = run_sync(Config.default(sources=[src.parent], out=tmp_path / "real"), NOW)
    for kind in REPORTS:
        assert result.paths[kind].name == real.paths[kind].name
        cells = _cells(result.paths[kind])
        assert len(cells) > 10 and cells == _cells(real.paths[kind]), kind
    weekly = "\n".join(str(c) for row in _cells(result.paths["weekly"]) for c in row if c is not None)
    assert "一店" in weekly


def test_a_write_back_source_gets_the_computed_tables_and_its_problems_are_filed(tmp_path):
    problem = Rejection("回访表", "客户", 3, "下次回访", None, "写不回去 (could not write back)")
    store = parse_workbook(_sheets(), "一店.xlsx", now=NOW).stores[0]
    fake = FakeSource(store, name="回访表", write_back=[problem])
    assert isinstance(fake, Source) and isinstance(fake, WritesBack)
    result = run_sync(Config.default(out=tmp_path / "reports"), NOW, sources=[fake])
    (seen,) = fake.written
    assert seen is result and set(seen.tables) == {"一店"} and len(seen.tables["一店"]) == len(store.customers)
    assert problem in result.rejections and result.exit_code == 1
    errors = _cells(result.paths["errors"])
    assert any("写不回去" in str(c) for row in errors for c in row)
    # rows read = rows used for a StoreData given as is (nothing rejected while reading)
    assert result.read.rows_read[("一店.xlsx", "客户")] == len(store.customers)


def test_a_fake_source_with_nothing_usable_files_nothing(tmp_path):
    fake = FakeSource(name="空的源", write_back=[])
    with pytest.raises(NothingReadError, match="空的源"):
        run_sync(Config.default(out=tmp_path / "reports"), NOW, sources=[fake])
    assert fake.written == [] and not list((tmp_path / "reports").glob("**/*.xlsx"))


def test_sources_for_builds_what_the_config_names(tmp_path):
    assert sources_for(Config.default(out=tmp_path)) == []
    (excel,) = sources_for(Config.default(sources=[tmp_path / "stores"], out=tmp_path))
    assert isinstance(excel, ExcelSource) and isinstance(excel, Source) and not isinstance(excel, WritesBack)
    cfg = Config.model_validate({"sources": {"excel": [str(tmp_path)], "gsheets": ["k1aaaaaaaaaaaaaaaaaaaa"]}})
    excel, sheets = sources_for(cfg)
    assert isinstance(sheets, GoogleSheetsSource) and isinstance(sheets, WritesBack)
    assert sheets.keys == ["k1aaaaaaaaaaaaaaaaaaaa"]


def test_google_sheets_without_credentials_is_a_rejection_and_the_run_reads_nothing(tmp_path):
    cfg = Config.model_validate({"sources": {"gsheets": ["k1aaaaaaaaaaaaaaaaaaaa"]}, "report_dir": str(tmp_path)})
    with pytest.raises(NothingReadError) as e:
        run_sync(cfg, NOW)  # no sources given: sources_for(cfg), whose client needs a key file
    assert "sources.service_account" in str(e.value)


LIBRARY_CALLER = textwrap.dedent("""
    import datetime as dt, json, sys
    from followup.sync.config import load_config
    from followup.sync import run_sync

    result = run_sync(load_config(sys.argv[1]), dt.datetime(2026, 11, 23, 9, 30))
    print(json.dumps({"stores": sorted(s.store for s in result.read.stores),
                      "weekly": result.paths["weekly"].is_file(),
                      "modules": sorted(m for m in sys.modules if m.startswith("followup."))}))
""")


def test_a_library_caller_reads_google_sheets_with_nothing_installed(tmp_path):
    """A fresh interpreter imports only the pipeline and the config loader (never the CLI or a
    plug-in) and calls run_sync(config, now): the configured spreadsheets are read."""
    with FakeGoogle() as google:
        keys = [
            google.add_spreadsheet("一号店回访", store_book(0, seed=1), key="k1aaaaaaaaaaaaaaaaaaaa"),
            google.add_spreadsheet("二号店回访", store_book(1, seed=2), key="k2bbbbbbbbbbbbbbbbbbbb"),
        ]
        write_oauth_files(tmp_path, FakeGoogle.USER)  # FOLLOWUP_STATE_DIR: this test's own folder (conftest)
        cfg = tmp_path / "followup.toml"
        cfg.write_text(
            f'report_dir = "reports"\n[sources]\nauth = "oauth"\noauth_client = "client_secret.json"\n'
            f"gsheets = {json.dumps(keys)}\n",
            encoding="utf-8",
        )
        env = {**os.environ, "FOLLOWUP_GOOGLE_API_URL": google.url}
        proc = subprocess.run(
            [sys.executable, "-c", LIBRARY_CALLER, str(cfg)], capture_output=True, text=True, env=env, timeout=300
        )
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["stores"] == ["1号店", "2号店"] and out["weekly"]
        assert google.count("sheets.batchUpdate") == 2  # each spreadsheet's plan written back, one request each
    assert not [m for m in out["modules"] if m.startswith("followup.sync.cli") or m.endswith(".cli")]
    assert "followup.sync.sources.gsheets.connector" in out["modules"]


def test_importing_the_cli_wires_nothing():
    """Importing the entry point loads no plug-in and no source; main() loads the plug-ins."""
    code = textwrap.dedent("""
        import json, sys
        import followup.sync.cli as cli
        before = [m for m in cli.PLUGINS if m in sys.modules]
        assert cli.main(["--help"]) == 0
        after = [m for m in cli.PLUGINS if m in sys.modules]
        print(json.dumps([before, after]), file=sys.stderr)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    before, after = json.loads(proc.stderr.strip().splitlines()[-1])
    assert before == []  # importing the CLI loaded no plug-in
    assert "followup.sync.cli.gsheets" in after and "followup.templates.cli" in after and "gsheets" in proc.stdout
