"""Adding a source kind is its module plus one line in `followup.sync.sources.registry.SOURCES`:
here a module written to a temporary folder (JSON files, one per store, sheet title → rows) and
the registry with one more line. The config names it under `[sources]`, its paths are resolved
against the config file's folder, `run_sync` files the reports from it — the same reports, cell
for cell, as from the same rows in an Excel workbook — and its 投诉 sheet reaches the weekly
record through the port like the customers and calls."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import openpyxl
import pytest

from followup.sync import NothingReadError, load_config, run_sync
from followup.sync.config import ConfigError
from followup.sync.deadline import report_kinds
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.demo.crm import add_crm_sheets
from followup.sync.sources import registry, sources_for
from followup.sync.sources.registry import SourceKind

NOW = dt.datetime(2026, 11, 23, 9, 30)
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]

MODULE = textwrap.dedent('''
    """Stores as JSON files (sheet title → rows of cells), one file per store."""
    import json
    from pathlib import Path

    from followup.sync.crm.sheets import parse_crm_sheets
    from followup.sync.model import ReadResult
    from followup.sync.validate import parse_workbook


    class JsonSource:
        name = "JSON"

        def __init__(self, folders, playbook):
            self.folders, self.playbook = folders, playbook

        @classmethod
        def from_config(cls, config):
            return cls(config.sources.items("jsonbooks"), config.playbook)

        def read(self, now):
            out = ReadResult()
            for folder in self.folders:
                for path in sorted(Path(folder).glob("*.json")):
                    sheets = json.loads(path.read_text(encoding="utf-8"))
                    local = None if now is None else now.replace(tzinfo=None)
                    out.extend(parse_workbook(sheets, str(path), self.playbook, local))
                    crm = parse_crm_sheets(sheets, str(path), self.playbook)
                    if crm.read.rows_read:
                        out.crm.append(crm)
            return out
''')


def _sheets() -> dict:
    sheets = store_sheets(
        "一店", 1, "2", n_customers=30, call_days=WEEK, calls_per_day=8, n_gifts=4, seed=11, bad_rows=False
    )
    return add_crm_sheets(sheets, "一店", 1)


def _cells(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path)
    return [(ws.title, *row) for ws in wb for row in ws.iter_rows(values_only=True)]


@pytest.fixture
def json_kind(tmp_path, monkeypatch) -> Path:
    """The new kind's module on sys.path and its one registry line; returns the config file."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "jsonbooks_source.py").write_text(MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "lib"))
    kind = SourceKind("jsonbooks", "jsonbooks_source:JsonSource", paths=("jsonbooks",))
    monkeypatch.setattr(registry, "SOURCES", (*registry.SOURCES, kind))
    stores = tmp_path / "cfg" / "json"
    stores.mkdir(parents=True)
    (stores / "一店.json").write_text(json.dumps(_sheets(), ensure_ascii=False, default=str), encoding="utf-8")
    config = tmp_path / "cfg" / "followup.toml"
    config.write_text('[sources]\njsonbooks = "json"\n', encoding="utf-8")
    return config


def test_a_source_kind_added_to_the_registry_is_read_and_filed(json_kind, tmp_path):
    config = load_config(json_kind)
    assert config.sources.items("jsonbooks") == [str(json_kind.parent / "json")]  # resolved, listified
    (source,) = sources_for(config)
    assert type(source).__name__ == "JsonSource"
    result = run_sync(config.model_copy(update={"report_dir": tmp_path / "out"}), NOW)
    assert [s.store for s in result.read.stores] == ["一店"] and result.exit_code == 0
    assert result.open_complaints is not None and len(result.open_complaints)  # 投诉 through the port

    xlsx = tmp_path / "excel" / "一店.xlsx"
    write_store_workbook(xlsx, _sheets())
    excel = run_sync(load_config(_excel_config(tmp_path, xlsx)), NOW)
    for kind in report_kinds():
        assert result.paths[kind].name == excel.paths[kind].name
        got, want = _cells(result.paths[kind]), _cells(excel.paths[kind])
        assert len(got) > 10 and got == want, kind


def _excel_config(tmp_path: Path, xlsx: Path) -> Path:
    p = tmp_path / "excel.toml"
    p.write_text(f'report_dir = "{tmp_path / "excel-out"}"\n[sources]\nexcel = ["{xlsx}"]\n', encoding="utf-8")
    return p


def test_a_run_that_read_nothing_names_what_the_new_kind_looked_at(json_kind, tmp_path):
    for f in (json_kind.parent / "json").glob("*.json"):
        f.unlink()
    config = load_config(json_kind).model_copy(update={"report_dir": tmp_path / "out"})
    with pytest.raises(NothingReadError) as e:
        run_sync(config, NOW)
    assert str(json_kind.parent / "json") in str(e.value)


def test_an_unregistered_source_key_is_still_an_unknown_key(json_kind):
    json_kind.write_text('[sources]\njsonbook = "json"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="jsonbook"):
        load_config(json_kind)
    json_kind.write_text('[sources]\nmore = { other = ["x"] }\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="other"):
        load_config(json_kind)
