"""`followup gsheets init`, Drive filing, and the full run_sync with Google Sheets as a source."""
from __future__ import annotations

import pytest
from google.oauth2.credentials import Credentials

from fakes.gsheets_data import NOW, store_book
from fakes.gsheets_server import FakeGoogle
from followup.sync.gsheets import connector
from followup.sync.gsheets.client import make_client
from followup.sync.gsheets.drive import upload_report
from followup.sync.gsheets.template import create_template
from followup.sync.gsheets.throttle import TokenBucket
from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


def client(g):
    t = [0.0]
    return make_client(credentials=Credentials(token=FakeGoogle.ME), base_url=g.url, sleep=lambda s: None,
                       bucket=TokenBucket(clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s)))


def test_init_creates_the_layout(google):
    made = create_template(client(google), "新店回访")
    assert google.count() == 3
    ss = google.spreadsheets[made["id"]]
    assert [s.title for s in ss.sheets] == ["客户", "回访记录", "礼品", "配额", "设置"]
    assert google.grid(made["id"], "客户")[0] == list(CUSTOMER_COLUMNS.values()) + list(COMPUTED_COLUMNS.values())
    assert all(s.props["gridProperties"]["frozenRowCount"] == 1 for s in ss.sheets)
    kinds = [next(iter(r)) for r in ss.requests_applied]
    assert {"setDataValidation", "addConditionalFormatRule", "addProtectedRange", "repeatCell"} <= set(kinds)
    (prot,) = [r["addProtectedRange"]["protectedRange"] for r in ss.requests_applied if "addProtectedRange" in r]
    assert prot["warningOnly"] is True
    assert prot["range"]["endColumnIndex"] - prot["range"]["startColumnIndex"] == len(COMPUTED_COLUMNS)
    outcome_rule = [r["setDataValidation"] for r in ss.requests_applied if "setDataValidation" in r
                    and any(v["userEnteredValue"] == "无人接听" for v in r["setDataValidation"]["rule"]["condition"]["values"])]
    assert outcome_rule and outcome_rule[0]["rule"]["strict"]


def test_upload_replaces_the_same_name_file(google, tmp_path):
    c = client(google)
    report = tmp_path / "11月第3周客户回访记录单.xlsx"
    report.write_bytes(b"PK\x03\x04 first")
    first = upload_report(c, report, "folder1")
    report.write_bytes(b"PK\x03\x04 second")
    second = upload_report(c, report, "folder1")
    other = upload_report(c, report, "folder2")
    assert not first["replaced"] and second["replaced"] and first["id"] == second["id"] != other["id"]
    f = google.files[first["id"]]
    assert f.name == "11月第3周客户回访记录单.xlsx" and f.content == b"PK\x03\x04 second"
    assert sum(1 for x in google.files.values() if x.parents == ["folder1"]) == 1


def test_run_sync_with_google_sheets(google, tmp_path, monkeypatch):
    from followup.sync.config import Config
    from followup.sync.config_models import Sources
    from followup.sync.pipeline import SOURCE_READERS, run_sync

    keys = [google.add_spreadsheet("一号店回访", store_book(0, seed=1), key="k1aaaaaaaaaaaaaaaaaaaa"),
            google.add_spreadsheet("二号店回访", store_book(1, seed=2), key="k2bbbbbbbbbbbbbbbbbbbb")]
    monkeypatch.setattr(connector, "CLIENT_FACTORY", [lambda config: client(google)])
    monkeypatch.setattr("followup.sync.pipeline.SOURCE_READERS", list(SOURCE_READERS))
    monkeypatch.setattr("followup.sync.pipeline.RESULT_WRITERS", [])
    wrote = []
    monkeypatch.setattr(connector, "write_back", _recording(connector.write_back, wrote))
    connector.install()
    cfg = Config(sources=Sources(gsheets=keys), report_dir=tmp_path / "reports")
    result = run_sync(cfg, NOW)   # reads, computes, writes the computed columns back, files the reports
    assert {s.store for s in result.read.stores} == {"1号店", "2号店"}
    assert result.paths["weekly"].exists()
    assert set(wrote[0].spreadsheets_written) == {"一号店回访", "二号店回访"} and wrote[0].rows_written >= 60
    state = list((tmp_path / "state" / "followup").glob("*.json"))
    assert len(state) == 1 and state[0].stat().st_mode & 0o077 == 0
    assert not list((tmp_path / "reports").glob(".followup-gsheets*")), "customer data never goes to the shared report folder"
    # the sync after a write re-reads each written spreadsheet once (its own write is never trusted
    # as the sheet's state) and writes nothing; the next week's: zero Sheets calls, same reports
    google.reset_counts()
    run_sync(cfg, NOW)
    assert google.count("sheets.get") == 2 and google.count() == 3 and wrote[-1].rows_written == 0
    google.reset_counts()
    result = run_sync(cfg, NOW)
    assert google.requests == [("GET", "drive.list", None)]
    assert {s.store for s in result.read.stores} == {"1号店", "2号店"}
    assert wrote[-1].rows_written == 0 and google.count() == 1


def _recording(fn, into: list):
    def wrapper(result, config):
        out = fn(result, config)
        into.append(out)
        return out
    return wrapper
