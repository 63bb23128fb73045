"""Issue 21: the agent's 客户 tab shows the plan by key, whatever the agents do, at every moment.

The sync writes its plan into its own tab (跟进计划); 客户 shows it through one lookup formula.
Every edit kind runs at every moment of a sync — before the read, between the read and the write
(a hook of the fake), after the write — and the sheet is checked as the agent sees it (the fake
evaluates the formula), without a repair sync:
- 0 agent cells written: the typed values of 客户, row by row, are what the agent left;
- 0 rows showing another customer's plan: a row's computed cells are blank or its own plan.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fakes.gsheets_data import NOW, fake_client, port, run, store_book, sync_once
from fakes.gsheets_server import FakeGoogle, Fault

from followup.sync.sources.gsheets import PLAN_TAB, RetryPolicy
from followup.sync.sources.gsheets.answers import METADATA_KEY
from followup.sync.sources.gsheets.cells import cell_text, to_cell
from followup.sync.sources.gsheets.http import CircuitBreaker
from followup.sync.sources.gsheets.plan import is_lookup_formula, lookup_formula
from followup.sync.sources.gsheets.state import SyncState
from followup.udfs.schema import COMPUTED_COLUMNS

TODAY = NOW.date()
HEAD = list(COMPUTED_COLUMNS.values())
N = len(HEAD)


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


def sync(g, keys, state, now=NOW, **kw):
    return run(g, keys, state, now, **kw)


def _customers(g, key):
    ss = g.spreadsheets[key]
    return ss.sheet("客户") or next(s for s in ss.sheets if s.title.startswith("客户"))


def typed_rows(g, key) -> list[list]:
    """The agent's typed values of 客户, row by row (positions aside: inserted empty columns move
    nothing the agent typed); the sync's formula is not a typed value."""
    return [[v for v in row if v not in ("", None)] for row in g.grid(key, _customers(g, key).title)]


def fresh_plan(g, key, now=NOW) -> dict[str, list[str]]:
    """客户编号 → its plan as the sheet stands now (a fresh read and computation, no cache)."""
    if g.spreadsheets[key].sheet("客户") is None:
        return {}
    src = port(g, [key], None)
    read = src.read(now)
    from followup.sync.result import SyncResult, compute_tables

    result = SyncResult(now.date(), now, read, src.config.report_dir)
    compute_tables(result, src.config)
    out = {}
    for table in result.tables.values():
        for rec in table.to_dict("records"):
            out[cell_text(rec["customer_id"]).strip()] = [cell_text(to_cell(rec[k])) for k in COMPUTED_COLUMNS]
    return out


def wrong_rows(g, key, want: dict[str, list[str]]) -> list[tuple[int, str]]:
    """Rows of 客户 (as the agent sees it) whose computed cells show a plan that is not their own
    customer's: (row, 客户编号). A blank block (unknown id, #REF!) is not wrong, only empty."""
    sh = _customers(g, key)
    mine = [(r, c) for (r, c), f in sh.formulas.items() if is_lookup_formula(f)]
    if not mine:
        return []
    (r0, c0), view = mine[0], g.view(key, sh.title)
    head = view[r0]
    if "客户编号" not in [cell_text(h) for h in head]:
        return []
    idc = [cell_text(h) for h in head].index("客户编号")
    typed = g.grid(key, sh.title)
    bad = []
    for r in range(r0 + 1, len(view)):
        row = view[r] + [""] * (c0 + N)
        block = [cell_text(v) for v in row[c0 : c0 + N]]
        mine_typed = [cell_text(v) for v in (typed[r] if r < len(typed) else []) + [""] * (c0 + N)][c0 : c0 + N]
        shown = [b if not t else "" for b, t in zip(block, mine_typed)]  # a typed cell is the agent's
        if not any(shown):
            continue
        cid = cell_text(row[idc]).strip()
        if shown != want.get(cid):
            bad.append((r, cid))
    return bad


def _new_row(head, cid):
    row = [""] * len(head)
    row[0], row[1], row[2] = cid, "新客户", 13900000000 + int(cid[-3:])
    return row


