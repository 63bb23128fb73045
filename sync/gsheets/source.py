"""Google Sheets as a system of record: read every store's spreadsheet, write the computed block back.

Request budget (per sync):
- one Drive `files.list` for all spreadsheets (Drive's query language has no "id in (…)" term,
  so the listing asks for the spreadsheets the service account can see, paged 1,000 at a time,
  and keeps the configured keys); a spreadsheet whose `modifiedTime` did not move costs
  **zero** Sheets calls: its values come from the state file (see `state.py`);
- a changed spreadsheet costs one `values:batchGet` (客户, 回访记录, 礼品, 设置 with
  UNFORMATTED_VALUE + SERIAL_NUMBER) and, only when a computed cell must change, one more
  `values:batchGet` at write time plus one `values:batchUpdate` (RAW): ≤ 3.

Rows are located by 客户编号 in the values re-read at write time, never by position: a row an
agent inserted, deleted or moved in between still gets its own values, or is skipped and
reported. A computed cell an agent typed over is overwritten and reported.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import gspread
import pandas as pd
from gspread.exceptions import APIError

from followup.sync.model import ReadResult, Rejection, StoreData
from followup.udfs.schema import (CALL_COLUMNS, COMPUTED_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS, GIFT_COLUMNS,
                                  SETTINGS_KEYS, SHEETS, canonical)

from .cells import a1, cell_text, col_letter, normalize_grid, to_cell
from .errors import GSheetsError, GSheetsRequestError, scrub
from .http import wrap_api_error
from .state import SheetState, SyncState

__all__ = ["GSheetsSource", "WriteResult", "READ_SHEETS", "SPREADSHEET_MIME"]

READ_SHEETS = (SHEETS["customers"], SHEETS["calls"], SHEETS["gifts"], SHEETS["settings"])
CUSTOMERS = SHEETS["customers"]
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
_READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS"}
_COMPUTED_HEADERS = list(COMPUTED_COLUMNS.values())


@dataclass
class Book:
    key: str
    title: str
    origin: str = ""
    changed: bool = True
    listed_time: str = ""
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    previous: dict[str, list[list[Any]]] = field(default_factory=dict)   # cache before this read
    store: StoreData | None = None
    failed: bool = False


@dataclass
class WriteResult:
    rows_written: int = 0
    cells_written: int = 0
    spreadsheets_written: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def _parser():
    try:
        from followup.sync.validate import parse_workbook
        return parse_workbook
    except ImportError:  # until sync/validate.py lands: a plain header-mapping reader
        return _basic_parse


class GSheetsSource:
    """One sync's view of the configured spreadsheets: `read()` then `write_back(tables)`."""

    kind = "gsheets"

    def __init__(self, client: gspread.Client, keys: Iterable[str], *, state: SyncState | str | Path | None = None,
                 playbook: str | None = None, now: dt.datetime | None = None,
                 progress: Callable[[str], None] | None = None, parse: Callable | None = None):
        self.client = client
        self.http = client.http_client
        self.keys = list(dict.fromkeys(keys))
        self.state = state if isinstance(state, SyncState) else SyncState.load(state)
        self.playbook, self.now = playbook, now
        self.progress = progress or (lambda message: None)
        self.parse = parse or _parser()
        self.books: dict[str, Book] = {}

    # ------------------------------------------------------------------ read
    def list_changes(self) -> dict[str, dict] | None:
        """One Drive listing: id → {name, modifiedTime, me}; None when Drive cannot be listed."""
        params = {"q": f"mimeType='{SPREADSHEET_MIME}' and trashed=false", "pageSize": 1000,
                  "fields": "nextPageToken,files(id,name,modifiedTime,lastModifyingUser(me))",
                  "supportsAllDrives": True, "includeItemsFromAllDrives": True}
        out: dict[str, dict] = {}
        self.http.where = "Drive"
        while True:
            page = self.http.request("get", DRIVE_FILES, params=params).json()
            for f in page.get("files", []):
                out[f["id"]] = {"name": f.get("name", ""), "modifiedTime": f.get("modifiedTime", ""),
                                "me": bool((f.get("lastModifyingUser") or {}).get("me"))}
            token = page.get("nextPageToken")
            if not token:
                return out
            params["pageToken"] = token

    def read(self) -> ReadResult:
        result = ReadResult()
        try:
            listing = self.list_changes()
        except GSheetsError as e:
            listing = None
            result.rejections.append(Rejection("Google Drive", "", None, None, None,
                                               f"无法列出表格的修改时间,本次全部重新读取 (could not list the spreadsheets' "
                                               f"modified times; reading all of them): {e}", fatal=False))
        titles: dict[str, int] = {}
        for key in self.keys:
            info = (listing or {}).get(key, {})
            old = self.state.sheets.get(key)
            title = info.get("name") or (old.title if old else "") or key
            book = Book(key, title, listed_time=info.get("modifiedTime", ""))
            book.previous = old.grids if old else {}
            n = titles[title] = titles.get(title, 0) + 1
            book.origin = title if n == 1 else f"{title} [{key[:8]}]"
            self.books[key] = book
            try:
                if old and old.grids and info and self._unchanged(info, old):
                    book.changed, book.grids = False, old.grids
                    old.modified_time, old.title = info["modifiedTime"], title
                    self.progress(f"{title}: 未修改,0 次请求 (unchanged)")
                else:
                    book.grids = self._read_grids(key, title)
                    self.state.sheets[key] = SheetState(title, book.listed_time, False, True, book.grids)
                    self.progress(f"{title}: 已读取 (read)")
                part = self.parse({t: normalize_grid(t, g) for t, g in book.grids.items()}, book.origin,
                                  self.playbook, self.now)
                for s in part.stores:
                    s.settings = {**s.settings, "_gsheets_key": key}
                book.store = part.stores[0] if part.stores else None
                result.extend(part)
            except GSheetsError as e:
                book.failed = True
                result.rejections.append(Rejection(book.origin, "", None, None, None, str(e)))
                self.progress(f"{title}: 失败 (failed)")
        self.state.save()
        return result

    @staticmethod
    def _unchanged(info: dict, old: SheetState) -> bool:
        if not old.modified_time or not info.get("modifiedTime"):
            return False
        if info["modifiedTime"] == old.modified_time:
            return True
        # The sync's own write moved modifiedTime; nothing else changed between its read and write.
        return info["modifiedTime"] > old.modified_time and info["me"] and old.wrote and old.clean

    def _read_grids(self, key: str, title: str, sheets: tuple[str, ...] = READ_SHEETS) -> dict[str, list[list]]:
        self.http.where = title
        try:
            try:
                res = self.http.values_batch_get(key, [a1(t) for t in sheets], params=dict(_READ_PARAMS))
            except GSheetsRequestError:
                # A tab is missing (or renamed): find which exist, then read those (2 more calls, only here).
                meta = self.http.fetch_sheet_metadata(key, params={"fields": "sheets.properties.title"})
                have = {s["properties"]["title"] for s in meta.get("sheets", [])}
                if CUSTOMERS not in have:
                    raise GSheetsRequestError(
                        f"缺少工作表「{CUSTOMERS}」,请用 `followup gsheets init` 的模板或把工作表改回此名 "
                        f"(the {CUSTOMERS} tab is missing; its tabs are: {', '.join(sorted(have))})", where=title)
                sheets = tuple(t for t in sheets if t in have)
                res = self.http.values_batch_get(key, [a1(t) for t in sheets], params=dict(_READ_PARAMS))
        except APIError as e:
            raise wrap_api_error(e, title) from None
        ranges = res.get("valueRanges", [])
        return {t: [list(r) for r in (vr.get("values") or [])] for t, vr in zip(sheets, ranges)}

    # ------------------------------------------------------------------ write
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
        before = _Layout(book.grids.get(CUSTOMERS, []))
        # a store's table may span several sources: keep this spreadsheet's customers
        desired = {cid: v for cid, v in _desired(table).items() if cid in before.by_id}
        if not desired or all(before.computed_of(i) == [cell_text(v) for v in vals] for i, vals in desired.items()):
            return  # nothing to change: no request at all
        # Re-read at write time (one batchGet) and locate rows by id in what is there now.
        now_grids = self._read_grids(book.key, book.title, tuple(book.grids))
        now = _Layout(now_grids.get(CUSTOMERS, []))
        if now.id_col is None:
            raise GSheetsRequestError(f"工作表「{CUSTOMERS}」找不到「客户编号」列,未写入 "
                                      f"(no 客户编号 column in {CUSTOMERS}: nothing written)", where=book.title)
        previous = _Layout(book.previous.get(CUSTOMERS, [])) if book.changed else before
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
                    warn(r + 1, _COMPUTED_HEADERS[j],
                         "计算列被手工修改,已由同步覆盖 (a computed cell was edited by hand: the sync overwrote it)",
                         current[j])
            if current != want:
                rows[r] = values
        data = _ranges(rows, cols, header_cells)
        clean = _same_facts(book.grids, now_grids)
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
            _apply(now_grids[CUSTOMERS], data)
        st = self.state.sheets.setdefault(book.key, SheetState(book.title))
        st.grids, st.wrote, st.clean = now_grids, bool(data) or st.wrote, clean and st.clean
        if book.changed:
            st.modified_time = book.listed_time
        book.grids = now_grids

    # ------------------------------------------------------------------ one call for everything
    def sync(self, today: dt.date, compute: Callable[[StoreData, dt.date], pd.DataFrame] | None = None
             ) -> tuple[ReadResult, WriteResult]:
        """read → followup_table per store → write_back (the path `run_sync` takes, in one call)."""
        compute = compute or default_compute(self.playbook)
        read = self.read()
        tables = {}
        for book in self.books.values():
            if book.store is not None:
                tables[book.origin] = compute(book.store, today)
        return read, self.write_back(tables)


