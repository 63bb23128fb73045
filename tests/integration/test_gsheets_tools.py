"""`followup gsheets init`, Drive filing, and the full run_sync with Google Sheets as a source."""

from __future__ import annotations

import pytest
from fakes.gsheets_data import NOW, fake_client, port, store_book, sync_once
from fakes.gsheets_server import FakeGoogle, Fault

from followup.sync.sources.gsheets import PLAN_TAB, GSheetsAccessError, GSheetsError, GSheetsRequestError
from followup.sync.sources.gsheets.drive import upload_report
from followup.sync.sources.gsheets.plan import PLAN_HEADERS, lookup_formula
from followup.sync.sources.gsheets.template import create_template
from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


def client(g, token: str = FakeGoogle.ME):
    return fake_client(g, token)


def _check_layout(google, key):
    ss = google.spreadsheets[key]
    assert [s.title for s in ss.sheets] == ["客户", "回访记录", "礼品", "配额", "设置", PLAN_TAB]
    # typed: the customer columns; the computed headers come from the lookup formula
    assert [v for v in google.grid(key, "客户")[0] if v != ""] == list(CUSTOMER_COLUMNS.values())
    assert ss.formulas == {("客户", 0, len(CUSTOMER_COLUMNS)): lookup_formula(0, 0)}
    assert google.view(key, "客户")[0] == list(CUSTOMER_COLUMNS.values()) + list(COMPUTED_COLUMNS.values())
    assert google.grid(key, PLAN_TAB) == [PLAN_HEADERS]
    assert all(s.props["gridProperties"]["frozenRowCount"] == 1 for s in ss.sheets)
    kinds = [next(iter(r)) for r in ss.requests_applied]
    assert {"setDataValidation", "addConditionalFormatRule", "addProtectedRange", "repeatCell"} <= set(kinds)
    prot, plan = [r["addProtectedRange"]["protectedRange"] for r in ss.requests_applied if "addProtectedRange" in r]
    assert prot["warningOnly"] is True and plan["warningOnly"] is True
    assert prot["range"]["endColumnIndex"] - prot["range"]["startColumnIndex"] == len(COMPUTED_COLUMNS)
    assert plan["range"] == {"sheetId": ss.sheet(PLAN_TAB).sheet_id}
    outcome_rule = [
        r["setDataValidation"]
        for r in ss.requests_applied
        if "setDataValidation" in r
        and any(v["userEnteredValue"] == "无人接听" for v in r["setDataValidation"]["rule"]["condition"]["values"])
    ]
    assert outcome_rule and outcome_rule[0]["rule"]["strict"]


def test_init_creates_the_layout_as_an_oauth_user(google):
    made = create_template(client(google, FakeGoogle.USER), "新店回访")
    assert google.count() == 3 and google.count("sheets.create") == 1
    _check_layout(google, made["id"])
    assert google.spreadsheets[made["id"]].owner == FakeGoogle.OWNER_EMAIL


def test_init_in_a_shared_drive_folder_as_the_service_account(google):
    drive = google.add_shared_drive()
    made = create_template(client(google), "新店回访", folder=drive)
    assert google.count() == 3 and google.count("drive.create") == 1 and google.count("sheets.create") == 0
    _check_layout(google, made["id"])
    assert google.spreadsheets[made["id"]].parents == [drive]


def test_init_as_the_service_account_in_my_drive_says_what_to_do(google):
    with pytest.raises(GSheetsAccessError) as e:
        create_template(client(google), "新店回访")
    msg = str(e.value)
    assert "storageQuotaExceeded" in msg and "shared drive" in msg and 'sources.auth = "oauth"' in msg
    assert "share the sheet" not in msg and not google.spreadsheets


def test_init_share_makes_the_sheet_listable_for_the_named_user(google, tmp_path):
    drive = google.add_shared_drive()  # the agent is not a member
    private = create_template(client(google), "不共享", folder=drive)
    assert private["id"] not in google.visible_to(FakeGoogle.AGENT)
    made = create_template(client(google), "一号店回访", folder=drive, share_with=[FakeGoogle.AGENT_EMAIL])
    assert made["requests"] == 4 and google.count("drive.permissions.create") == 1
    assert google.notified == [(FakeGoogle.AGENT_EMAIL, made["id"])]
    # the agent's own listing (all drives, as the sync lists) now has it; the private one stays hidden
    src = port(google, [made["id"]], tmp_path, client=client(google, FakeGoogle.AGENT))
    read = src.read(NOW)
    listed = src.reader.list_changes()
    assert made["id"] in listed and private["id"] not in listed
    assert not [r for r in read.rejections if r.fatal and not r.row]


