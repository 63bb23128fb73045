"""Writing the results back: the whole plan into the sync's own tab, in ONE request.

Per changed spreadsheet the write is one `spreadsheets.batchUpdate` (with the read: ≤ 2
requests), sent only when something must change; nothing is re-read before it:

- the plan tab (`plan.PLAN_TAB`, at the end, protected with a warning only) is created when
  missing, renamed back when an agent renamed it (found by its header), grown when the plan
  needs more rows or columns than its grid has (Google refuses values beyond the grid), and
  replaced as a whole by one `updateCells` from A1: the header, one row per 客户编号 (the id
  exactly as 客户 holds it, so VLOOKUP matches), padded with cleared cells down to the old
  content's extent, so a shorter plan leaves no stale tail;
- in 客户 the sync touches one cell, the lookup formula in the header row, and only to place or
  restore it: placed into BLOCK freshly inserted columns (insertDimension then updateCells, in
  the same request, so it never lands on a cell an agent filled in the meantime), or rewritten
  by `findReplace` of its exact old text (a compare-and-set: a cell that no longer holds the
  sync's formula is never replaced);
- a sheet set up by the earlier design (developer metadata on its columns, the 核对编号 echo
  column, the strike-through rule) is converted in the same request, with a message: the rule
  and the tags are deleted, the tagged columns removed and the formula placed where they were.
  This one-time conversion is located by the read (positions), the only positional step.

Values typed into the computed block are never written over: the formula then shows #REF!
and each such cell is reported by row and column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from followup.sync.model import Rejection
from followup.udfs.schema import COMPUTED_COLUMNS

from .answers import METADATA_KEY, BatchUpdate, checked
from .cells import cell_text, to_cell
from .errors import GSheetsError
from .http import json_of
from .plan import BLOCK, COMPUTED_HEADERS, CUSTOMERS, PLAN_HEADERS, PLAN_TAB, col_name, place, plan_grid, same_grid
from .read import SPREADSHEETS, Book
from .state import SheetState

__all__ = ["SheetsWriter", "WriteResult", "DATE_FORMAT"]

DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
_DATE_COLUMNS = [1 + list(COMPUTED_COLUMNS).index(k) for k in COMPUTED_COLUMNS if k.endswith("_date")]


@dataclass
class WriteResult:
    rows_written: int = 0  # plan rows written
    cells_written: int = 0  # plan cells written (the plan tab's)
    spreadsheets_written: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    requests: int = 0


class SheetsWriter:
    """The write half of `source.Spreadsheets` (uses its client `http`, `state`, `books`)."""

    # set by Spreadsheets (declared here for the type checker only)
    http: Any
    state: Any
    books: dict[str, Book]

    def write_back(self, tables: Mapping[str, pd.DataFrame]) -> WriteResult:
        """Write each spreadsheet's plan; `tables` maps store name (or origin, or key) → followup_table."""
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
                        PLAN_TAB,
                        None,
                        None,
                        None,
                        f"跟进计划未写回 (the plan was not written back): {e}",
                    )
                )
        self.state.save()
        return out

    def _write_book(self, book: Book, table: pd.DataFrame, out: WriteResult) -> None:
        grid = book.grids.get(CUSTOMERS, [])
        spot = place(grid, book.formulas, book.columns)

        def note(row: int | None, col: str | None, message: str, value: Any = None) -> None:
            out.rejections.append(Rejection(book.origin, CUSTOMERS, row, col, value, message, fatal=False))

        if spot.head is None or spot.id_col is None:
            return  # the reader has already said what is wrong with 客户
        ids: dict[str, Any] = {}  # 客户编号 as text → as the cell holds it (VLOOKUP compares types)
        for row in grid[spot.head + 1 :]:
            raw = row[spot.id_col] if spot.id_col < len(row) else ""
            text = cell_text(raw).strip()
            if text and text not in ids:
                ids[text] = raw
        wanted = _desired(table)
        plan = plan_grid((ids[c], wanted[c]) for c in ids if c in wanted)
        for r, c, v in spot.typed:
            note(
                r + 1,
                _block_header(c - (spot.anchor or 0)),
                f"{col_name(c)}{r + 1} 是手工输入的值,计算列的查找公式因此无法展开(显示 #REF!),同步没有覆盖它;"
                f"请清空该单元格 (a value typed into the computed block at {col_name(c)}{r + 1} stops the lookup "
                "formula from expanding (it shows #REF!); the sync did not overwrite it: clear the cell)",
                v,
            )
        if spot.blocked:
            note(spot.head + 1, None, spot.blocked)

        sheet_ids, sizes = book.sheet_ids, book.sizes
        cust = sheet_ids[CUSTOMERS]
        reqs: list[dict] = []
        converted = bool(book.columns or book.rules or spot.remove)
        for i in sorted(book.rules, reverse=True):
            reqs.append({"deleteConditionalFormatRule": {"sheetId": cust, "index": i}})
        if book.columns:
            reqs.append(
                {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {"metadataKey": METADATA_KEY}}}}
            )
        for c in sorted(spot.remove, reverse=True):
            reqs.append({"deleteDimension": {"range": _cols(cust, c, c + 1)}})

        title = book.plan_title
        current = book.grids.get(title, []) if title else []
        rows_needed = max(len(plan), len(current))
        cols_needed = max(len(PLAN_HEADERS), max((len(r) for r in current), default=0))
        if title is None:
            plan_id = max(sheet_ids.values(), default=0) + 1
            reqs.append(
                {
                    "addSheet": {
                        "properties": {
                            "sheetId": plan_id,
                            "title": PLAN_TAB,
                            "index": len(sheet_ids),
                            "gridProperties": {
                                "rowCount": max(rows_needed, 100),
                                "columnCount": cols_needed,
                                "frozenRowCount": 1,
                            },
                        }
                    }
                }
            )
            reqs.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {"sheetId": plan_id},
                            "description": "同步写入的跟进计划,请勿手改 (written by the sync: do not edit)",
                            "warningOnly": True,
                        }
                    }
                }
            )
            reqs += [_date_format(plan_id, c) for c in _DATE_COLUMNS]
            sizes = {**sizes, PLAN_TAB: [max(rows_needed, 100), cols_needed]}
        else:
            plan_id = sheet_ids[title]
            have_rows, have_cols = (sizes.get(title) or [0, 0])[:2]
            props: dict[str, Any] = {"sheetId": plan_id}
            fields = []
            if title != PLAN_TAB:
                props["title"], fields = PLAN_TAB, ["title"]
                note(
                    None,
                    None,
                    f"工作表「{title}」是同步的「{PLAN_TAB}」,已改回原名 (the tab “{title}” is the sync's "
                    f"“{PLAN_TAB}” tab: renamed back)",
                )
            if rows_needed > have_rows or cols_needed > have_cols:  # Google refuses values beyond the grid
                props["gridProperties"] = {
                    "rowCount": max(rows_needed, have_rows),
                    "columnCount": max(cols_needed, have_cols),
                }
                fields += ["gridProperties.rowCount", "gridProperties.columnCount"]
                sizes = {**sizes, title: [max(rows_needed, have_rows), max(cols_needed, have_cols)]}
            if fields:
                reqs.append({"updateSheetProperties": {"properties": props, "fields": ",".join(fields)}})
        plan_changed = title is None or not same_grid(plan, current)
        cells = 0
        if plan_changed:
            rows = [
                {"values": [_cell(row[j] if j < len(row) else None) for j in range(cols_needed)]}
                for row in plan + [[]] * (rows_needed - len(plan))
            ]
            cells = sum(1 for row in plan for v in row if cell_text(v) != "")
            reqs.append(
                {
                    "updateCells": {
                        "start": {"sheetId": plan_id, "rowIndex": 0, "columnIndex": 0},
                        "rows": rows,
                        "fields": "userEnteredValue",
                    }
                }
            )

        formulas = dict(book.formulas)
        if spot.insert_at is not None:
            at = spot.insert_at
            reqs.append(
                {"insertDimension": {"range": _cols(cust, at, at + BLOCK), "inheritFromBefore": at > 0}},
            )
            reqs.append(
                {
                    "updateCells": {
                        "start": {"sheetId": cust, "rowIndex": spot.head, "columnIndex": at},
                        "rows": [{"values": [{"userEnteredValue": {"formulaValue": spot.want}}]}],
                        "fields": "userEnteredValue",
                    }
                }
            )
            reqs.append(
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            "range": {**_cols(cust, at, at + BLOCK), "startRowIndex": spot.head + 1},
                            "description": "计算列:按客户编号查找跟进计划,请勿手改 (looked up from the plan: do not edit)",
                            "warningOnly": True,
                        }
                    }
                }
            )
            formulas = {(spot.head, at): spot.want}
        elif spot.anchor is not None and _renamed_back(spot.formula, title) != spot.want:
            reqs.append(
                {
                    "findReplace": {
                        "find": _renamed_back(spot.formula, title),
                        "replacement": spot.want,
                        "matchCase": True,
                        "matchEntireCell": True,
                        "includeFormulas": True,
                        "sheetId": cust,
                    }
                }
            )
            formulas = {(spot.head, spot.anchor): spot.want}
        if not reqs:
            return  # nothing to change: no request at all
        if book.columns or book.rules:
            note(
                None,
                None,
                f"已改用「{PLAN_TAB}」工作表和按客户编号查找的公式:删除了旧的同步标记、核对编号列和删除线规则 "
                f"(converted to the “{PLAN_TAB}” tab and the lookup formula: the earlier sync's column tags, "
                "its 核对编号 column and its strike-through rule were removed)",
            )
        elif converted:
            note(
                spot.head + 1,
                None,
                "旧模板手工输入的计算列表头已换成按客户编号查找的公式 (the computed headers typed by the earlier "
                "template were replaced by the lookup formula)",
            )
        self.http.where = book.title
        checked(
            BatchUpdate,
            json_of(
                self.http.request("post", f"{SPREADSHEETS}/{book.key}:batchUpdate", json={"requests": reqs}), book.title
            ),
            book.title,
        )
        out.requests += 1
        out.spreadsheets_written.append(book.origin)
        if plan_changed:
            out.rows_written += len(plan) - 1
            out.cells_written += cells
        # what the cache keeps: the next sync reads this spreadsheet again (the write moved its time)
        book.grids = {t: g for t, g in book.grids.items() if t != title}
        book.grids[PLAN_TAB] = [list(r) for r in plan]
        book.plan_title, book.formulas, book.columns, book.rules = PLAN_TAB, formulas, {}, []
        book.sheet_ids = {t: i for t, i in sheet_ids.items() if t != title} | {PLAN_TAB: plan_id}
        plan_size = sizes[title] if title else sizes[PLAN_TAB]
        book.sizes = {t: v for t, v in sizes.items() if t != title} | {PLAN_TAB: plan_size}
        old = self.state.sheets.get(book.key)
        self.state.sheets[book.key] = SheetState.of(
            book, book.listed_time if book.changed or old is None else old.modified_time
        )


