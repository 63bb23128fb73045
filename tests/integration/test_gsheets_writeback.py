"""Issue 16: the write-back never lands on the wrong row, against the loopback fake.

Every edit is made at the worst moment — after the write-time re-read, before the write — by
the fake's hooks. Each test counts overwritten agent cells (every cell outside the sync's own
columns, compared between the edit and the write) and wrong rows (a row whose computed cells
were computed for another customer, or differ from a fresh computation) after the next sync.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fakes.gsheets_data import NOW, store_book
from fakes.gsheets_server import FakeGoogle, Fault
from google.oauth2.credentials import Credentials
from gspread.utils import rowcol_to_a1

from followup.sync.sources.gsheets import RetryPolicy, TokenBucket, make_client
from followup.sync.sources.gsheets.cells import cell_text, to_cell
from followup.sync.sources.gsheets.http import CircuitBreaker
from followup.sync.sources.gsheets.layout import ECHO_HEADER
from followup.sync.sources.gsheets.source import GSheetsSource, default_compute
from followup.sync.sources.gsheets.state import SyncState
from followup.udfs.schema import COMPUTED_COLUMNS

TODAY = NOW.date()
HEAD = list(COMPUTED_COLUMNS.values())


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


def client(g, **kw):
    t = [0.0]
    bucket = TokenBucket(clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    return make_client(
        credentials=Credentials(token=FakeGoogle.ME), base_url=g.url, sleep=lambda s: None, bucket=bucket, **kw
    )


def sync(g, keys, state, today=TODAY, **kw):
    src = GSheetsSource(client(g, **kw), keys, state=state, now=NOW)
    read, wrote = src.sync(today)
    return src, read, wrote


def owned_cols(g, key):
    return {i for i, vals in g.metadata_at(key, "客户", "COLUMNS").items()}


def agent_cells(g, key):
    """Every cell of 客户 outside the sync's own (tagged) columns."""
    mine = owned_cols(g, key)
    return {
        (r, c): v
        for r, row in enumerate(g.grid(key, "客户"))
        for c, v in enumerate(row)
        if c not in mine and v not in ("", None)
    }


def owned_by_id(g, key) -> dict[str, list[str]]:
    """客户编号 → the row's computed cells and echo (as text), as the sheet stands now."""
    grid = g.grid(key, "客户")
    hi = next(i for i, r in enumerate(grid) if "客户编号" in r)
    head = grid[hi]
    cols = [head.index(h) for h in [*COMPUTED_COLUMNS.values(), ECHO_HEADER] if h in head]
    return {
        cell_text(r[head.index("客户编号")]).strip(): [cell_text(r[c]) if c < len(r) else "" for c in cols]
        for r in grid[hi + 1 :]
        if head.index("客户编号") < len(r)
    }


def wrong_rows(g, key, today, tmp_path, before: dict[str, list[str]] | None = None):
    """Customers whose row is wrong: a computed cell differs from a fresh read + compute of the
    sheet, or the echo 核对编号 is not the row's 客户编号. Each as (客户编号, state):
    - "flagged": the echo is another customer's id: the row's values were computed for that one;
      the sheet's conditional format strikes the row through (never trusted);
    - "untouched": echo = id and the cells are the row's own from before this write (`before`:
      `owned_by_id` then) — a row the write did not reach keeps what the last sync computed for it;
    - "unflagged": anything else — must never happen."""
    src = GSheetsSource(client(g), [key], state=None, now=NOW)
    src.read()
    book = src.books[key]
    table = default_compute()(book.store, today)
    want = {str(r["customer_id"]): r for r in table.to_dict("records")}
    grid = g.grid(key, "客户")
    hi = next(i for i, r in enumerate(grid) if "客户编号" in r)
    head = grid[hi]
    idc, echo = head.index("客户编号"), head.index(ECHO_HEADER)
    cols = {k: head.index(h) for k, h in COMPUTED_COLUMNS.items() if h in head}  # a deleted column is no row's
    mine = [*cols.values(), echo]
    bad = []
    for r in grid[hi + 1 :]:
        r = r + [""] * (len(head) - len(r))
        cid = cell_text(r[idc]).strip()
        if cid not in want:
            continue
        right = all(cell_text(r[c]) == cell_text(to_cell(want[cid][k])) for k, c in cols.items())
        said = cell_text(r[echo]).strip()
        if said == cid and right:
            continue
        if said not in ("", cid):
            bad.append((cid, "flagged"))
        elif said == cid and before is not None and [cell_text(r[c]) for c in mine] == before.get(cid):
            bad.append((cid, "untouched"))
        else:
            bad.append((cid, "unflagged"))
    return bad