def test_init_share_as_reader_cannot_write(google):
    drive = google.add_shared_drive()
    made = create_template(
        client(google), "只读", folder=drive, share_with=[FakeGoogle.AGENT_EMAIL], role="reader", notify=False
    )
    assert google.notified == [] and google.spreadsheets[made["id"]].acl[FakeGoogle.AGENT_EMAIL] == "reader"
    agent = client(google, FakeGoogle.AGENT)
    agent.http_client.values_batch_get(made["id"], ["'客户'"])  # can read
    with pytest.raises(GSheetsAccessError):
        agent.http_client.values_batch_update(
            made["id"], {"valueInputOption": "RAW", "data": [{"range": "'客户'!A2", "values": [["x"]]}]}
        )


def test_upload_first_filing_into_a_shared_drive_folder_then_replace(google, tmp_path):
    drive = google.add_shared_drive()
    google.add_folder("reports-2026", drive=drive)
    c = client(google)
    report = tmp_path / "11月第3周客户回访记录单.xlsx"
    report.write_bytes(b"PK\x03\x04 first")
    first = upload_report(c, report, "reports-2026")  # the first filing of the period: a create
    report.write_bytes(b"PK\x03\x04 second")
    second = upload_report(c, report, "reports-2026")
    other = upload_report(c, report, drive)
    assert not first["replaced"] and second["replaced"] and first["id"] == second["id"] != other["id"]
    f = google.files[first["id"]]
    assert f.name == "11月第3周客户回访记录单.xlsx" and f.content == b"PK\x03\x04 second"
    assert sum(1 for x in google.files.values() if x.parents == ["reports-2026"]) == 1
    assert google.count("drive.list") == 3 and google.count("drive.create") == 2 and google.count("drive.update") == 1


def test_upload_as_the_service_account_into_my_drive_fails_with_the_fix(google, tmp_path):
    google.add_folder("my-drive-folder", shared_with={FakeGoogle.SA_EMAIL: "writer"})
    report = tmp_path / "11月第3周客户回访记录单.xlsx"
    report.write_bytes(b"PK\x03\x04")
    with pytest.raises(GSheetsAccessError) as e:
        upload_report(client(google), report, "my-drive-folder")
    msg = str(e.value)
    assert "HTTP 403" in msg and "storageQuotaExceeded" in msg and "shared drive" in msg and "oauth" in msg
    assert "share the sheet" not in msg and not google.files
    # the same folder with the person's own OAuth sign-in: filed, owned by them; the service account
    # may then update that file in place (updating needs no quota)
    first = upload_report(client(google, FakeGoogle.USER), report, "my-drive-folder")
    assert google.files[first["id"]].owner == FakeGoogle.OWNER_EMAIL
    again = upload_report(client(google), report, "my-drive-folder")
    assert again["replaced"] and again["id"] == first["id"]


def test_upload_into_an_unknown_folder_is_not_found(google, tmp_path):
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"PK")
    with pytest.raises(GSheetsAccessError) as e:
        upload_report(client(google, FakeGoogle.USER), report, "nope")
    assert "HTTP 404" in str(e.value)