def default_compute(playbook: str | None = None) -> Callable[[StoreData, dt.date], pd.DataFrame]:
    def compute(store: StoreData, today: dt.date) -> pd.DataFrame:
        from followup.udfs.table import followup_table
        customers = store.customers.drop(columns=[c for c in store.customers.columns if str(c).startswith("_")],
                                         errors="ignore")
        calls = store.calls.drop(columns=[c for c in store.calls.columns if str(c).startswith("_")], errors="ignore")
        return followup_table(customers, calls, store.playbook or playbook or "optometry", today)
    return compute


def _desired(table: pd.DataFrame) -> dict[str, list[Any]]:
    keys = list(COMPUTED_COLUMNS)
    out: dict[str, list[Any]] = {}
    for rec in table.to_dict("records"):
        cid = cell_text(rec.get("customer_id")).strip()
        if cid:
            out[cid] = [to_cell(rec.get(k)) for k in keys]
    return out


class _Layout:
    """The 客户 grid located by header: where the id and the computed columns are, rows by id."""

    def __init__(self, grid: list[list[Any]]):
        self.grid = grid
        header = grid[0] if grid else []
        cols = {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COMPUTED_COLUMNS}
        self.keys = [canonical(cols, h) for h in header]
        self.width = len(header)
        self.id_col = self.keys.index("customer_id") if "customer_id" in self.keys else None
        self.comp = [self.keys.index(k) if k in self.keys else None for k in COMPUTED_COLUMNS]
        self.by_id: dict[str, list[int]] = {}
        if self.id_col is not None:
            for r in range(1, len(grid)):
                row = grid[r]
                cid = cell_text(row[self.id_col]).strip() if self.id_col < len(row) else ""
                if cid:
                    self.by_id.setdefault(cid, []).append(r)

    def rows_of(self, cid: str) -> list[int]:
        return self.by_id.get(cid, [])

    def _cell(self, r: int, c: int | None) -> str:
        if c is None or r >= len(self.grid) or c >= len(self.grid[r]):
            return ""
        return cell_text(self.grid[r][c])

    def computed_of(self, cid: str) -> list[str]:
        rows = self.rows_of(cid)
        if len(rows) != 1:
            return [""] * len(self.comp) if not rows else ["\0"] * len(self.comp)
        return [self._cell(rows[0], c) for c in self.comp]

    def facts_of(self, cid: str) -> dict[str, str] | None:
        rows = self.rows_of(cid)
        if len(rows) != 1:
            return None
        comp = set(c for c in self.comp if c is not None)
        return {str(self.grid[0][c]): self._cell(rows[0], c) for c in range(self.width) if c not in comp}

    def computed_columns(self) -> tuple[list[tuple[int, str]], list[int]]:
        """0-based column of each computed key; missing ones are added after the last header."""
        cols, header_cells, nxt = [], [], self.width
        for c, head in zip(self.comp, _COMPUTED_HEADERS):
            if c is None:
                c, nxt = nxt, nxt + 1
                header_cells.append((c, head))
            cols.append(c)
        return header_cells, cols