def _id_col(g, k):
    return g.grid(k, "客户")[0].index("客户编号")


EDITS = {
    "sort descending": lambda g, k: g.agent_edit(
        k,
        "客户",
        lambda rows: rows.__setitem__(slice(1, None), sorted(rows[1:], key=lambda r: str(r[0]), reverse=True)),
    ),
    "insert two rows on top": lambda g, k: (
        g.agent_structure(k, "客户", "insert", "ROWS", 1, 2),
        g.agent_edit(
            k,
            "客户",
            lambda rows: rows.__setitem__(slice(1, 3), [_new_row(rows[0], "K0099001"), _new_row(rows[0], "K0099002")]),
        ),
    ),
    "delete a row": lambda g, k: g.agent_structure(k, "客户", "delete", "ROWS", 3, 1),
    "delete the bottom row": lambda g, k: g.agent_structure(k, "客户", "delete", "ROWS", len(g.grid(k, "客户")) - 1, 1),
    "rename an id": lambda g, k: g.agent_edit(k, "客户", lambda rows: rows[4].__setitem__(0, "K0077007")),
    "swap two ids": lambda g, k: g.agent_edit(
        k,
        "客户",
        lambda rows: (lambda a, b: (rows[2].__setitem__(0, b), rows[5].__setitem__(0, a)))(rows[2][0], rows[5][0]),
    ),
    "insert cells shift right on 客户编号": lambda g, k: g.agent_shift_cells(
        k, "客户", "insert", 4, _id_col(g, k), "right"
    ),
    "insert cells shift down on 客户编号": lambda g, k: g.agent_shift_cells(
        k, "客户", "insert", 3, _id_col(g, k), "down"
    ),
    "delete a cell shift up on 客户编号": lambda g, k: g.agent_shift_cells(
        k, "客户", "delete", 3, _id_col(g, k), "down"
    ),
    "insert a column at the left": lambda g, k: g.agent_structure(k, "客户", "insert", "COLUMNS", 0, 1),
    "delete the 姓名 column": lambda g, k: g.agent_structure(k, "客户", "delete", "COLUMNS", 1, 1),
    "move 客户编号 right": lambda g, k: g.agent_structure(k, "客户", "move", "COLUMNS", 0, 1, to=5),
    "insert a column inside the block": lambda g, k: g.agent_structure(k, "客户", "insert", "COLUMNS", 15, 1),
    "delete the formula's column": lambda g, k: g.agent_structure(k, "客户", "delete", "COLUMNS", 13, 1),
    "rename a header": lambda g, k: g.agent_edit(k, "客户", lambda rows: rows[0].__setitem__(1, "客户姓名")),
    "type over a computed header": lambda g, k: g.agent_type(k, "客户", 0, 15, "我的列"),
    "type over computed cells": lambda g, k: (
        g.agent_type(k, "客户", 2, 14, "手填"),
        g.agent_type(k, "客户", 5, 20, 7),
    ),
    "rename the plan tab": lambda g, k: g.agent_rename_tab(k, PLAN_TAB, "计划(旧)"),
    "rename the 客户 tab": lambda g, k: g.agent_rename_tab(k, "客户", "客户名单"),
}
MOMENTS = ("before the read", "between read and write", "after the write")


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("name", list(EDITS))
def test_every_edit_at_every_moment(google, tmp_path, name, moment):
    """The plan a row shows is its own 客户编号's plan as the sync computed it from what it read:
    `want` is an independent read + computation of the sheet as the sync read it."""
    key = google.add_spreadsheet("并发", store_book(0, n_customers=10))
    sync(google, [key], tmp_path)  # the plan tab exists, the formula shows it
    sync(google, [key], tmp_path)
    shown = fresh_plan(google, key)
    assert wrong_rows(google, key, shown) == []
    later = NOW + dt.timedelta(days=40)  # the plan changes: this sync writes
    snap: list = []

    def edit(g=google):
        EDITS[name](g, key)
        snap[:] = [typed_rows(g, key)]

    if moment == "before the read":
        edit()
    want = fresh_plan(google, key, later)  # what the sync reads
    if moment == "between read and write":
        google.hooks.append(lambda g, kind, k: kind in ("drive.list", "sheets.get") and not snap and edit(g))
    elif moment == "after the write":
        snap[:] = [typed_rows(google, key)]
    _, read, wrote = sync(google, [key], tmp_path, later)
    google.hooks.clear()
    assert snap, "the edit ran"
    assert typed_rows(google, key) == snap[0], "an agent cell was written"
    if moment == "after the write":
        EDITS[name](google, key)
    # a sync that could not read 客户 (the tab renamed) wrote nothing: the last plan still shows
    assert wrong_rows(google, key, want if wrote.spreadsheets_written else shown) == []
    if name == "type over computed cells" and moment == "before the read":
        reported = {(r.row, r.column, str(r.value)) for r in wrote.rejections if "#REF!" in r.message}
        assert {(3, HEAD[1], "手填"), (6, HEAD[7], "7")} <= reported
    if name == "rename the plan tab" and moment == "before the read":
        assert google.spreadsheets[key].sheet(PLAN_TAB) is not None  # renamed back
        assert any("renamed back" in r.message for r in wrote.rejections)