def test_run_sync_with_google_sheets(google, tmp_path):
    from followup.sync import run_sync
    from followup.sync.config import Config
    from followup.sync.config.sections import Sources
    from followup.sync.sources import sources_for

    keys = [
        google.add_spreadsheet("一号店回访", store_book(0, seed=1), key="k1aaaaaaaaaaaaaaaaaaaa"),
        google.add_spreadsheet("二号店回访", store_book(1, seed=2), key="k2bbbbbbbbbbbbbbbbbbbb"),
    ]
    cfg = Config(sources=Sources(gsheets=keys), report_dir=tmp_path / "reports")
    told: list[tuple] = []
    progress = lambda step, i, n, detail="": told.append((step, i, n, detail))  # noqa: E731
    (sheets,) = sources_for(cfg, gsheets_client=lambda config: client(google), progress=progress)
    wrote = sheets.writes
    result = run_sync(
        cfg, NOW, sources=[sheets]
    )  # reads, computes, writes the computed columns back, files the reports
    assert {s.store for s in result.read.stores} == {"1号店", "2号店"}
    assert [t[:3] for t in told] == [("read_sheet", 1, 2), ("read_sheet", 2, 2)]  # the run's one progress channel
    assert {t[3] for t in told} == {"一号店回访: 已读取 (read)", "二号店回访: 已读取 (read)"}
    assert result.paths["weekly"].exists()
    assert set(wrote[0].spreadsheets_written) == {"一号店回访", "二号店回访"} and wrote[0].rows_written >= 60
    assert google.count() == 1 + 2 * 2  # the listing; per spreadsheet one read, one write
    state = list((tmp_path / "state" / "followup").glob("*.json"))
    assert len(state) == 1 and state[0].stat().st_mode & 0o077 == 0
    assert not list((tmp_path / "reports").glob(".followup-gsheets*")), (
        "customer data never goes to the shared report folder"
    )
    # the sync after a write re-reads each written spreadsheet once (its own write is never trusted
    # as the sheet's state) and writes nothing; the next week's: zero Sheets calls, same reports
    google.reset_counts()
    told.clear()
    run_sync(cfg, NOW, sources=[sheets])
    assert [t[:3] for t in told] == [("read_sheet", 1, 2), ("read_sheet", 2, 2)]  # counted per read
    assert google.count("sheets.get") == 2 and google.count() == 3 and wrote[-1].rows_written == 0
    google.reset_counts()
    (again,) = sources_for(cfg, gsheets_client=lambda config: client(google))  # state is per user, not per object
    result = run_sync(cfg, NOW, sources=[again])
    assert google.requests == [("GET", "drive.list", None)]
    assert {s.store for s in result.read.stores} == {"1号店", "2号店"}
    assert again.writes[-1].rows_written == 0 and google.count() == 1


def test_a_sheet_made_by_init_is_synced_in_two_requests(google, tmp_path):
    """`init`'s sheet, filled by agents: the first sync writes the plan tab it made (no placement,
    no conversion) and 客户 shows each row's plan."""
    made = create_template(client(google, FakeGoogle.USER), "新店回访", share_with=[FakeGoogle.SA_EMAIL])
    book = store_book(0, n_customers=6, computed=False)
    google.agent_edit(made["id"], "客户", lambda rows: rows.extend(book["客户"][1:]))
    for tab in ("回访记录", "礼品"):
        google.agent_edit(made["id"], tab, lambda rows, t=tab: rows.extend(book[t][1:]))
    google.agent_edit(made["id"], "设置", lambda rows: rows[1].__setitem__(1, "1号店"))
    google.reset_counts()
    src = port(google, [made["id"]], tmp_path)
    read, wrote = sync_once(src)
    assert len(read.stores) == 1 and google.count(key=made["id"]) == 2
    assert [s.title for s in google.spreadsheets[made["id"]].sheets][-1] == PLAN_TAB
    view = google.view(made["id"], "客户")
    plan = {r[0]: r[1:] for r in google.grid(made["id"], PLAN_TAB)[1:]}
    first = len(CUSTOMER_COLUMNS)
    assert len(plan) == 6 and all(r[first : first + 8] == plan[r[0]] for r in view[1:])


@pytest.mark.parametrize(
    "kind, body",
    [
        ("drive.list", b"[]"),
        ("drive.list", b"not json"),
        ("drive.list", b'{"files": [{"name": "x"}]}'),
        ("drive.create", b"{}"),
        ("drive.create", b"<html>"),
    ],
)
def test_upload_validates_every_answer(google, tmp_path, kind, body):
    drive = google.add_shared_drive()
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"PK")
    google.faults.append(Fault(body=body, kind=kind))
    with pytest.raises(GSheetsRequestError) as e:
        upload_report(client(google), report, drive)
    assert "r.xlsx" in str(e.value) and "Google" in str(e.value)


@pytest.mark.parametrize(
    "kind, body",
    [
        ("sheets.create", b"{}"),
        ("sheets.create", b"[]"),
        ("sheets.create", b'{"spreadsheetId": "x", "sheets": []}'),
        ("values:batchUpdate", b"oops"),
        ("sheets.batchUpdate", b"{}"),
        ("drive.permissions.create", b"{}"),
    ],
)
def test_init_validates_every_answer(google, kind, body):
    google.faults.append(Fault(body=body, kind=kind))
    with pytest.raises(GSheetsError) as e:
        create_template(client(google, FakeGoogle.USER), "新店回访", share_with=[FakeGoogle.AGENT_EMAIL])
    assert "新店回访" in str(e.value) or "Drive" in str(e.value)