def _edited(previous: list[str], read: list[str], current: list[str], fresh: bool) -> list[int]:
    """Computed columns an agent typed over: changed since the sync's last write, or during this sync."""
    out = []
    for j, (p, r, c) in enumerate(zip(previous, read, current)):
        if c != r or (fresh and any(previous) and r != p):
            out.append(j)
    return out


def _runs(values: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for v in sorted(values):
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def _ranges(rows: dict[int, list[Any]], cols: list[int], header_cells: list[tuple[int, str]]) -> list[dict]:
    """The fewest A1 ranges covering the changed rows × the computed columns (contiguous runs)."""
    data = []
    for c, head in header_cells:
        data.append({"range": a1(CUSTOMERS, f"{col_letter(c + 1)}1"), "values": [[head]]})
    order = sorted(range(len(cols)), key=lambda j: cols[j])
    col_runs: list[list[int]] = []
    for j in order:
        if col_runs and cols[j] == cols[col_runs[-1][-1]] + 1:
            col_runs[-1].append(j)
        else:
            col_runs.append([j])
    for run in _runs(list(rows)):
        for cr in col_runs:
            first, last = cols[cr[0]] + 1, cols[cr[-1]] + 1
            data.append({"range": a1(CUSTOMERS, f"{col_letter(first)}{run[0] + 1}:{col_letter(last)}{run[-1] + 1}"),
                         "values": [[rows[r][j] for j in cr] for r in run]})
    return data


def _apply(grid: list[list[Any]], data: list[dict]) -> None:
    """Mirror a write into the cached grid."""
    for d in data:
        m = re.search(r"!([A-Z]+)(\d+)", d["range"])
        c0 = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1)))) - 1
        r0 = int(m.group(2)) - 1
        for i, row in enumerate(d["values"]):
            while len(grid) <= r0 + i:
                grid.append([])
            target = grid[r0 + i]
            for j, v in enumerate(row):
                while len(target) <= c0 + j:
                    target.append("")
                target[c0 + j] = v