def test_the_view_follows_a_sort_without_any_sync(google, tmp_path):
    key = google.add_spreadsheet("排序", store_book(0, n_customers=12))
    sync(google, [key], tmp_path)
    want = fresh_plan(google, key)
    EDITS["sort descending"](google, key)
    assert wrong_rows(google, key, want) == []
    ids = [r[0] for r in google.view(key, "客户")[1:]]
    assert ids == sorted(ids, reverse=True)
    shown = google.view(key, "客户")[1][13 : 13 + N]
    assert [cell_text(v) for v in shown] == want[ids[0]]


PLACEMENT_EDITS = {
    "insert a column at the left": EDITS["insert a column at the left"],
    "type in the first free column": lambda g, k: g.agent_type(k, "客户", 2, 13, "备注"),
    "insert a row above everything": lambda g, k: g.agent_structure(k, "客户", "insert", "ROWS", 0, 1),
    "delete the bottom row": EDITS["delete the bottom row"],
}


@pytest.mark.parametrize("name", list(PLACEMENT_EDITS))
def test_placing_the_formula_never_lands_on_an_agent_cell(google, tmp_path, name):
    """A sheet without the formula: the sync places it into freshly inserted columns in its one
    write, so an edit between the read and that write cannot make it overwrite anything."""
    key = google.add_spreadsheet("新表", store_book(0, n_customers=8, computed=False))
    snap: list = []

    def hook(g, kind, k):
        if kind == "sheets.get" and k == key and not snap:
            PLACEMENT_EDITS[name](g, key)
            snap.append(typed_rows(g, key))

    google.hooks.append(hook)
    sync(google, [key], tmp_path)
    google.hooks.clear()
    assert typed_rows(google, key) == snap[0]
    assert [f for f in google.spreadsheets[key].formulas.values() if is_lookup_formula(f)]
    assert wrong_rows(google, key, fresh_plan(google, key)) == []


def test_a_full_grid_is_expanded_not_refused(google, tmp_path):
    """客户 uses every column of its grid: the formula's columns are inserted (Google refuses
    values beyond the grid); a plan longer than the plan tab's grid grows it in the same request."""
    key = google.add_spreadsheet("满表", store_book(0, n_customers=8, computed=False))
    sh = google.spreadsheets[key].sheet("客户")
    sh.col_count = max(len(r) for r in sh.rows)
    _, _, wrote = sync(google, [key], tmp_path)
    assert wrote.spreadsheets_written and wrong_rows(google, key, fresh_plan(google, key)) == []
    assert google.spreadsheets[key].sheet("客户").col_count == sh.col_count
    plan = google.spreadsheets[key].sheet(PLAN_TAB)
    plan.row_count = 9
    google.agent_edit(key, "客户", lambda rows: rows.extend(_new_row(rows[0], f"K00990{i:02d}") for i in range(5)))
    google.reset_counts()
    _, _, wrote = sync(google, [key], tmp_path)
    assert google.count(key=key) == 2 and plan.row_count >= 14
    assert len([r for r in google.view(key, PLAN_TAB) if r]) == 14


