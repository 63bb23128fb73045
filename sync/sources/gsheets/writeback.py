"""Writing the computed block back: into the sync's own columns only, located by developer
metadata at the moment Google applies the write, with a key echo that makes any moved row visible.

Requests per changed spreadsheet (steady state ≤ 3 with the read): one write-time re-read of 客户
(`spreadsheets.get`, grid data + column metadata) and one `values:batchUpdateByDataFilter`
(RAW) whose data filters are the owned columns' developer metadata, majorDimension COLUMNS,
null for every row not written. Once per spreadsheet (or after an agent deleted an owned
column) a `spreadsheets.batchUpdate` tags the owned columns (createDeveloperMetadata) before the
re-read, which then verifies where the tags landed.

Why columns, not rows, carry the metadata: a data filter locates one dimension only — a values
write located by a row's developer metadata starts at column A, so per-row metadata cannot put
values into the right columns. Column tags make every write land in the sync's own columns
whatever columns an agent inserts, deletes or moves — no agent cell can ever be written. Rows
are located by 客户编号 in the re-read; the API has no compare-and-set, so a row inserted,
deleted, sorted or renamed after that re-read shifts values by rows inside the owned columns
only, and the echo column (written in the same request) then disagrees with the row's 客户编号.

What is guaranteed: (1) no agent cell is ever written; (2) the window is as small as the client
can make it — the throttle's wait for the re-read and the write is taken before the re-read
(`FollowupHTTPClient.prepay`), so they go out back to back (a retry of the write after a 429/5xx
still waits inside the window); (3) every row the write put another customer's values on shows
an echo ≠ its 客户编号, and a conditional-format rule created in the one-time tagging request
strikes it through in the sheet (no request more in steady state); (4) the next sync re-reads
any sheet it wrote and writes such rows again. A row the write did not reach (pushed below the
written rows, or unchanged) keeps the values the last sync computed for it (echo = id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd
from gspread.utils import rowcol_to_a1

from followup.sync.model import Rejection
from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS

from .answers import METADATA_KEY, FilterWrite, checked
from .cells import cell_text, to_cell
from .errors import GSheetsError, GSheetsRequestError
from .http import json_of
from .layout import CUSTOMERS, ECHO_KEY, OWNED, Layout, apply_columns
from .read import SPREADSHEETS, Book
from .state import SheetState

__all__ = ["SheetsWriter", "WriteResult"]

_HEADERS = list(OWNED.values())


@dataclass
class WriteResult:
    rows_written: int = 0
    cells_written: int = 0
    spreadsheets_written: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    requests: int = 0


def _lookup(sheet_id: int, key: str) -> dict:
    return {
        "developerMetadataLookup": {
            "metadataKey": METADATA_KEY,
            "metadataValue": key,
            "locationType": "COLUMN",
            "metadataLocation": {"sheetId": sheet_id},
            "locationMatchingStrategy": "INTERSECTING_LOCATION",
        }
    }


class SheetsWriter:
    """The write half of `GSheetsSource` (uses its client `http`, `state`, `books`, `_read_grids`)."""

    # set by GSheetsSource (declared here for the type checker only)
    http: Any
    state: Any
    books: dict[str, Book]
    _read_grids: Any

    def write_back(self, tables: Mapping[str, pd.DataFrame]) -> WriteResult:
        """Write each spreadsheet's computed block; `tables` maps origin (or key) → followup_table."""
        out = WriteResult()
        for key, book in self.books.items():
            if book.failed or not book.grids:
                continue
            table = next(
                (
                    tables[k]
                    for k in (book.origin, key, book.store.store if book.store else None)
                    if k is not None and k in tables
                ),
                None,
            )
            if table is None:
                continue
            try:
                self._write_book(book, table, out)
            except GSheetsError as e:
                out.rejections.append(
                    Rejection(
                        book.origin,
                        CUSTOMERS,
                        None,
                        None,
                        None,
                        f"计算列未写回 (computed columns not written back): {e}",
                    )
                )
        self.state.save()
        return out

    def _post(self, url: str, body: dict, where: str) -> dict:
        self.http.where = where
        return json_of(self.http.request("post", url, json=body), where)

    def _write_book(self, book: Book, table: pd.DataFrame, out: WriteResult) -> None:
        before = Layout(book.grids.get(CUSTOMERS, []), book.columns)
        # a store's table may span several sources: keep this spreadsheet's customers
        desired = {cid: v + [cid] for cid, v in _desired(table).items() if cid in before.by_id}
        if not desired or all(before.owned_of(i) == [cell_text(v) for v in vals] for i, vals in desired.items()):
            return  # nothing to change (echo included): no request at all
        sheet_id = book.sheet_ids.get(CUSTOMERS)
        if sheet_id is None:
            raise GSheetsRequestError(
                f"不知道工作表「{CUSTOMERS}」的编号 (unknown sheet id of {CUSTOMERS})", where=book.title
            )
        tags = before.plan_tags()
        if tags:  # once per spreadsheet: tag the owned columns (+ the mismatch rule); the re-read checks them
            self._post(
                f"{SPREADSHEETS}/{book.key}:batchUpdate",
                {
                    "requests": [
                        {
                            "createDeveloperMetadata": {
                                "developerMetadata": {
                                    "metadataKey": METADATA_KEY,
                                    "metadataValue": k,
                                    "visibility": "DOCUMENT",
                                    "location": {
                                        "dimensionRange": {
                                            "sheetId": sheet_id,
                                            "dimension": "COLUMNS",
                                            "startIndex": c,
                                            "endIndex": c + 1,
                                        }
                                    },
                                }
                            }
                        }
                        for k, c in tags
                    ]
                    + _mismatch_rule(before, tags, sheet_id)
                },
                book.title,
            )
        # the throttle waits here, for the re-read and the write together: nothing waits between them
        self.http.prepay(2)
        try:
            now_grids = self._read_grids(book.key, book.title, book, only=(CUSTOMERS,))
            self._write_rows(book, out, before, desired, sheet_id, now_grids)
        finally:
            self.http.prepaid = 0

    def _write_rows(
        self,
        book: Book,
        out: WriteResult,
        before: Layout,
        desired: dict[str, list[Any]],
        sheet_id: int,
        now_grids: dict[str, list[list]],
    ) -> None:
        grid = now_grids.get(CUSTOMERS, [])
        now = Layout(grid, book.columns)
        if now.id_col is None:
            raise GSheetsRequestError(
                f"工作表「{CUSTOMERS}」找不到「客户编号」列,未写入 "
                f"(no 客户编号 column in {CUSTOMERS}: nothing written)",
                where=book.title,
            )

        def warn(row, col, msg, val=None):
            out.rejections.append(Rejection(book.origin, CUSTOMERS, row, col, val, msg, fatal=False))

        cols, problems, misplaced = now.owned()
        for p in problems:
            warn(None, None, p)
        if misplaced:  # a tag that landed on an agent's column: remove it, never write there
            self._post(
                f"{SPREADSHEETS}/{book.key}:batchUpdate",
                {
                    "requests": [
                        {
                            "deleteDeveloperMetadata": {
                                "dataFilter": {
                                    "developerMetadataLookup": {
                                        "metadataKey": METADATA_KEY,
                                        "locationType": "COLUMN",
                                        "locationMatchingStrategy": "EXACT_LOCATION",
                                        "metadataLocation": {
                                            "dimensionRange": {
                                                "sheetId": sheet_id,
                                                "dimension": "COLUMNS",
                                                "startIndex": c,
                                                "endIndex": c + 1,
                                            }
                                        },
                                    }
                                }
                            }
                        }
                        for c in misplaced
                    ]
                },
                book.title,
            )
        if ECHO_KEY not in cols:
            raise GSheetsRequestError(
                "核对编号列不可用,本表未写入 (the 核对编号 echo column is not usable: nothing written)",
                where=book.title,
            )
        previous = Layout(book.previous.get(CUSTOMERS, [])) if book.changed else before
        rows: dict[int, list[Any]] = {}
        for cid, values in desired.items():
            where = now.rows_of(cid)
            if not where:
                warn(
                    None,
                    CUSTOMER_COLUMNS["customer_id"],
                    "该客户在同步期间被删除或改了编号,未写入 (the customer was deleted or its id changed "
                    "during the sync: not written)",
                    cid,
                )
                continue
            if len(where) > 1:
                warn(
                    where[0] + 1,
                    CUSTOMER_COLUMNS["customer_id"],
                    f"客户编号重复(第 {', '.join(str(r + 1) for r in where)} 行),未写入 (duplicate customer id: "
                    "not written)",
                    cid,
                )
                continue
            r = where[0]
            if before.facts_of(cid) != now.facts_of(cid):
                warn(
                    r + 1,
                    None,
                    "该行在同步期间被修改,本次未写入,下次同步会重新计算 (the row was edited during "
                    "the sync: not written now; the next sync computes it again)",
                    cid,
                )
                continue
            current = now.owned_of(cid)
            want = [cell_text(v) for v in values]
            if current[-1] == cid:  # values computed for this very row: a difference was typed by hand
                for j in _edited(previous.owned_of(cid), before.owned_of(cid), current, book.changed):
                    if current[j] != want[j]:
                        warn(
                            r + 1,
                            _HEADERS[j],
                            "计算列被手工修改,已由同步覆盖 (a computed cell was edited by hand: the sync overwrote it)",
                            current[j],
                        )
            if current != want:
                rows[r] = values
        vectors: dict[str, list[Any]] = {}
        if rows:
            last = max(rows)
            for j, k in enumerate(OWNED):
                if k not in cols:
                    continue
                vec: list[Any] = [None] * (last + 1)
                head = cast(int, now.head)  # the id column was found, so was the header
                if now.cell(head, cols[k]) != OWNED[k]:
                    vec[head] = OWNED[k]  # a column the sync added: its header with the values
                for r, values in rows.items():
                    vec[r] = values[j]
                vectors[k] = vec
            body = {
                "valueInputOption": "RAW",
                "includeValuesInResponse": False,
                "data": [
                    {"dataFilter": _lookup(sheet_id, k), "majorDimension": "COLUMNS", "values": [vec]}
                    for k, vec in vectors.items()
                ],
            }
            res = checked(
                FilterWrite,
                self._post(f"{SPREADSHEETS}/{book.key}/values:batchUpdateByDataFilter", body, book.title),
                book.title,
            )
            landed = {
                ((r.dataFilter or {}).get("developerMetadataLookup") or {}).get("metadataValue") for r in res.responses
            }
            for k in [k for k in vectors if k not in landed]:
                warn(
                    None,
                    OWNED[k],
                    f"「{OWNED[k]}」列在写入前被删除,该列未写入,下次同步会重建 (the {OWNED[k]} column "
                    f"was deleted before the write: not written; the next sync adds it again)",
                )
                del vectors[k]
            out.rows_written += len(rows)
            out.cells_written += sum(r.updatedCells for r in res.responses)
            out.spreadsheets_written.append(book.origin)
            apply_columns(grid, {cols[k]: vec for k, vec in vectors.items()})
        st = self.state.sheets.setdefault(book.key, SheetState(book.title))
        st.grids = {**book.grids, **now_grids}
        st.columns = {str(c): v for c, v in book.columns.items()}
        st.sheet_ids = dict(book.sheet_ids)
        st.wrote = bool(vectors) or st.wrote
        st.written = {
            cid: [to_cell(v) for v in rows[now.rows_of(cid)[0]]]
            for cid in desired
            if len(now.rows_of(cid)) == 1 and now.rows_of(cid)[0] in rows
        }
        if book.changed:
            st.modified_time = book.listed_time
        book.grids = st.grids