def _strip(grid: list[list[Any]], drop: set[int] = frozenset()) -> list[list[str]]:
    rows = [[cell_text(v) for c, v in enumerate(row) if c not in drop] for row in grid]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _same_facts(a: dict[str, list[list]], b: dict[str, list[list]]) -> bool:
    """Same values apart from the computed block (which the sync itself writes)?"""
    for title in set(a) | set(b):
        ga, gb = a.get(title, []), b.get(title, [])
        if title == CUSTOMERS:
            la, lb = _Layout(ga), _Layout(gb)
            if _strip(ga, {c for c in la.comp if c is not None}) != _strip(gb, {c for c in lb.comp if c is not None}):
                return False
        elif _strip(ga) != _strip(gb):
            return False
    return True


def _basic_parse(sheets: dict[str, list[list]], origin: str, playbook=None, now=None) -> ReadResult:
    """Stand-in for `followup.sync.validate.parse_workbook`: map headers, keep every row."""
    res = ReadResult()
    frames = {}
    for key, cols in (("customers", {**CUSTOMER_COLUMNS, **FACT_COLUMNS}), ("calls", CALL_COLUMNS),
                      ("gifts", GIFT_COLUMNS)):
        grid = sheets.get(SHEETS[key], [])
        head = [canonical(cols, h) for h in (grid[0] if grid else [])]
        records = []
        for i, row in enumerate(grid[1:], start=2):
            if not any(cell_text(v).strip() for v in row):
                continue
            rec = {k: (row[j] if j < len(row) and row[j] != "" else None) for j, k in enumerate(head) if k}
            rec["_row"] = i
            records.append(rec)
        frames[key] = pd.DataFrame(records, columns=[k for k in head if k] + ["_row"])
        res.rows_read[(origin, SHEETS[key])] = res.rows_used[(origin, SHEETS[key])] = len(records)
        res.rows_rejected[(origin, SHEETS[key])] = 0
    settings = {}
    for row in sheets.get(SHEETS["settings"], []):
        if len(row) >= 2 and cell_text(row[0]).strip():
            k = canonical(SETTINGS_KEYS, row[0]) or cell_text(row[0]).strip()
            settings[k] = cell_text(row[1]).strip()
    res.stores.append(StoreData(origin=origin, store=settings.get("store") or origin, group=settings.get("store_group"),
                                playbook=settings.get("playbook") or playbook, settings=settings,
                                customers=frames["customers"], calls=frames["calls"], gifts=frames["gifts"]))
    return res


def scrubbed(text: object) -> str:  # re-exported for callers that log
    return scrub(text)
