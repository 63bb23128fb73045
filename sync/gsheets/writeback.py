"""Writing the computed block back: rows located by 客户编号 at write time, one RAW batchUpdate.

The 客户 values are re-read at write time (one batchGet) and each customer's row is found by
id in what is there now: a row deleted, renumbered, duplicated or edited during the sync is
skipped and reported; a computed cell an agent typed over is overwritten and reported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd
from gspread.exceptions import APIError

from followup.sync.model import Rejection
from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS

from .cells import cell_text, to_cell
from .errors import GSheetsError, GSheetsRequestError, wrap_api_error
from .layout import COMPUTED_HEADERS, CUSTOMERS, Layout, a1_ranges, apply_ranges, same_facts
from .read import Book
from .state import SheetState

__all__ = ["SheetsWriter", "WriteResult"]


@dataclass
class WriteResult:
    rows_written: int = 0
    cells_written: int = 0
    spreadsheets_written: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class SheetsWriter:
    """The write half of `GSheetsSource` (uses its client `http`, `state`, `books`, `_read_grids`)."""

    def write_back(self, tables: Mapping[str, pd.DataFrame]) -> WriteResult:
        """Write each spreadsheet's computed block; `tables` maps origin (or key) → followup_table."""
        out = WriteResult()
        for key, book in self.books.items():
            if book.failed or not book.grids:
                continue
            table = next((tables[k] for k in (book.origin, key, book.store.store if book.store else None)
                          if k is not None and k in tables), None)
            if table is None:
                continue
            try:
                self._write_book(book, table, out)
            except GSheetsError as e:
                out.rejections.append(Rejection(book.origin, CUSTOMERS, None, None, None,
                                                f"计算列未写回 (computed columns not written back): {e}"))
        self.state.save()
        return out

    def _write_book(self, book: Book, table: pd.DataFrame, out: WriteResult) -> None:
        before = Layout(book.grids.get(CUSTOMERS, []))
        # a store's table may span several sources: keep this spreadsheet's customers
        desired = {cid: v for cid, v in _desired(table).items() if cid in before.by_id}
        if not desired or all(before.computed_of(i) == [cell_text(v) for v in vals] for i, vals in desired.items()):
            return  # nothing to change: no request at all
        # Re-read at write time (one batchGet) and locate rows by id in what is there now.
        now_grids = self._read_grids(book.key, book.title, tuple(book.grids))
        now = Layout(now_grids.get(CUSTOMERS, []))
        if now.id_col is None:
            raise GSheetsRequestError(f"工作表「{CUSTOMERS}」找不到「客户编号」列,未写入 "
                                      f"(no 客户编号 column in {CUSTOMERS}: nothing written)", where=book.title)
        previous = Layout(book.previous.get(CUSTOMERS, [])) if book.changed else before
        header_cells, cols = now.computed_columns()
        rows: dict[int, list[Any]] = {}
        warn = lambda row, col, msg, val=None: out.rejections.append(
            Rejection(book.origin, CUSTOMERS, row, col, val, msg, fatal=False))
        for cid, values in desired.items():
            where = now.rows_of(cid)
            if not where:
                warn(None, CUSTOMER_COLUMNS["customer_id"],
                     "该客户在同步期间被删除或改了编号,未写入 (the customer was deleted or its id changed "
                     "during the sync: not written)", cid)
                continue
            if len(where) > 1:
                warn(where[0] + 1, CUSTOMER_COLUMNS["customer_id"],
                     f"客户编号重复(第 {', '.join(str(r + 1) for r in where)} 行),未写入 (duplicate customer id: "
                     "not written)", cid)
                continue
            r = where[0]
            if before.facts_of(cid) != now.facts_of(cid):
                warn(r + 1, None, "该行在同步期间被修改,本次未写入,下次同步会重新计算 (the row was edited during "
                                  "the sync: not written now; the next sync computes it again)", cid)
                continue
            current = now.computed_of(cid)
            edited = _edited(previous.computed_of(cid), before.computed_of(cid), current, book.changed)
            want = [cell_text(v) for v in values]
            for j in edited:
                if current[j] != want[j]:
                    warn(r + 1, COMPUTED_HEADERS[j],
                         "计算列被手工修改,已由同步覆盖 (a computed cell was edited by hand: the sync overwrote it)",
                         current[j])
            if current != want:
                rows[r] = values
        data = a1_ranges(rows, cols, header_cells)
        clean = same_facts(book.grids, now_grids)
        if data:
            body = {"valueInputOption": "RAW", "data": data, "includeValuesInResponse": False}
            self.http.where = book.title
            try:
                self.http.values_batch_update(book.key, body)
            except APIError as e:
                raise wrap_api_error(e, book.title) from None
            out.rows_written += len(rows)
            out.cells_written += sum(len(d["values"]) * len(d["values"][0]) for d in data)
            out.spreadsheets_written.append(book.origin)
            apply_ranges(now_grids[CUSTOMERS], data)
        st = self.state.sheets.setdefault(book.key, SheetState(book.title))
        st.grids, st.wrote, st.clean = now_grids, bool(data) or st.wrote, clean and st.clean
        if book.changed:
            st.modified_time = book.listed_time
        book.grids = now_grids


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
    for j, (p, r, c) in enumerate(zip(previous, read, current)):
        if c != r or (fresh and any(previous) and r != p):
            out.append(j)
    return out
