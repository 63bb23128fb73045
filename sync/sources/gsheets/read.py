"""Reading the spreadsheets: one Drive listing for change detection, one read per changed one.

A spreadsheet whose Drive `modifiedTime` did not move is served from the state file at zero
Sheets calls; a changed one (including one the sync itself wrote last time: its own write is
never trusted as the sheet's state) is read with one `spreadsheets.get` with `includeGridData`
(effective values = UNFORMATTED_VALUE with dates as serial numbers), which also lists the tabs,
their ids and sizes, the formulas (the lookup formula of plan.py) and what the earlier design
left (column developer metadata, its strike-through rule) — so a missing optional tab (礼品) or
the plan tab costs nothing extra. Every answer is validated (answers.py): bad JSON or shapes fail that spreadsheet
only, with its name; a bad Drive listing means every spreadsheet is read in full.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from followup.sync.model import ReadResult, Rejection, StoreData
from followup.udfs.schema import SHEETS

from .answers import DriveList, Spreadsheet, checked, column_metadata, formulas_of, grid_of, old_rules
from .cells import normalize_grid
from .drive import ALL_DRIVES
from .errors import GSheetsError, GSheetsRequestError
from .http import json_of
from .plan import CUSTOMERS, find_plan_tab, is_lookup_formula
from .state import SheetState

__all__ = ["SheetsReader", "Book", "READ_SHEETS", "SPREADSHEET_MIME", "DRIVE_FILES"]

READ_SHEETS = (SHEETS["customers"], SHEETS["calls"], SHEETS["gifts"], SHEETS["settings"])
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
SPREADSHEETS = "https://sheets.googleapis.com/v4/spreadsheets"
_GRID_FIELDS = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    "conditionalFormats(booleanRule(condition)),"
    "data(startRow,startColumn,rowData(values(effectiveValue,userEnteredValue/formulaValue)),"
    "columnMetadata(developerMetadata(metadataId,metadataKey,metadataValue))))"
)


@dataclass
class Book:
    key: str
    title: str
    origin: str = ""
    changed: bool = True
    listed_time: str = ""
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    previous: dict[str, list[list[Any]]] = field(default_factory=dict)  # cache before this read
    store: StoreData | None = None
    failed: bool = False
    sheet_ids: dict[str, int] = field(default_factory=dict)  # tab title → sheetId
    sizes: dict[str, list[int]] = field(default_factory=dict)  # tab title → [rowCount, columnCount]
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # 客户: the sync's lookup formula(s)
    plan_title: str | None = None  # the plan tab as found (renamed by an agent, or None)
    columns: dict[int, list[str]] = field(default_factory=dict)  # earlier design: 客户 column → metadata
    rules: list[int] = field(default_factory=list)  # earlier design: its rule's index in 客户


class SheetsReader:
    """The read half of `source.Spreadsheets` (uses its client `http`, `keys`, `state`, `parse`, `books`)."""

    # set by Spreadsheets.__init__ (declared here for the type checker only)
    http: Any
    keys: list[str]
    state: Any
    parse: Any
    books: dict[str, Book]
    playbook: str | None
    now: Any
    progress: Any

    def list_changes(self) -> dict[str, dict] | None:
        """One Drive listing: id → {name, modifiedTime, me}; None when Drive cannot be listed."""
        params = {
            "q": f"mimeType='{SPREADSHEET_MIME}' and trashed=false",
            "pageSize": 1000,
            "fields": "nextPageToken,files(id,name,modifiedTime,lastModifyingUser(me))",
            **ALL_DRIVES,
        }
        out: dict[str, dict] = {}
        self.http.where = "Drive"
        while True:
            page = checked(DriveList, json_of(self.http.request("get", DRIVE_FILES, params=params), "Drive"), "Drive")
            for f in page.files:
                out[f.id] = {
                    "name": f.name,
                    "modifiedTime": f.modifiedTime,
                    "me": bool(f.lastModifyingUser and f.lastModifyingUser.me),
                }
            token = page.nextPageToken
            if not token:
                return out
            params["pageToken"] = token

    def read(self) -> ReadResult:
        result = ReadResult()
        if self.state.warning:
            result.rejections.append(Rejection("Google Sheets", "", None, None, None, self.state.warning, fatal=False))
        try:
            listing = self.list_changes()
        except GSheetsError as e:
            listing = None
            result.rejections.append(
                Rejection(
                    "Google Drive",
                    "",
                    None,
                    None,
                    None,
                    f"无法列出表格的修改时间,本次全部重新读取 (could not list the spreadsheets' "
                    f"modified times; reading all of them): {e}",
                    fatal=False,
                )
            )
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
                    old.restore(book)
                    old.title = title
                    self.progress(f"{title}: 未修改,0 次请求 (unchanged)")
                else:
                    book.grids = self._read_grids(key, title, book)
                    self.state.sheets[key] = SheetState.of(book, book.listed_time)
                    self.progress(f"{title}: 已读取 (read)")
                part = self.parse(
                    {t: normalize_grid(t, g) for t, g in book.grids.items() if t in READ_SHEETS},
                    book.origin,
                    self.playbook,
                    self.now,
                )
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
        """Only an unmoved modifiedTime: after the sync's own write the next sync reads again, since
        an agent's edit inside the write window moves the same timestamp (and `me` says only who
        was last)."""
        return bool(old.modified_time) and info.get("modifiedTime") == old.modified_time

    def _read_grids(self, key: str, title: str, book: Book) -> dict[str, list[list]]:
        """One `spreadsheets.get` with the grid data of every tab: the tabs we know (READ_SHEETS)
        and the plan tab, with their ids and sizes, 客户's lookup formulas and the earlier design's
        leftovers, stored on `book`."""
        self.http.where = title
        params: dict[str, Any] = {"includeGridData": "true", "fields": _GRID_FIELDS}
        res = checked(
            Spreadsheet, json_of(self.http.request("get", f"{SPREADSHEETS}/{key}", params=params), title), title
        )
        have = {s.properties.title: s for s in res.sheets}
        if CUSTOMERS not in have:
            raise GSheetsRequestError(
                f"缺少工作表「{CUSTOMERS}」,请用 `followup gsheets init` 的模板或把工作表改回此名 "
                f"(the {CUSTOMERS} tab is missing; its tabs are: {', '.join(sorted(have))})",
                where=title,
            )
        book.sheet_ids = {t: s.properties.sheetId for t, s in have.items()}
        book.sizes = {
            t: [s.properties.gridProperties.rowCount, s.properties.gridProperties.columnCount] for t, s in have.items()
        }
        cust = have[CUSTOMERS]
        book.formulas = {rc: f for rc, f in formulas_of(cust).items() if is_lookup_formula(f)}
        book.columns = column_metadata(cust)
        book.rules = old_rules(cust)
        grids = {t: grid_of(have[t]) for t in READ_SHEETS if t in have}
        others = {t: grid_of(s) for t, s in have.items() if t not in READ_SHEETS}
        book.plan_title = find_plan_tab(others, READ_SHEETS)
        if book.plan_title is not None:
            grids[book.plan_title] = others[book.plan_title]
        return grids