_UNTRUSTED = {
    "backgroundColor": {"red": 0.96, "green": 0.8, "blue": 0.8},
    "textFormat": {"strikethrough": True, "foregroundColor": {"red": 0.5, "green": 0.5, "blue": 0.5}},
}


def _mismatch_rule(layout: Layout, tags: list[tuple[str, int]], sheet_id: int) -> list[dict]:
    """The conditional-format rule, sent with the column tags (no request of its own), that strikes
    through the sync's cells of a row whose echo 核对编号 is not its 客户编号 (values computed for
    another row: never to be trusted). It covers the columns tagged now; all of them when the
    echo column itself is new (an older rule pointing at a deleted echo column matches nothing)."""
    if layout.id_col is None or layout.head is None:
        return []
    where = {k: c for k, c in tags}
    for c, vals in layout.tags.items():
        for k in vals:
            where.setdefault(k, c)
    if ECHO_KEY not in where:
        return []
    cols = sorted({where[k] for k in OWNED if k in where} if ECHO_KEY in dict(tags) else {c for _, c in tags})
    n = layout.head + 2  # the first row under the header (A1)
    echo, cid = (rowcol_to_a1(1, where[ECHO_KEY] + 1)[:-1], rowcol_to_a1(1, layout.id_col + 1)[:-1])
    formula = f'=AND(${echo}{n}<>"",TRIM(TO_TEXT(${echo}{n}))<>TRIM(TO_TEXT(${cid}{n})))'
    return [
        {
            "addConditionalFormatRule": {
                "index": 0,
                "rule": {
                    "ranges": [
                        {
                            "sheetId": sheet_id,
                            "startRowIndex": layout.head + 1,
                            "startColumnIndex": c,
                            "endColumnIndex": c + 1,
                        }
                        for c in cols
                    ],
                    "booleanRule": {
                        "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
                        "format": _UNTRUSTED,
                    },
                },
            }
        }
    ]


def _desired(table: pd.DataFrame) -> dict[str, list[Any]]:
    keys = list(COMPUTED_COLUMNS)
    out: dict[str, list[Any]] = {}
    for rec in table.to_dict("records"):
        cid = cell_text(rec.get("customer_id")).strip()
        if cid:
            out[cid] = [to_cell(rec.get(k)) for k in keys]
    return out


def _edited(previous: list[str], read: list[str], current: list[str], fresh: bool) -> list[int]:
    """Computed columns an agent typed over: changed since the sync's last write, or during this sync."""
    out = []
    for j, (p, r, c) in enumerate(zip(previous[:-1], read[:-1], current[:-1])):
        if c != r or (fresh and any(previous) and r != p):
            out.append(j)
    return out