def test_title_rows_above_the_header(google, tmp_path):
    book = store_book(0, n_customers=6, computed=False)
    book["客户"].insert(0, ["一号店客户名单(合并标题)"])
    key = google.add_spreadsheet("标题行", book)
    _, read, wrote = sync(google, [key], tmp_path)
    assert len(read.stores[0].customers) == 6 and wrote.rows_written == 6
    assert google.spreadsheets[key].formulas == {("客户", 1, 13): lookup_formula(0, 1)}
    view = google.view(key, "客户")
    assert view[0] == ["一号店客户名单(合并标题)"] and view[1][13:21] == HEAD
    assert wrong_rows(google, key, fresh_plan(google, key)) == []
    google.agent_structure(key, "客户", "insert", "ROWS", 0, 1)  # another title row: all moves down
    assert google.view(key, "客户")[2][13:21] == HEAD and wrong_rows(google, key, fresh_plan(google, key)) == []


def test_a_shorter_plan_leaves_no_tail(google, tmp_path):
    key = google.add_spreadsheet("变短", store_book(0, n_customers=10))
    sync(google, [key], tmp_path)
    assert len(google.view(key, PLAN_TAB)) == 11
    google.agent_structure(key, "客户", "delete", "ROWS", 1, 4)
    sync(google, [key], tmp_path)
    plan = google.view(key, PLAN_TAB)
    assert len(plan) == 7 and {r[0] for r in plan[1:]} == {r[0] for r in google.grid(key, "客户")[1:]}


def _old_design(g: FakeGoogle) -> str:
    """A sheet as the earlier design left it: typed computed headers + 核对编号, values written by
    position, developer metadata on those 9 columns, the strike-through rule."""
    book = store_book(0, n_customers=6, computed="typed")
    head = book["客户"][0]
    head.append("核对编号")
    for row in book["客户"][1:]:
        row += ["旧值"] * N + [row[0]]
    key = g.add_spreadsheet("旧设计", book)
    ss = g.spreadsheets[key]
    sid = ss.sheet("客户").sheet_id
    for i, k in enumerate([*COMPUTED_COLUMNS, "computed_for"]):
        ss.metadata.append(
            {
                "metadataId": i + 1,
                "metadataKey": METADATA_KEY,
                "metadataValue": k,
                "visibility": "DOCUMENT",
                "location": {
                    "locationType": "COLUMN",
                    "dimensionRange": {
                        "sheetId": sid,
                        "dimension": "COLUMNS",
                        "startIndex": 13 + i,
                        "endIndex": 14 + i,
                    },
                },
            }
        )
    ss.sheet("客户").conditional_formats.append(
        {
            "ranges": [{"sheetId": sid, "startRowIndex": 1, "startColumnIndex": 13, "endColumnIndex": 14}],
            "booleanRule": {
                "condition": {
                    "type": "CUSTOM_FORMULA",
                    "values": [{"userEnteredValue": '=AND($V2<>"",TRIM(TO_TEXT($V2))<>TRIM(TO_TEXT($A2)))'}],
                },
                "format": {"textFormat": {"strikethrough": True}},
            },
        }
    )
    return key


