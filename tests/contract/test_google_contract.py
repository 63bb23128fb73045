"""The loopback fake answers like Google: for the requests followup sends, its responses have the
keys and JSON types of Google's real ones (fixtures/google_shapes.json, written from Google's API
reference and gspread's recorded cassettes). Raw HTTP with `requests`, no gspread in between."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from fakes.gsheets_data import store_book
from fakes.gsheets_server import FakeGoogle, Fault

SHAPES = json.loads((Path(__file__).parent / "fixtures" / "google_shapes.json").read_text(encoding="utf-8"))
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
TYPES = {"string": str, "boolean": bool, "object": dict, "any": object, "integer": int, "number": (int, float)}


def conforms(value, shape, where="$") -> list[str]:
    """Every way `value` differs from `shape` (empty list: it fits)."""
    if isinstance(shape, str):
        if shape == "rfc3339":
            return [] if isinstance(value, str) and RFC3339.match(value) else [f"{where}: not RFC 3339: {value!r}"]
        want = TYPES[shape]
        ok = isinstance(value, want) and not (shape in ("integer", "number") and isinstance(value, bool))
        return [] if ok else [f"{where}: {type(value).__name__} is not {shape}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: not an array"]
        return [p for i, v in enumerate(value) for p in conforms(v, shape[0], f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: not an object"]
    problems, known = [], set()
    for key, sub in shape.items():
        if key == "$exact":
            continue
        name = key.rstrip("?")
        known.add(name)
        if name not in value:
            if not key.endswith("?"):
                problems.append(f"{where}.{name}: missing")
            continue
        problems += conforms(value[name], sub, f"{where}.{name}")
    if shape.get("$exact"):
        problems += [f"{where}.{k}: not asked for" for k in value if k not in known]
    return problems


@pytest.fixture(scope="module")
def google():
    with FakeGoogle() as g:
        g.drive = g.add_shared_drive()
        g.key = g.add_spreadsheet("一号店回访", store_book(0, n_customers=3), folder=g.drive)
        for i in range(3):
            g.add_spreadsheet(f"店{i}", {"客户": [["客户编号"]]})
        yield g


def call(g, method, path, token=FakeGoogle.ME, headers=None, **kw):
    return requests.request(
        method, g.url + path, headers={"Authorization": f"Bearer {token}", **(headers or {})}, timeout=10, **kw
    )


def check(resp, name, status=200):
    assert resp.status_code == status, resp.text
    problems = conforms(resp.json(), SHAPES[name])
    assert not problems, f"{name}: " + "; ".join(problems)
    return resp.json()


SAD = {"supportsAllDrives": "true"}
ALL = {"corpora": "allDrives", "includeItemsFromAllDrives": "true", **SAD}


def test_values_batch_get(google):
    body = check(
        call(
            google,
            "GET",
            f"/v4/spreadsheets/{google.key}/values:batchGet",
            params={
                "ranges": ["'客户'", "'客户'!A100:B200"],
                "valueRenderOption": "UNFORMATTED_VALUE",
                "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS",
            },
        ),
        "sheets.values.batchGet",
    )
    full, empty = body["valueRanges"]
    assert "values" in full and "values" not in empty  # Google omits `values` for an empty range
    head = full["values"][0]
    serial = full["values"][1][head.index("咨询日期")]
    assert isinstance(serial, int)  # UNFORMATTED + SERIAL_NUMBER: a whole-day date is a number
    assert all(row and row[-1] != "" for row in full["values"])  # trailing empty cells trimmed


def test_values_batch_update_and_batch_update(google):
    check(
        call(
            google,
            "POST",
            f"/v4/spreadsheets/{google.key}/values:batchUpdate",
            json={"valueInputOption": "RAW", "data": [{"range": "'客户'!V1", "values": [["x"]]}]},
        ),
        "sheets.values.batchUpdate",
    )
    check(
        call(
            google,
            "POST",
            f"/v4/spreadsheets/{google.key}:batchUpdate",
            json={
                "requests": [{"repeatCell": {"range": {"sheetId": 1000}, "cell": {}, "fields": "userEnteredFormat"}}]
            },
        ),
        "sheets.batchUpdate",
    )


def test_sheets_create_as_a_person(google):
    check(
        call(
            google,
            "POST",
            "/v4/spreadsheets",
            token=FakeGoogle.USER,
            json={"properties": {"title": "t"}, "sheets": [{"properties": {"title": "客户"}}]},
        ),
        "sheets.create",
    )


@pytest.mark.parametrize(
    "fields,name",
    [
        (
            "nextPageToken,files(id,name,modifiedTime,lastModifyingUser(me))",
            "drive.files.list(fields=nextPageToken,files(id,name,modifiedTime,lastModifyingUser(me)))",
        ),
        ("files(id,name)", "drive.files.list(fields=files(id,name))"),
        (None, "drive.files.list(default fields)"),
    ],
)
def test_drive_list_sends_only_the_fields_asked_for(google, fields, name):
    params = {"q": "mimeType='application/vnd.google-apps.spreadsheet' and trashed=false", "pageSize": 2, **ALL}
    if fields:
        params["fields"] = fields
    body = check(call(google, "GET", "/drive/v3/files", params=params), name)
    assert len(body["files"]) == 2
    if "nextPageToken" in SHAPES[name] or "nextPageToken?" in SHAPES[name]:
        nxt = check(call(google, "GET", "/drive/v3/files", params={**params, "pageToken": body["nextPageToken"]}), name)
        assert {f["id"] for f in nxt["files"]}.isdisjoint({f["id"] for f in body["files"]})


def test_drive_create_upload_and_share(google):
    made = check(
        call(
            google,
            "POST",
            "/drive/v3/files",
            params=SAD,
            json={"name": "n", "mimeType": "application/vnd.google-apps.spreadsheet", "parents": [google.drive]},
        ),
        "drive.files.create(default fields)",
    )
    check(
        call(
            google,
            "POST",
            "/drive/v3/files",
            params={**SAD, "fields": "id"},
            json={"name": "m", "mimeType": "application/vnd.google-apps.spreadsheet", "parents": [google.drive]},
        ),
        "drive.files.create(fields=id)",
    )
    boundary = "b0"
    body = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        + json.dumps({"name": "r.xlsx", "parents": [google.drive]})
        + f"\r\n--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\nPK\r\n--{boundary}--\r\n"
    ).encode()
    check(
        call(
            google,
            "POST",
            "/upload/drive/v3/files",
            params={"uploadType": "multipart", "fields": "id,name", **SAD},
            data=body,
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        ),
        "drive.upload(fields=id,name)",
    )
    check(
        call(
            google,
            "POST",
            f"/drive/v3/files/{made['id']}/permissions",
            params={**SAD, "sendNotificationEmail": "false"},
            json={"type": "user", "role": "writer", "emailAddress": FakeGoogle.AGENT_EMAIL},
        ),
        "drive.permissions.create(default fields)",
    )


def test_error_shapes(google):
    err = check(
        call(google, "GET", "/v4/spreadsheets/nosuchkey0000000000/values:batchGet", params={"ranges": "A1"}),
        "sheets.error",
        404,
    )
    assert err["error"]["status"] == "NOT_FOUND"
    google.faults.append(Fault(429, times=1, key=google.key, kind="values:batchGet"))
    resp = call(google, "GET", f"/v4/spreadsheets/{google.key}/values:batchGet", params={"ranges": "'客户'"})
    err = check(resp, "sheets.error.429", 429)
    assert resp.headers["Retry-After"].isdigit() and err["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert err["error"]["details"][0]["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    # a service account creating a file outside a shared drive
    err = check(
        call(google, "POST", "/drive/v3/files", params=SAD, json={"name": "x", "mimeType": "text/plain"}),
        "drive.error",
        403,
    )
    (item,) = err["error"]["errors"]
    assert item["reason"] == "storageQuotaExceeded" and item["domain"] == "usageLimits"
    # a shared-drive file asked for without supportsAllDrives: not found, with the parameter named
    err = check(
        call(
            google,
            "POST",
            f"/drive/v3/files/{google.key}/permissions",
            json={"type": "user", "role": "reader", "emailAddress": "x@example.com"},
        ),
        "drive.error",
        404,
    )
    assert err["error"]["errors"][0]["reason"] == "notFound" and err["error"]["errors"][0]["location"] == "fileId"


def test_listing_without_all_drives_misses_shared_drive_files(google):
    base = {"q": "trashed=false", "fields": "files(id,name)", "pageSize": 1000}
    user_corpus = call(google, "GET", "/drive/v3/files", params=base).json()["files"]
    all_drives = call(google, "GET", "/drive/v3/files", params={**base, **ALL}).json()["files"]
    assert google.key not in {f["id"] for f in user_corpus} and google.key in {f["id"] for f in all_drives}
    bad = call(google, "GET", "/drive/v3/files", params={**base, "includeItemsFromAllDrives": "true"})
    assert bad.status_code == 400


def test_the_checker_itself_catches_differences():
    shape = SHAPES["drive.files.list(fields=files(id,name))"]
    assert conforms({"files": [{"id": "a", "name": "b"}]}, shape) == []
    assert conforms({"files": [{"id": "a", "name": "b", "modifiedTime": "x"}]}, shape)  # a field not asked for
    assert conforms({"files": [{"id": 1, "name": "b"}]}, shape)  # wrong type
    assert conforms({}, shape)  # missing key


def _placed(google) -> str:
    """A spreadsheet the sync has written: the plan tab exists, 客户 holds the lookup formula."""
    from fakes.gsheets_data import port, sync_once

    key = google.add_spreadsheet("合约", store_book(1, n_customers=3))
    sync_once(port(google, [key], None))
    return key


def test_grid_data_with_formulas_and_errors(google):
    key = _placed(google)
    google.agent_type(key, "客户", 2, 15, "手填")  # blocks the array: #REF!
    body = check(
        call(google, "GET", f"/v4/spreadsheets/{key}", params={"includeGridData": "true"}),
        "sheets.get(includeGridData)",
    )
    cust = next(s for s in body["sheets"] if s["properties"]["title"] == "客户")
    anchor = cust["data"][0]["rowData"][0]["values"][13]
    assert anchor["userEnteredValue"]["formulaValue"].startswith("=ARRAYFORMULA(")
    assert anchor["effectiveValue"]["errorValue"]["type"] == "REF"
    assert "overwrite data in P3" in anchor["effectiveValue"]["errorValue"]["message"]


def test_batch_update_replies_and_all_or_nothing(google):
    key = _placed(google)
    cust = google.spreadsheets[key].sheet("客户").sheet_id
    formula = google.spreadsheets[key].sheet("客户").formulas[(0, 13)]
    body = check(
        call(
            google,
            "POST",
            f"/v4/spreadsheets/{key}:batchUpdate",
            json={
                "requests": [
                    {"addSheet": {"properties": {"sheetId": 77, "title": "新表"}}},
                    {"addProtectedRange": {"protectedRange": {"range": {"sheetId": 77}, "warningOnly": True}}},
                    {
                        "findReplace": {
                            "find": formula,
                            "replacement": formula,
                            "matchEntireCell": True,
                            "matchCase": True,
                            "includeFormulas": True,
                            "sheetId": cust,
                        }
                    },
                ]
            },
        ),
        "sheets.batchUpdate(replies)",
    )
    assert body["replies"][0]["addSheet"]["properties"]["sheetId"] == 77
    assert body["replies"][2]["findReplace"]["formulasChanged"] == 1
    # a request Google refuses fails the whole batch: nothing of it is applied
    before = [s.title for s in google.spreadsheets[key].sheets]
    err = check(
        call(
            google,
            "POST",
            f"/v4/spreadsheets/{key}:batchUpdate",
            json={
                "requests": [
                    {"addSheet": {"properties": {"title": "不会留下"}}},
                    {
                        "updateCells": {
                            "start": {"sheetId": 77, "rowIndex": 5000, "columnIndex": 0},
                            "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                            "fields": "userEnteredValue",
                        }
                    },
                ]
            },
        ),
        "sheets.error",
        400,
    )
    assert "exceeds grid limits" in err["error"]["message"] and err["error"]["status"] == "INVALID_ARGUMENT"
    assert [s.title for s in google.spreadsheets[key].sheets] == before


WRITES = [
    ("POST", ":batchUpdate", {"requests": [{"repeatCell": {"range": {"sheetId": 1000}, "cell": {}, "fields": "*"}}]}),
    ("POST", "/values:batchUpdate", {"valueInputOption": "RAW", "data": [{"range": "'客户'!A2", "values": [["x"]]}]}),
    (
        "POST",
        "/values:batchUpdateByDataFilter",
        {
            "valueInputOption": "RAW",
            "data": [{"dataFilter": {"developerMetadataLookup": {"metadataKey": "k"}}, "values": [["x"]]}],
        },
    ),
    ("PUT", "/values/'客户'!A2?valueInputOption=RAW", {"values": [["x"]]}),
]


@pytest.mark.parametrize("method, tail, body", WRITES)
def test_a_reader_is_refused_on_every_write_route(method, tail, body):
    with FakeGoogle() as g:
        key = g.add_spreadsheet("只读", store_book(0, n_customers=2), shared_with={FakeGoogle.SA_EMAIL: "reader"})
        before = g.grid(key, "客户")
        err = check(call(g, method, f"/v4/spreadsheets/{key}{tail}", json=body), "sheets.error", 403)
        assert err["error"]["status"] == "PERMISSION_DENIED" and g.grid(key, "客户") == before
        check(
            call(g, "GET", f"/v4/spreadsheets/{key}/values:batchGet", params={"ranges": "'客户'"}),
            "sheets.values.batchGet",
        )


def test_protected_range_and_metadata_lookups_are_refused_like_google(google):
    key = _placed(google)
    from followup.sync.sources.gsheets import PLAN_TAB

    google.protect(key, PLAN_TAB)
    plan = google.spreadsheets[key].sheet(PLAN_TAB).sheet_id
    write = {
        "requests": [
            {
                "updateCells": {
                    "start": {"sheetId": plan, "rowIndex": 1, "columnIndex": 1},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "x"}}]}],
                    "fields": "userEnteredValue",
                }
            }
        ]
    }
    err = check(call(google, "POST", f"/v4/spreadsheets/{key}:batchUpdate", json=write), "sheets.error", 403)
    assert "protected cell" in err["error"]["message"]
    check(
        call(google, "POST", f"/v4/spreadsheets/{key}:batchUpdate", token=FakeGoogle.USER, json=write),
        "sheets.batchUpdate",
    )
    # the reference: locationType "must be left unspecified when locationMatchingStrategy is EXACT"
    lookup = {
        "metadataKey": "followup.column",
        "locationType": "COLUMN",
        "locationMatchingStrategy": "EXACT_LOCATION",
        "metadataLocation": {
            "dimensionRange": {"sheetId": plan, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1}
        },
    }
    bad = {"requests": [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}]}
    err = check(call(google, "POST", f"/v4/spreadsheets/{key}:batchUpdate", json=bad), "sheets.error", 400)
    assert "locationType" in err["error"]["message"]


def test_a_429_without_retry_after(google):
    google.faults.append(Fault(429, times=1, key=google.key, kind="values:batchGet", retry_after=""))
    resp = call(google, "GET", f"/v4/spreadsheets/{google.key}/values:batchGet", params={"ranges": "'客户'"})
    check(resp, "sheets.error.429", 429)
    assert "Retry-After" not in resp.headers