def _cols(sheet_id: int, start: int, end: int) -> dict:
    return {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": start, "endIndex": end}


def _date_format(sheet_id: int, col: int) -> dict:
    return {
        "repeatCell": {
            "range": {"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": col, "endColumnIndex": col + 1},
            "cell": {"userEnteredFormat": {"numberFormat": DATE_FORMAT}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def _cell(v: Any) -> dict:
    """A CellData of the plan: a typed value, never a formula ({} clears the cell)."""
    if v is None or cell_text(v) == "":
        return {}
    if isinstance(v, bool):
        return {"userEnteredValue": {"boolValue": v}}
    if isinstance(v, (int, float)):
        return {"userEnteredValue": {"numberValue": v}}
    return {"userEnteredValue": {"stringValue": str(v)}}


def _renamed_back(formula: str, title: str | None) -> str:
    """The formula as it will read once the plan tab has its name again (Google rewrites the
    references of a renamed tab in every formula)."""
    if not title or title == PLAN_TAB:
        return formula
    new = "'" + PLAN_TAB + "'!"
    return formula.replace("'" + title.replace("'", "''") + "'!", new).replace(f"{title}!", new)


def _block_header(offset: int) -> str:
    return COMPUTED_HEADERS[offset] if 0 <= offset < len(COMPUTED_HEADERS) else ""


def _desired(table: pd.DataFrame) -> dict[str, list[Any]]:
    keys = list(COMPUTED_COLUMNS)
    out: dict[str, list[Any]] = {}
    for rec in table.to_dict("records"):
        cid = cell_text(rec.get("customer_id")).strip()
        if cid:
            out[cid] = [to_cell(rec.get(k)) for k in keys]
    return out