def test_the_first_sync_converts_the_earlier_design(google, tmp_path):
    key = _old_design(google)
    agent = [row[:13] for row in google.grid(key, "客户")]
    google.reset_counts()
    _, read, wrote = sync(google, [key], tmp_path)
    assert google.count(key=key) == 2  # one read, one write: the conversion is in the write
    ss = google.spreadsheets[key]
    assert ss.metadata == [] and ss.sheet("客户").conditional_formats == []
    assert "核对编号" not in google.grid(key, "客户")[0] and "旧值" not in str(google.grid(key, "客户"))
    assert [row[:13] for row in google.grid(key, "客户")] == agent
    assert ss.formulas[("客户", 0, 13)] == lookup_formula(0, 0)
    assert wrong_rows(google, key, fresh_plan(google, key)) == []
    assert [r[13:21] for r in google.view(key, "客户")[:1]] == [HEAD]
    (msg,) = [r for r in wrote.rejections if "converted" in r.message]
    assert not msg.fatal and "核对编号" in msg.message
    google.reset_counts()
    sync(google, [key], tmp_path)
    sync(google, [key], tmp_path)
    assert google.requests[-1] == ("GET", "drive.list", None)


ROW_EDITS = ["sort descending", "insert two rows on top", "delete a row", "delete the bottom row", "swap two ids"]


@pytest.mark.parametrize("name", ROW_EDITS)
def test_converting_with_row_edits_between_read_and_write(google, tmp_path, name):
    """The one-time conversion removes columns by the positions it read: row edits in that window
    (sorts, inserted or deleted rows) cannot move them, and no agent cell is written. (Column
    edits in that window are the documented limit of this one positional step.)"""
    key = _old_design(google)
    snap: list = []

    def hook(g, kind, k):
        if kind == "sheets.get" and k == key and not snap:
            EDITS[name](g, key)
            snap.append([[v for v in row[:13] if v not in ("", None)] for row in g.grid(key, "客户")])

    want = fresh_plan(google, key)
    google.hooks.append(hook)
    sync(google, [key], tmp_path)
    google.hooks.clear()
    assert [[v for v in row if v not in ("", None)] for row in google.grid(key, "客户")] == snap[0]
    assert wrong_rows(google, key, want) == []


def test_the_earlier_template_headers_become_the_formula(google, tmp_path):
    key = google.add_spreadsheet("旧模板", store_book(0, n_customers=5, computed="typed"))
    sync(google, [key], tmp_path)
    assert list(google.spreadsheets[key].formulas) == [("客户", 0, 13)]
    assert google.view(key, "客户")[0][13:21] == HEAD and wrong_rows(google, key, fresh_plan(google, key)) == []


def test_a_typed_header_where_the_block_would_go_is_reported_not_replaced(google, tmp_path):
    book = store_book(0, n_customers=5, computed=False)
    book["客户"][0].append("下次回访")
    book["客户"][1].append("我自己的日期")
    key = google.add_spreadsheet("手工表头", book)
    _, _, wrote = sync(google, [key], tmp_path)
    assert google.grid(key, "客户")[0][-1] == "下次回访" and google.grid(key, "客户")[1][13] == "我自己的日期"
    assert not google.spreadsheets[key].formulas
    assert any("typed" in r.message and r.row == 1 for r in wrote.rejections)


def test_a_protected_plan_tab_fails_that_sheet_only_with_the_fix(google, tmp_path):
    locked = google.add_spreadsheet("锁住", store_book(0, n_customers=5))
    good = google.add_spreadsheet("好店", store_book(1, n_customers=5))
    sync(google, [locked, good], tmp_path)
    google.protect(locked, PLAN_TAB)  # the owner protects it, not warning-only
    google.agent_edit(locked, "客户", lambda rows: rows[1].__setitem__(9, 46300))
    google.agent_edit(good, "客户", lambda rows: rows[1].__setitem__(9, 46300))
    _, _, wrote = sync(google, [locked, good], tmp_path, NOW + dt.timedelta(days=3))
    assert wrote.spreadsheets_written == ["好店"]
    (rej,) = [r for r in wrote.rejections if r.fatal]
    assert "锁住" in rej.message and "HTTP 403" in rej.message and "protect" in rej.message.lower()
    assert "tabs exist" not in rej.message


def test_a_reader_account_is_refused_on_every_write(google, tmp_path):
    key = google.add_spreadsheet("只读", store_book(0, n_customers=5), shared_with={FakeGoogle.SA_EMAIL: "reader"})
    _, read, wrote = sync(google, [key], tmp_path)
    assert len(read.stores) == 1 and wrote.spreadsheets_written == []
    assert any("HTTP 403" in r.message for r in wrote.rejections)
    assert google.spreadsheets[key].sheet(PLAN_TAB) is None