def at_write_time(g, key, edit, nth=1):
    """Run `edit(g)` right after the write-time re-read (the `nth` sheets.get of the sync: the first
    when the spreadsheet is unchanged and read from the cache), record the agent's cells then."""
    seen, snap = [], {}

    def hook(fake, kind, k):
        if k == key and kind == "sheets.get":
            seen.append(1)
            if len(seen) == nth:
                edit(fake)
                snap.update(agent_cells(fake, key))

    g.hooks.append(hook)
    return snap


def _ids(rows):
    return [r[0] for r in rows[1:]]


def _new_row(head, cid):
    row = [""] * len(head)
    row[0], row[1], row[2] = cid, "新客户", 13900000000 + int(cid[-3:])
    return row


EDITS = {
    "insert two rows on top": lambda g, k: (
        g.agent_structure(k, "客户", "insert", "ROWS", 1, 2)
        or g.agent_edit(
            k,
            "客户",
            lambda rows: rows.__setitem__(slice(1, 3), [_new_row(rows[0], "K0099001"), _new_row(rows[0], "K0099002")]),
        )
    ),
    "delete a row": lambda g, k: g.agent_structure(k, "客户", "delete", "ROWS", 3, 1),
    "sort descending": lambda g, k: g.agent_edit(
        k,
        "客户",
        lambda rows: rows.__setitem__(slice(1, None), sorted(rows[1:], key=lambda r: str(r[0]), reverse=True)),
    ),
    "rename an id": lambda g, k: g.agent_edit(k, "客户", lambda rows: rows[4].__setitem__(0, "K0077007")),
    "swap two ids": lambda g, k: g.agent_edit(
        k,
        "客户",
        lambda rows: (lambda a, b: (rows[2].__setitem__(0, b), rows[5].__setitem__(0, a)))(rows[2][0], rows[5][0]),
    ),
    "insert a column at the left": lambda g, k: g.agent_structure(k, "客户", "insert", "COLUMNS", 0, 1),
    "insert two columns before the block": lambda g, k: g.agent_structure(k, "客户", "insert", "COLUMNS", 12, 2),
    "insert a column inside the block": lambda g, k: g.agent_structure(k, "客户", "insert", "COLUMNS", 16, 1),
    "delete the 标记 column": lambda g, k: g.agent_structure(k, "客户", "delete", "COLUMNS", 12, 1),
    "move 客户编号 to the end": lambda g, k: g.agent_structure(k, "客户", "move", "COLUMNS", 0, 1, to=30),
    "move a computed column left": lambda g, k: g.agent_structure(k, "客户", "move", "COLUMNS", 15, 1, to=2),
    "delete a computed column": lambda g, k: g.agent_structure(k, "客户", "delete", "COLUMNS", 14, 1),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_edit_between_reread_and_write(google, tmp_path, name):
    key = google.add_spreadsheet("并发", store_book(0, n_customers=12))
    sync(google, [key], tmp_path)  # first sync: tags the owned columns, writes
    sync(google, [key], tmp_path)  # verifies its write
    assert wrong_rows(google, key, TODAY, tmp_path) == []
    later = TODAY + dt.timedelta(days=40)  # the computed cells change: a write follows a re-read
    own = {}
    snap = at_write_time(google, key, lambda g: (EDITS[name](g, key), own.update(owned_by_id(g, key))))
    _, _, wrote = sync(google, [key], tmp_path, today=later)
    google.hooks.clear()
    assert snap, "the edit ran between the re-read and the write"
    # no agent cell was written, whatever moved
    after = agent_cells(google, key)
    assert {p: v for p, v in snap.items() if after.get(p) != v} == {}
    # rows moved after the re-read get values by position: every such row is flagged (echo ≠ id);
    # a row the write did not reach keeps its own cells of the last sync
    wrong = wrong_rows(google, key, later, tmp_path, before=own)
    assert [cid for cid, state in wrong if state == "unflagged"] == []
    if name in ("insert two rows on top", "delete a row", "sort descending"):
        assert wrong
    # the next sync sees the agent's change (never trusts its own write) and repairs any row the
    # edit shifted: 0 wrong rows
    google.reset_counts()
    sync(google, [key], tmp_path, today=later)
    assert google.count("sheets.get", key) >= 1
    assert wrong_rows(google, key, later, tmp_path) == []
    if name == "insert two rows on top":
        grid = google.grid(key, "客户")
        new = next(r for r in grid if r[0] == "K0099002")
        assert new[grid[0].index(ECHO_HEADER)] == "K0099002"


def test_throttle_waits_before_the_reread_not_inside_the_write_window(google, tmp_path):
    """With the token bucket empty, the wait for the write's token happens before the write-time
    re-read: between the re-read and the write the throttle's clock does not move."""
    key = google.add_spreadsheet("窗口", store_book(0, n_customers=12))
    sync(google, [key], tmp_path)
    sync(google, [key], tmp_path)
    t = [0.0]
    bucket = TokenBucket(per_minute=61, burst=1, clock=lambda: t[0], sleep=lambda s: t.__setitem__(0, t[0] + s))
    stamps = {}

    def hook(fake, kind, k):
        if k == key and kind in ("sheets.get", "values:batchUpdateByDataFilter"):
            stamps.setdefault(kind, t[0])

    google.hooks.append(hook)
    src = GSheetsSource(
        make_client(
            credentials=Credentials(token=FakeGoogle.ME), base_url=google.url, sleep=lambda s: None, bucket=bucket
        ),
        [key],
        state=tmp_path,
        now=NOW,
    )
    _, wrote = src.sync(TODAY + dt.timedelta(days=40))
    google.hooks.clear()
    assert wrote.rows_written and bucket.waited >= 1.0  # the throttle did hold the sync back
    assert stamps["values:batchUpdateByDataFilter"] - stamps["sheets.get"] == 0.0


def _col(c: int) -> str:
    return rowcol_to_a1(1, c + 1)[:-1]


def _rule_flags(g, key) -> set[str]:
    """客户编号 of the rows the sheet's conditional-format rule marks (its CUSTOM_FORMULA evaluated
    on each row: =AND($E<n><>"",TRIM(TO_TEXT($E<n>))<>TRIM(TO_TEXT($I<n>))))."""
    import re

    (rule,) = g.conditional_formats(key, "客户")
    formula = rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
    m = re.fullmatch(r'=AND\(\$([A-Z]+)(\d+)<>"",TRIM\(TO_TEXT\(\$\1\2\)\)<>TRIM\(TO_TEXT\(\$([A-Z]+)\2\)\)\)', formula)
    assert m, formula
    grid = g.grid(key, "客户")
    letters = {_col(c): c for c in range(40)}
    e, i, first = letters[m.group(1)], letters[m.group(3)], int(m.group(2)) - 1
    assert first == rule["ranges"][0]["startRowIndex"]
    out = set()
    for r in grid[first:]:
        r = r + [""] * 40
        if cell_text(r[e]).strip() and cell_text(r[e]).strip() != cell_text(r[i]).strip():
            out.add(cell_text(r[i]).strip())
    return out


def test_a_mismatched_row_is_marked_by_a_rule_made_with_the_tags(google, tmp_path):
    """The one-time tagging request also adds a conditional-format rule over the sync's columns
    that strikes through a row whose echo is not its 客户编号; no request more in steady state."""
    key = google.add_spreadsheet("标记规则", store_book(0, n_customers=12))
    google.reset_counts()
    sync(google, [key], tmp_path)
    assert google.count("sheets.batchUpdate", key) == 1  # tags + rule: one request
    (rule,) = google.conditional_formats(key, "客户")
    grid = google.grid(key, "客户")
    head = grid[0]
    owned = sorted(head.index(h) for h in [*HEAD, ECHO_HEADER])
    assert sorted(g["startColumnIndex"] for g in rule["ranges"]) == owned
    assert all(
        g["endColumnIndex"] == g["startColumnIndex"] + 1 and g["startRowIndex"] == 1 and "endRowIndex" not in g
        for g in rule["ranges"]
    )
    formula = rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
    assert f"${_col(head.index(ECHO_HEADER))}2" in formula and f"${_col(head.index('客户编号'))}2" in formula
    assert rule["booleanRule"]["format"]["textFormat"]["strikethrough"] is True
    assert _rule_flags(google, key) == set()
    sync(google, [key], tmp_path)
    later = TODAY + dt.timedelta(days=40)
    own = {}
    at_write_time(google, key, lambda g: (EDITS["sort descending"](g, key), own.update(owned_by_id(g, key))))
    google.reset_counts()
    sync(google, [key], tmp_path, today=later)
    google.hooks.clear()
    assert google.count("sheets.batchUpdate", key) == 0 and len(google.conditional_formats(key, "客户")) == 1
    flagged = {cid for cid, state in wrong_rows(google, key, later, tmp_path, before=own) if state == "flagged"}
    assert flagged and _rule_flags(google, key) == flagged  # the sheet marks exactly those
    sync(google, [key], tmp_path, today=later)
    assert _rule_flags(google, key) == set() and wrong_rows(google, key, later, tmp_path) == []


def test_edits_at_every_moment_end_right(google, tmp_path):
    """The row insert on top, after every request of the sync in turn: 0 agent cells touched and
    0 wrong rows after the next sync."""
    for moment in range(1, 4):
        g = google
        key = g.add_spreadsheet(f"时刻{moment}", store_book(0, n_customers=8))
        state = tmp_path / f"m{moment}"
        sync(g, [key], state)
        sync(g, [key], state)
        later = TODAY + dt.timedelta(days=30)
        n, snap = [], {}

        def hook(fake, kind, k, key=key, moment=moment, n=n, snap=snap):
            if k == key:
                n.append(kind)
                if len(n) == moment:
                    EDITS["insert two rows on top"](fake, key)
                    snap.update(agent_cells(fake, key))

        g.hooks.append(hook)
        sync(g, [key], state, today=later)
        g.hooks.clear()
        after = agent_cells(g, key)
        assert {p: v for p, v in snap.items() if after.get(p) != v} == {}
        sync(g, [key], state, today=later)
        assert wrong_rows(g, key, later, tmp_path) == [], moment


def test_unheaded_agent_column_is_never_written(google, tmp_path):
    book = store_book(0, n_customers=10)
    book["客户"] = [row[:13] for row in book["客户"]]  # no computed headers yet
    for i, row in enumerate(book["客户"][1:], 1):
        row.append(f"备注{i}")  # an agent's notes, no header
    key = google.add_spreadsheet("无表头列", book)
    _, _, wrote = sync(google, [key], tmp_path)
    grid = google.grid(key, "客户")
    assert [r[13] for r in grid[1:]] == [f"备注{i}" for i in range(1, 11)]
    assert grid[0][13] == "" and grid[0][14 : 14 + len(HEAD)] == HEAD and wrote.rows_written == 10
    assert min(owned_cols(google, key)) == 14


def test_title_row_above_the_header(google, tmp_path):
    book = store_book(0, n_customers=6)
    book["客户"].insert(0, ["一号店客户名单(合并标题)"])
    key = google.add_spreadsheet("标题行", book)
    _, read, wrote = sync(google, [key], tmp_path)
    assert len(read.stores[0].customers) == 6 and wrote.rows_written == 6
    grid = google.grid(key, "客户")
    assert grid[0] == ["一号店客户名单(合并标题)"]
    echo = grid[1].index(ECHO_HEADER)
    assert [r[echo] for r in grid[2:]] == [r[0] for r in grid[2:]]
    assert wrong_rows(google, key, TODAY, tmp_path) == []


def test_malformed_json_fails_one_sheet_only(google, tmp_path):
    bad = google.add_spreadsheet("坏JSON", store_book(0, n_customers=5))
    good = google.add_spreadsheet("好店", store_book(1, n_customers=5))
    google.faults.append(Fault(body=b'{"sheets": [', key=bad, kind="sheets.get"))
    _, read, wrote = sync(google, [bad, good], tmp_path)
    assert [s.store for s in read.stores] == ["2号店"] and wrote.spreadsheets_written == ["好店"]
    (rej,) = [r for r in read.rejections if r.fatal and not r.row]
    assert "坏JSON" in rej.message and "JSON" in rej.message


@pytest.mark.parametrize("body", [b"<html>oops", b"[]", b'{"sheets": "x"}', b'{"sheets": [{"data": []}]}'])
def test_unexpected_answers_fail_one_sheet_only(google, tmp_path, body):
    bad = google.add_spreadsheet("怪回答", store_book(0, n_customers=5))
    good = google.add_spreadsheet("好店", store_book(1, n_customers=5))
    google.faults.append(Fault(body=body, key=bad, kind="sheets.get"))
    _, read, _ = sync(google, [bad, good], tmp_path)
    assert [s.store for s in read.stores] == ["2号店"]
    assert any("怪回答" in r.message for r in read.rejections if r.fatal)


@pytest.mark.parametrize("body", [b"not json", b'{"files": {"id": 1}}', b'{"files": [{"name": "x"}]}'])
def test_bad_drive_listing_reads_every_sheet(google, tmp_path, body):
    keys = [google.add_spreadsheet(f"店{i}", store_book(i, n_customers=5)) for i in range(2)]
    google.faults.append(Fault(body=body, kind="drive.list"))
    _, read, wrote = sync(google, keys, tmp_path)
    assert len(read.stores) == 2 and len(wrote.spreadsheets_written) == 2
    assert any(r.file == "Google Drive" and not r.fatal for r in read.rejections)


def test_write_answer_malformed_is_reported(google, tmp_path):
    key = google.add_spreadsheet("写入坏", store_book(0, n_customers=5))
    google.faults.append(Fault(body=b"{", key=key, kind="values:batchUpdateByDataFilter"))
    _, read, wrote = sync(google, [key], tmp_path)
    assert any("写入坏" in r.message and "JSON" in r.message for r in wrote.rejections)
    sync(google, [key], tmp_path)  # and the next sync settles
    assert wrong_rows(google, key, TODAY, tmp_path) == []


@pytest.mark.parametrize(
    "content",
    [
        "null",
        "[]",
        '{"version": 1, "spreadsheets": []}',
        '{"version": 1, "spreadsheets": {"k": {"title": 1}}}',
        '{"version": 1, "spreadsheets": {"K": {"title": "t", "modified_time": "x", '
        '"grids": {"客户": [["客户编号"], {"a": 1}]}}}}',
        "{not json",
    ],
)
def test_damaged_cache_is_discarded(google, tmp_path, content):
    key = google.add_spreadsheet("缓存", store_book(0, n_customers=5))
    sync(google, [key], tmp_path)
    state = tmp_path / ".followup-gsheets.json"
    text = content.replace('"K"', json.dumps(key))
    state.write_text(text, encoding="utf-8")
    google.reset_counts()
    _, read, _ = sync(google, [key], tmp_path)
    assert len(read.stores) == 1 and google.count("sheets.get", key) >= 1
    assert any("缓存" in r.message and "damaged" in r.message and not r.fatal for r in read.rejections)
    assert SyncState.load(tmp_path).warning == ""  # rewritten valid


def test_a_hand_edited_cache_is_not_trusted_over_the_sheet(google, tmp_path):
    key = google.add_spreadsheet("手改缓存", store_book(0, n_customers=5))
    sync(google, [key], tmp_path)
    sync(google, [key], tmp_path)
    state = tmp_path / ".followup-gsheets.json"
    data = json.loads(state.read_text(encoding="utf-8"))
    data["spreadsheets"][key]["grids"]["客户"] = "all gone"
    state.write_text(json.dumps(data), encoding="utf-8")
    _, read, _ = sync(google, [key], tmp_path)
    assert len(read.stores[0].customers) == 5


def test_slow_answers_are_retried_and_counted(google, tmp_path):
    key = google.add_spreadsheet("慢", store_book(0, n_customers=5))
    google.faults.append(Fault(None, times=99, key=key, kind="sheets.get", delay=0.5))
    src = GSheetsSource(
        client(google, policy=RetryPolicy(max_tries=3, max_total_seconds=60)), [key], state=tmp_path, now=NOW
    )
    src.http.timeout = (0.2, 0.2)
    assert src.http.timeout[1] < src.http.policy.max_total_seconds
    read = src.read()
    (rej,) = [r for r in read.rejections if r.fatal]
    assert google.count("sheets.get", key) == 3 and "3 tries" in rej.message and "共尝试 3 次" in rej.message


def test_default_timeouts_fit_the_retry_budget(google):
    http = client(google).http_client
    assert sum(http.timeout) * 2 < http.policy.max_total_seconds


def test_circuit_breaker_stops_a_storm(google, tmp_path):
    keys = [google.add_spreadsheet(f"风暴{i}", store_book(i, n_customers=3)) for i in range(6)]
    google.faults.append(Fault(503, times=10_000))
    src = GSheetsSource(client(google, policy=RetryPolicy(max_tries=5)), keys, state=tmp_path, now=NOW)
    src.http.breaker = CircuitBreaker(limit=8)
    read = src.read()
    assert google.count() == 8
    assert not read.stores and len([r for r in read.rejections if r.fatal]) == 6
    assert any("try again after" in r.message for r in read.rejections)


def test_missing_gift_tab_costs_nothing_extra(google, tmp_path):
    book = store_book(0, n_customers=6)
    del book["礼品"]
    key = google.add_spreadsheet("无礼品", book)
    sync(google, [key], tmp_path)
    sync(google, [key], tmp_path)
    google.agent_edit(key, "客户", lambda rows: rows[2].__setitem__(rows[0].index("购买日期"), 46300))
    google.reset_counts()
    _, read, wrote = sync(google, [key], tmp_path)
    assert wrote.rows_written >= 1 and google.count(key=key) <= 3
    assert google.count("sheets.get", key) == 2 and google.count("values:batchUpdateByDataFilter", key) == 1


def test_deleted_spreadsheet_answers_404(google, tmp_path):
    import requests

    key = google.add_spreadsheet("将删除", store_book(0, n_customers=3))
    del google.spreadsheets[key]
    r = requests.get(
        f"{google.url}/v4/spreadsheets/{key}/values:batchGet",
        params={"ranges": "客户"},
        headers={"Authorization": f"Bearer {FakeGoogle.ME}"},
        timeout=5,
    )
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"


def test_filter_matching_nothing_writes_nothing(google):
    import requests

    key = google.add_spreadsheet("过滤", store_book(0, n_customers=3))
    before = google.grid(key, "客户")
    body = {
        "valueInputOption": "RAW",
        "data": [
            {
                "dataFilter": {
                    "developerMetadataLookup": {"metadataKey": "followup.column", "metadataValue": "status"}
                },
                "majorDimension": "COLUMNS",
                "values": [["x"]],
            }
        ],
    }
    r = requests.post(
        f"{google.url}/v4/spreadsheets/{key}/values:batchUpdateByDataFilter",
        json=body,
        headers={"Authorization": f"Bearer {FakeGoogle.ME}"},
        timeout=5,
    )
    assert r.ok and r.json()["responses"] == [] and r.json()["totalUpdatedCells"] == 0
    assert google.grid(key, "客户") == before


def test_fake_metadata_follows_rows_and_columns_not_sorts(google):
    key = google.add_spreadsheet("元数据", {"客户": [["a", "b", "c"], [1, 2, 3], [4, 5, 6]]})
    ss = google.spreadsheets[key]
    sid = ss.sheet("客户").sheet_id
    for dim, i, v in (("ROWS", 1, "row1"), ("COLUMNS", 1, "colB")):
        ss.metadata.append(
            {
                "metadataId": len(ss.metadata) + 1,
                "metadataKey": "t",
                "metadataValue": v,
                "visibility": "DOCUMENT",
                "location": {
                    "locationType": dim[:-1],
                    "dimensionRange": {"sheetId": sid, "dimension": dim, "startIndex": i, "endIndex": i + 1},
                },
            }
        )
    google.agent_structure(key, "客户", "insert", "ROWS", 0, 2)
    google.agent_structure(key, "客户", "insert", "COLUMNS", 0, 1)
    assert google.metadata_at(key, "客户", "ROWS") == {3: [("t", "row1")]}
    assert google.metadata_at(key, "客户", "COLUMNS") == {2: [("t", "colB")]}
    google.agent_edit(key, "客户", lambda rows: rows.reverse())  # a sort moves values only
    assert google.metadata_at(key, "客户", "ROWS") == {3: [("t", "row1")]}
    google.agent_structure(key, "客户", "delete", "ROWS", 3, 1)
    google.agent_structure(key, "客户", "delete", "COLUMNS", 2, 1)
    assert google.metadata_at(key, "客户", "ROWS") == {} and google.metadata_at(key, "客户", "COLUMNS") == {}
