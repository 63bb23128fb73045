"""Reading the spreadsheets: one Drive listing for change detection, one batchGet per changed one.

A spreadsheet whose Drive `modifiedTime` did not move (or moved only by the sync's own write)
is served from the state file at zero Sheets calls; a changed one is read with one
`values:batchGet` (UNFORMATTED_VALUE + SERIAL_NUMBER) and parsed into the sync's `ReadResult`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gspread.exceptions import APIError

from followup.sync.model import ReadResult, Rejection, StoreData
from followup.udfs.schema import SHEETS

from .cells import a1, normalize_grid
from .drive import ALL_DRIVES
from .errors import GSheetsError, GSheetsRequestError, wrap_api_error
from .layout import CUSTOMERS
from .state import SheetState

__all__ = ["SheetsReader", "Book", "READ_SHEETS", "SPREADSHEET_MIME", "DRIVE_FILES"]

READ_SHEETS = (SHEETS["customers"], SHEETS["calls"], SHEETS["gifts"], SHEETS["settings"])
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DRIVE_FILES = "https://www.googleapis.com/drive/v3/files"
_READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS"}


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


class SheetsReader:
    """The read half of `GSheetsSource` (uses its client `http`, `keys`, `state`, `parse`, `books`)."""

    def list_changes(self) -> dict[str, dict] | None:
        """One Drive listing: id → {name, modifiedTime, me}; None when Drive cannot be listed."""
        params = {"q": f"mimeType='{SPREADSHEET_MIME}' and trashed=false", "pageSize": 1000,
                  "fields": "nextPageToken,files(id,name,modifiedTime,lastModifyingUser(me))", **ALL_DRIVES}
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