@pytest.mark.parametrize("retry_after", ["", "5"])
def test_a_sustained_429_uses_the_budget(google, tmp_path, retry_after):
    key = google.add_spreadsheet("限流", store_book(0, n_customers=5))
    google.faults.append(Fault(429, times=99, key=key, kind="sheets.get", retry_after=retry_after))
    sleeps: list[float] = []
    _, read, _ = sync(google, [key], tmp_path, sleep=sleeps.append)
    (rej,) = [r for r in read.rejections if r.fatal]
    assert 30 <= sum(sleeps) <= 60 and len(sleeps) >= 5, sleeps  # the 60 s budget, not ~10 s
    assert "HTTP 429" in rej.message


@pytest.mark.parametrize("retry_after", ["", "5"])
def test_a_30_second_storm_is_ridden_out(google, tmp_path, retry_after):
    keys = [google.add_spreadsheet(f"店{i}", store_book(i, n_customers=4)) for i in range(3)]
    t = [0.0]
    google.faults.append(Fault(503, times=10_000, retry_after=retry_after, active=lambda: t[0] < 30))
    _, read, wrote = sync(google, keys, tmp_path, sleep=lambda s: t.__setitem__(0, t[0] + s), clock=lambda: t[0])
    assert len(read.stores) == 3 and len(wrote.spreadsheets_written) == 3


def test_an_endless_storm_fails_each_sheet_not_the_run(google, tmp_path):
    keys = [google.add_spreadsheet(f"风暴{i}", store_book(i, n_customers=3)) for i in range(6)]
    google.faults.append(Fault(503, times=100_000))
    src = port(google, keys, tmp_path, client=fake_client(google, policy=RetryPolicy(max_tries=4)))
    read, _ = sync_once(src)
    fatal = [r for r in read.rejections if r.fatal]
    assert not read.stores and len(fatal) == 6  # one message per spreadsheet
    assert sum("not asked" in r.message for r in fatal) == 6 - CircuitBreaker().limit + 1
    assert google.count() == 4 * CircuitBreaker().limit  # the listing and the sheets that tried, 4 tries each


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
    google.faults.append(Fault(body=b"{", key=key, kind="sheets.batchUpdate"))
    _, read, wrote = sync(google, [key], tmp_path)
    assert any("写入坏" in r.message and "JSON" in r.message for r in wrote.rejections)
    sync(google, [key], tmp_path)  # and the next sync settles
    assert wrong_rows(google, key, fresh_plan(google, key)) == []


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
    made = fake_client(google, policy=RetryPolicy(max_tries=3, max_total_seconds=60))
    made.http_client.timeout = (0.2, 0.2)
    assert made.http_client.timeout[1] < made.http_client.policy.max_total_seconds
    read = port(google, [key], tmp_path, client=made).read(NOW)
    (rej,) = [r for r in read.rejections if r.fatal]
    assert google.count("sheets.get", key) == 3 and "3 tries" in rej.message and "共尝试 3 次" in rej.message


def test_default_timeouts_fit_the_retry_budget(google):
    http = fake_client(google).http_client
    assert sum(http.timeout) * 2 < http.policy.max_total_seconds


def test_missing_gift_tab_costs_nothing_extra(google, tmp_path):
    book = store_book(0, n_customers=6)
    del book["礼品"]
    key = google.add_spreadsheet("无礼品", book)
    sync(google, [key], tmp_path)
    sync(google, [key], tmp_path)
    google.agent_edit(key, "客户", lambda rows: rows[2].__setitem__(rows[0].index("购买日期"), 46300))
    google.reset_counts()
    _, read, wrote = sync(google, [key], tmp_path)
    assert wrote.rows_written >= 1 and google.count(key=key) == 2
    assert google.count("sheets.get", key) == 1 and google.count("sheets.batchUpdate", key) == 1


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
