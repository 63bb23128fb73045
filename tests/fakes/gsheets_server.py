"""A loopback fake of the part of Google Sheets v4 and Drive v3 that followup uses.

stdlib `http.server` in a thread on 127.0.0.1, port 0, state in memory. Responses are shaped
on Google's (`valueRanges`, `updatedRange`, `{"error": {"code", "message", "status"}}`,
Drive's `files(id,name,modifiedTime,lastModifyingUser)`), so the real gspread + requests code
runs unchanged against it. It counts requests, injects faults (HTTP status or a slow answer),
and runs hooks after a request — e.g. an agent inserting rows between the sync's read and write.

Developer metadata follows Google's documented semantics: metadata on a ROW/COLUMN moves when
rows/columns are inserted or deleted before it (`insert_dimension` / `delete_dimension` /
`move_dimension`, the agent's structural edits) and is deleted with its row/column; a sort or
any value edit (`agent_edit`) moves values, not metadata. `values:batchUpdateByDataFilter`
writes to every range a filter matches, nothing where it matches none (and the response then
has no entry for that filter). `spreadsheets.get` honours `includeGridData` and `ranges`.


Cells hold what Sheets holds under UNFORMATTED_VALUE: str, int/float, bool, and `SerialDate`
(a float: a cell Sheets took as a date, rendered by `dateTimeRenderOption`). A value written with
USER_ENTERED that starts with "=" becomes a formula (kept in `Sheet.formulas`), RAW never does;
`updateCells` with `formulaValue` too. Reads show what the agent sees: formulas are evaluated
(gsheets_formulas.py: at least the lookup formula the project writes, with array expansion and
#REF! when a typed value blocks it); `view()` gives tests the same. Structural edits (insert,
delete, move rows/columns; insert/delete cells with a shift; renaming a tab) move formulas and
rewrite their references as Sheets does.

Grids have a size (`rowCount`/`columnCount`): a value written beyond it is refused with Google's
"exceeds grid limits" 400; `insertDimension`/`appendDimension`/`updateSheetProperties` grow it.
A reader's write is refused with 403 on every write route; a protected range (not warning-only)
refuses writes by anyone but the owner and its editors with Google's 403. A batchUpdate is
applied all or nothing. Developer-metadata lookups are checked as the reference says (e.g.
`locationType` must be left unspecified with `EXACT_LOCATION`).

Strict like Google (see "identities, sharing, quota" below): callers are told apart by their
bearer token (`identities`); a file is visible only to its owner, the people it is shared with,
members of its shared drive (listed only with corpora=allDrives + includeItemsFromAllDrives +
supportsAllDrives); a service account cannot create files outside a shared drive (403
storageQuotaExceeded in Drive's error shape); Drive answers only the `fields` asked for; a 429
carries `Retry-After` and an ErrorInfo. tests/contract pins these shapes to Google's.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from fakes.gsheets_formulas import CellError, Formula, evaluate, rename_refs, shift_refs

__all__ = ["FakeGoogle", "Fault", "SerialDate", "Identity", "Formula", "CellError", "a1_to_bounds", "col_letter"]


def col_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


def split_range(a1: str) -> tuple[str, str]:
    """`'客户'!A1:B2` → ("客户", "A1:B2"); `客户` → ("客户", "")."""
    a1 = a1.strip()
    if a1.startswith("'"):
        i, name = 1, []
        while i < len(a1):
            if a1[i] == "'":
                if i + 1 < len(a1) and a1[i + 1] == "'":
                    name.append("'")
                    i += 2
                    continue
                break
            name.append(a1[i])
            i += 1
        rest = a1[i + 1 :]
        return "".join(name), rest[1:] if rest.startswith("!") else rest
    if "!" in a1:
        name, rest = a1.split("!", 1)
        return name, rest
    return a1, ""


def a1_to_bounds(ref: str) -> tuple[int, int, int | None, int | None]:
    """`B2:D5` → (row0=1, col0=1, row_end=5, col_end=4) 0-based start, exclusive end; open ends None."""
    if not ref:
        return 0, 0, None, None
    parts = ref.split(":")
    m1 = _CELL.match(parts[0])
    m2 = _CELL.match(parts[-1])
    if not m1 or not m2:
        raise ValueError(ref)
    c1, r1 = m1.groups()
    c2, r2 = m2.groups()
    row0 = int(r1) - 1 if r1 else 0
    col0 = _col_number(c1) - 1 if c1 else 0
    row_end = int(r2) if r2 else None
    col_end = _col_number(c2) if c2 else None
    if len(parts) == 1 and r1 and c1:
        row_end, col_end = row0 + 1, col0 + 1
    return row0, col0, row_end, col_end


@dataclass
class Fault:
    """Answer the next `times` matching requests with `status` (or sleep `delay` s first)."""

    status: int | None = 500
    times: int = 1
    key: str | None = None  # only requests for this spreadsheet / file id
    kind: str | None = None  # e.g. "values:batchGet", "values:batchUpdate", "drive.list"
    delay: float = 0.0
    message: str = ""
    retry_after: str | None = None  # 429/503: the Retry-After header (429 default "1"; "" for none)
    reason: str | None = None  # the ErrorInfo reason (default from the status)
    body: bytes | None = None  # answer 200 with this raw body (e.g. malformed JSON)
    active: Callable[[], bool] | None = None  # only while this says so (e.g. a storm of 30 s)


@dataclass
class Sheet:
    title: str
    sheet_id: int
    rows: list[list[Any]] = field(default_factory=list)  # typed values ("" under a formula)
    props: dict = field(default_factory=dict)
    conditional_formats: list[dict] = field(default_factory=list)  # Sheet.conditionalFormats
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) → formula text
    row_count: int = 0  # gridProperties (0: from the rows at creation)
    col_count: int = 0
    protected: list[dict] = field(default_factory=list)  # ProtectedRange

    def __post_init__(self):
        grid = self.props.pop("gridProperties", {}) if isinstance(self.props, dict) else {}
        self.props.update({"gridProperties": {k: v for k, v in grid.items() if k not in ("rowCount", "columnCount")}})
        self.row_count = self.row_count or grid.get("rowCount") or max(1000, len(self.rows))
        self.col_count = (
            self.col_count or grid.get("columnCount") or max(26, max((len(r) for r in self.rows), default=0))
        )
        for r, row in enumerate(self.rows):
            for c, v in enumerate(row):
                if isinstance(v, Formula):
                    self.formulas[(r, c)] = str(v)
                    row[c] = ""

    def fit(self) -> None:
        """Grow the grid to hold every typed row and column (what the browser does on a paste)."""
        self.row_count = max(self.row_count, len(self.rows))
        self.col_count = max(self.col_count, max((len(r) for r in self.rows), default=0))


@dataclass
class Spreadsheet:
    key: str
    title: str
    sheets: list[Sheet]
    modified: float
    modified_by_me: bool = False
    requests_applied: list[dict] = field(default_factory=list)  # spreadsheets.batchUpdate requests
    parents: list[str] = field(default_factory=list)
    owner: str = ""
    acl: dict[str, str] = field(default_factory=dict)  # e-mail → role
    modified_by: str = ""
    metadata: list[dict] = field(default_factory=list)  # developer metadata

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

    @property
    def formulas(self) -> dict[tuple[str, int, int], str]:
        """Every formula of the spreadsheet: (tab, row, col) → text."""
        return {(s.title, r, c): f for s in self.sheets for (r, c), f in s.formulas.items()}

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)


@dataclass
class DriveFile:
    id: str
    name: str
    mime: str
    content: bytes
    parents: list[str]
    modified: float
    owner: str = ""
    acl: dict[str, str] = field(default_factory=dict)
    modified_by: str = ""


@dataclass
class Identity:
    email: str
    service_account: bool = False


@dataclass
class Folder:
    id: str
    drive: str | None = None  # shared drive id, None for My Drive
    owner: str = ""
    acl: dict[str, str] = field(default_factory=dict)


class SerialDate(float):
    """A date cell: its serial number (1899-12-30 epoch, as Sheets counts)."""

    def text(self) -> str:
        d = dt.datetime(1899, 12, 30) + dt.timedelta(days=float(self))
        return f"{d:%Y-%m-%d}" if float(self).is_integer() else f"{d:%Y-%m-%d %H:%M:%S}"


class FakeGoogle:
    """The fake. `with FakeGoogle() as g:` starts it; `g.url` is the base URL for `make_client`."""

    ME = "fake-token"  # the sync's service account
    SA_EMAIL = "followup-sync@followup-test.iam.gserviceaccount.com"
    USER = "user-token"  # a person signed in with OAuth
    OWNER_EMAIL = "owner@example.com"
    AGENT = "agent-token"  # an agent who opens the printed URL
    AGENT_EMAIL = "agent@example.com"

    def __init__(self):
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.files: dict[str, DriveFile] = {}
        self.identities = {
            self.ME: Identity(self.SA_EMAIL, True),
            self.USER: Identity(self.OWNER_EMAIL),
            self.AGENT: Identity(self.AGENT_EMAIL),
        }
        self.drives: dict[str, dict[str, str]] = {}  # shared drive id → member e-mail → role
        self.folders: dict[str, Folder] = {}
        self.notified: list[tuple[str, str]] = []  # (e-mail, file id) sharing e-mails sent
        self.faults: list[Fault] = []
        self.hooks: list[Callable[[FakeGoogle, str, str | None], None]] = []
        self.requests: list[tuple[str, str, str | None]] = []  # (method, kind, key)
        self.lock = threading.RLock()
        self._clock = time.time()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # ---------- lifecycle
    def __enter__(self) -> FakeGoogle:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        handler = _handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # ---------- state helpers for tests
    def tick(self) -> float:
        with self.lock:
            self._clock = max(self._clock + 0.001, time.time())
            return self._clock

    def add_spreadsheet(
        self,
        title: str,
        sheets: dict[str, list[list[Any]]],
        key: str | None = None,
        *,
        owner: str | None = None,
        shared_with: dict[str, str] | None = None,
        folder: str | None = None,
    ) -> str:
        """A store's sheet, by default owned by a person and shared with the service account as an
        editor (what the README tells users to do); `shared_with={}` keeps it private."""
        key = key or uuid.uuid4().hex[:20] + "fake"
        with self.lock:
            self.spreadsheets[key] = Spreadsheet(
                key,
                title,
                [Sheet(t, 1000 + i, [list(r) for r in rows]) for i, (t, rows) in enumerate(sheets.items())],
                self.tick(),
                parents=[folder] if folder else [],
                owner=owner or self.OWNER_EMAIL,
                acl=dict({self.SA_EMAIL: "writer"} if shared_with is None else shared_with),
            )
        return key

    def add_shared_drive(self, drive_id: str = "0AsharedDrive1", members: dict[str, str] | None = None) -> str:
        """A shared drive (its root folder has the drive's id); members default: the service account."""
        with self.lock:
            self.drives[drive_id] = dict({self.SA_EMAIL: "fileOrganizer"} if members is None else members)
            self.folders[drive_id] = Folder(drive_id, drive_id)
        return drive_id

    def add_folder(
        self,
        folder_id: str,
        *,
        drive: str | None = None,
        owner: str | None = None,
        shared_with: dict[str, str] | None = None,
    ) -> str:
        """A folder in a shared drive, or in `owner`'s My Drive shared with `shared_with`."""
        with self.lock:
            self.folders[folder_id] = Folder(
                folder_id, drive, "" if drive else owner or self.OWNER_EMAIL, dict(shared_with or {})
            )
        return folder_id

    def grid(self, key: str, sheet: str) -> list[list[Any]]:
        """The typed values (a formula's cell and what it fills are "")."""
        with self.lock:
            return [list(r) for r in self.spreadsheets[key].sheet(sheet).rows]

    def view(self, key: str, sheet: str) -> list[list[Any]]:
        """What the agent sees: typed values and evaluated formulas (CellError for an error)."""
        with self.lock:
            ss = self.spreadsheets[key]
            return _trim([list(r) for r in self._effective(ss, ss.sheet(sheet))])

    def agent_edit(self, key: str, sheet: str, fn: Callable[[list[list[Any]]], None]) -> None:
        """Change a sheet's typed values as an agent would (in the browser): bumps modifiedTime, not
        by us. Formulas stay where they are (a sort of the rows under the header moves values only)."""
        with self.lock:
            ss = self.spreadsheets[key]
            sh = ss.sheet(sheet)
            fn(sh.rows)
            sh.fit()
            ss.modified, ss.modified_by_me = self.tick(), False

    def agent_type(self, key: str, sheet: str, row: int, col: int, value: Any) -> None:
        """An agent types `value` into one cell (0-based), replacing a formula there."""

        def edit(rows):
            while len(rows) <= row:
                rows.append([])
            while len(rows[row]) <= col:
                rows[row].append("")
            rows[row][col] = value

        with self.lock:
            self.spreadsheets[key].sheet(sheet).formulas.pop((row, col), None)
            self.agent_edit(key, sheet, edit)

    def agent_rename_tab(self, key: str, old: str, new: str) -> None:
        """An agent renames a tab: every formula's references to it follow, as in Sheets."""
        with self.lock:
            ss = self.spreadsheets[key]
            _rename_tab(ss, ss.sheet(old), new)
            ss.modified, ss.modified_by_me = self.tick(), False

    def agent_shift_cells(self, key: str, sheet: str, op: str, row: int, col: int, direction: str) -> None:
        """Insert (op "insert") or delete ("delete") ONE cell at (row, col), shifting the rest of its
        row right/left (direction "right") or of its column down/up ("down"), as Sheets' Insert
        cells / Delete cells do. Formulas in the shifted cells move; references are not rewritten
        (Sheets rewrites only references wholly inside the shifted range)."""
        with self.lock:
            ss = self.spreadsheets[key]
            sh = ss.sheet(sheet)
            _shift_cells(sh, op, row, col, direction)
            sh.fit()
            ss.modified, ss.modified_by_me = self.tick(), False

    def agent_structure(
        self, key: str, sheet: str, op: str, dimension: str, start: int, count: int = 1, to: int | None = None
    ) -> None:
        """A structural edit as an agent makes it: op "insert" / "delete" / "move" of `count` ROWS
        or COLUMNS at 0-based `start` (move: to index `to` of the grid before the move). Values and
        developer metadata move together, as in Sheets."""
        with self.lock:
            ss = self.spreadsheets[key]
            sh = ss.sheet(sheet)
            {"insert": _insert_dim, "delete": _delete_dim, "move": _move_dim}[op](ss, sh, dimension, start, count, to)
            ss.modified, ss.modified_by_me = self.tick(), False

    def protect(self, key: str, sheet: str, *, warning_only: bool = False, editors: list[str] | None = None) -> None:
        """The owner protects a whole tab (editors: who may still edit it; the owner always may)."""
        with self.lock:
            sh = self.spreadsheets[key].sheet(sheet)
            sh.protected.append(
                {
                    "protectedRangeId": len(sh.protected) + 1,
                    "range": {"sheetId": sh.sheet_id},
                    "warningOnly": warning_only,
                    "editors": {"users": list(editors or [])},
                }
            )

    def conditional_formats(self, key: str, sheet: str) -> list[dict]:
        """The sheet's conditional-format rules (addConditionalFormatRule), first rule first."""
        return list(self.spreadsheets[key].sheet(sheet).conditional_formats)

    def metadata_at(self, key: str, sheet: str, dimension: str) -> dict[int, list[tuple[str, str]]]:
        """index → [(metadataKey, metadataValue)] of the ROW/COLUMN metadata on a sheet."""
        with self.lock:
            ss = self.spreadsheets[key]
            sid = ss.sheet(sheet).sheet_id
            out: dict[int, list[tuple[str, str]]] = {}
            for m in ss.metadata:
                dr = m["location"].get("dimensionRange") or {}
                if dr.get("sheetId") == sid and dr.get("dimension") == dimension:
                    out.setdefault(dr["startIndex"], []).append((m["metadataKey"], m.get("metadataValue", "")))
            return out

    def count(self, kind: str | None = None, key: str | None = None) -> int:
        with self.lock:
            return sum(1 for _, k, sk in self.requests if (kind is None or k == kind) and (key is None or sk == key))

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()

    # ---------- request handling
    def _fault_for(self, kind: str, key: str | None) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if (
                    f.times > 0
                    and (f.key is None or f.key == key)
                    and (f.kind is None or f.kind == kind)
                    and (f.active is None or f.active())
                ):
                    f.times -= 1
                    return f
        return None

    def handle(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes, headers: dict[str, str]
    ) -> tuple[int, dict | bytes, dict[str, str]]:
        kind, key, handler = self._route(method, path, query)
        with self.lock:
            self.requests.append((method, kind, key))
        who = self._who(headers)
        if who is None:
            return 401, _err(401, "Request is missing required authentication credential.", "UNAUTHENTICATED"), {}
        fault = self._fault_for(kind, key)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.body is not None:
                return 200, fault.body, {}
            if fault.status:
                return _fault_response(fault, kind)
        if handler is None:
            return 404, _err(404, f"fake: no route for {method} {path}", "NOT_FOUND"), {}
        try:
            with self.lock:
                if (
                    key is not None
                    and kind.startswith(("sheets", "values"))
                    and kind != "sheets.create"
                    and key not in self.spreadsheets
                ):
                    return 404, _err(404, "Requested entity was not found.", "NOT_FOUND"), {}
                denied = self._sheets_denied(kind, key, who)
                if denied is not None:
                    return denied
                self._caller = who
                result = handler(key, query, body, headers)
                if key in self.spreadsheets and kind in _SHEETS_WRITES:
                    self.spreadsheets[key].modified_by = who.email
        except _Denied as e:
            return 403, _err(403, str(e), "PERMISSION_DENIED"), {}
        except _Bad as e:
            if kind.startswith("drive"):
                return 400, _drive_err(400, "invalid", str(e)), {}
            return 400, _err(400, str(e), "INVALID_ARGUMENT"), {}
        finally:
            for hook in list(self.hooks):
                hook(self, kind, key)
        return result if isinstance(result, tuple) else (200, result, {})

    def _route(self, method: str, path: str, query):
        m = re.match(r"^/v4/spreadsheets/([^/:]+)(.*)$", path)
        if path == "/v4/spreadsheets" and method == "POST":
            return "sheets.create", None, self._create
        if m:
            key, tail = m.group(1), m.group(2)
            if tail == "" and method == "GET":
                return "sheets.get", key, self._get_meta
            if tail == ":batchUpdate" and method == "POST":
                return "sheets.batchUpdate", key, self._batch_update
            if tail == "/values:batchGet" and method == "GET":
                return "values:batchGet", key, self._values_batch_get
            if tail == "/values:batchUpdate" and method == "POST":
                return "values:batchUpdate", key, self._values_batch_update
            if tail == "/values:batchUpdateByDataFilter" and method == "POST":
                return "values:batchUpdateByDataFilter", key, self._values_update_by_filter
            mv = re.match(r"^/values/(.+)$", tail)
            if mv and method == "GET":
                return "values.get", key, lambda k, q, b, h: self._values_get(k, unquote(mv.group(1)), q)
            if mv and method == "PUT":
                return "values.update", key, lambda k, q, b, h: self._values_update(k, unquote(mv.group(1)), q, b)
        if path == "/drive/v3/files" and method == "GET":
            return "drive.list", None, self._drive_list
        if path == "/drive/v3/files" and method == "POST":
            return "drive.create", None, self._drive_create
        mp = re.match(r"^/drive/v3/files/([^/]+)/permissions$", path)
        if mp and method == "POST":
            return "drive.permissions.create", mp.group(1), self._permission_create
        mu = re.match(r"^/upload/drive/v3/files(?:/([^/]+))?$", path)
        if mu and method in ("POST", "PATCH"):
            fid = mu.group(1)
            return ("drive.update" if fid else "drive.create"), fid, self._drive_upload
        md = re.match(r"^/drive/v3/files/([^/]+)$", path)
        if md and method == "GET":
            return "drive.get", md.group(1), self._drive_get
        return "unknown", None, None

    # ---------- Sheets
    def _ss(self, key: str) -> Spreadsheet:
        return self.spreadsheets[key]

    def _sheet_of(self, ss: Spreadsheet, a1: str) -> tuple[Sheet, str]:
        name, ref = split_range(a1)
        sh = ss.sheet(name)
        if sh is None:
            raise _Bad(f"Unable to parse range: {a1}")
        return sh, ref

    def _meta(self, ss: Spreadsheet) -> dict:
        return {
            "spreadsheetId": ss.key,
            "properties": {"title": ss.title, "locale": "zh_CN", "timeZone": "Asia/Shanghai"},
            "sheets": [
                {
                    "properties": {
                        "sheetId": s.sheet_id,
                        "title": s.title,
                        "index": i,
                        "sheetType": "GRID",
                        "gridProperties": {
                            "rowCount": s.row_count,
                            "columnCount": s.col_count,
                            **s.props.get("gridProperties", {}),
                        },
                        **{k: v for k, v in s.props.items() if k != "gridProperties"},
                    },
                    **({"conditionalFormats": s.conditional_formats} if s.conditional_formats else {}),
                    **({"protectedRanges": s.protected} if s.protected else {}),
                }
                for i, s in enumerate(ss.sheets)
            ],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.key}/edit",
        }

    def _get_meta(self, key, query, body, headers):
        ss = self._ss(key)
        meta = self._meta(ss)
        if query.get("includeGridData", ["false"])[0].lower() != "true":
            return meta
        ranges = query.get("ranges", [])
        wanted: dict[str, str] = {}
        for r in ranges:
            sh, ref = self._sheet_of(ss, r)  # a missing tab in `ranges` is a 400, as in Sheets
            wanted[sh.title] = ref
        for s, out in zip(ss.sheets, meta["sheets"]):
            if ranges and s.title not in wanted:
                continue
            out["data"] = [self._grid_data(ss, s)]
        if ranges:
            meta["sheets"] = [o for o in meta["sheets"] if "data" in o]
        return meta

    def _grid_data(self, ss: Spreadsheet, sh: Sheet) -> dict:
        def cell(v, formula=None):
            out: dict[str, Any] = {"userEnteredValue": {"formulaValue": formula}} if formula is not None else {}
            if v is None or v == "":
                return out
            if isinstance(v, CellError):
                return out | {"effectiveValue": {"errorValue": {"type": v.type, "message": v.message}}}
            if isinstance(v, bool):
                return out | {"effectiveValue": {"boolValue": v}}
            if isinstance(v, (int, float)):
                return out | {"effectiveValue": {"numberValue": v}}
            return out | {"effectiveValue": {"stringValue": str(v)}}

        rows = _trim(self._effective(ss, sh))
        for r, c in sh.formulas:
            while len(rows) <= r:
                rows.append([])
            while len(rows[r]) <= c:
                rows[r].append("")
        width = sh.col_count
        dims = {"ROWS": [{} for _ in range(sh.row_count)], "COLUMNS": [{} for _ in range(width)]}
        for m in ss.metadata:
            dr = m["location"].get("dimensionRange") or {}
            if dr.get("sheetId") == sh.sheet_id and dr.get("startIndex", -1) < len(dims[dr["dimension"]]):
                dims[dr["dimension"]][dr["startIndex"]].setdefault("developerMetadata", []).append(m)
        return {
            "startRow": 0,
            "startColumn": 0,
            "rowData": [
                {"values": [cell(v, sh.formulas.get((i, j))) for j, v in enumerate(r)]} if r else {}
                for i, r in enumerate(rows)
            ],
            "rowMetadata": dims["ROWS"],
            "columnMetadata": dims["COLUMNS"],
        }

    def _lookup(self, ss: Spreadsheet, f: dict) -> list[dict]:
        """Developer metadata matching a DataFilter's developerMetadataLookup."""
        look = f.get("developerMetadataLookup")
        if not isinstance(look, dict):
            raise _Bad("fake: only developerMetadataLookup data filters are supported")
        strategy = look.get("locationMatchingStrategy")
        if strategy == "EXACT_LOCATION" and "locationType" in look:
            raise _Bad(
                "Invalid dataFilter: developerMetadataLookup.locationType must be left unspecified when "
                "locationMatchingStrategy is EXACT_LOCATION"
            )
        if strategy is not None and not look.get("metadataLocation"):
            raise _Bad("Invalid dataFilter: a metadataLocation must be specified with locationMatchingStrategy")
        out = []
        for m in ss.metadata:
            loc = m["location"]
            if "metadataId" in look and look["metadataId"] != m["metadataId"]:
                continue
            if "metadataKey" in look and look["metadataKey"] != m["metadataKey"]:
                continue
            if "metadataValue" in look and look["metadataValue"] != m.get("metadataValue"):
                continue
            if "locationType" in look and look["locationType"] != loc["locationType"]:
                continue
            where = look.get("metadataLocation")
            if where:
                dr = loc.get("dimensionRange") or {}
                if "sheetId" in where and where["sheetId"] != dr.get("sheetId", loc.get("sheetId")):
                    continue
                want = where.get("dimensionRange")
                if want and (
                    want.get("sheetId") != dr.get("sheetId")
                    or want.get("dimension") != dr.get("dimension")
                    or want.get("startIndex") != dr.get("startIndex")
                ):
                    continue
            out.append(m)
        return out

    def _values_update_by_filter(self, key, query, body, headers):
        req = json.loads(body or b"{}")
        ss = self._ss(key)
        if req.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            raise _Bad("Invalid valueInputOption")
        plan = []
        for d in req.get("data", []):
            for m in self._lookup(ss, d.get("dataFilter") or {}):
                dr = m["location"].get("dimensionRange")
                if not dr:
                    raise _Bad("fake: metadata without a dimensionRange")
                sh = ss.sheet_by_id(dr["sheetId"])
                major = d.get("majorDimension", "ROWS")
                values = d.get("values", [])
                if dr["dimension"] == "COLUMNS":
                    rows = list(map(list, zip(*_pad(values)))) if major == "COLUMNS" else values
                    if any(len(r) > 1 for r in rows):
                        raise _Bad(
                            f"Requested writing within range [{sh.title}!{col_letter(dr['startIndex'] + 1)}:"
                            f"{col_letter(dr['startIndex'] + 1)}], but tried writing to more columns"
                        )
                    plan.append((d, sh, 0, dr["startIndex"], rows))
                else:
                    rows = list(map(list, zip(*_pad(values)))) if major == "COLUMNS" else values
                    if len(rows) > 1:
                        raise _Bad("Requested writing within one row, but tried writing to more rows")
                    plan.append((d, sh, dr["startIndex"], 0, rows))
        responses = []
        for d, sh, r0, c0, rows in plan:
            n = 0
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    if v is None:
                        continue  # null: the cell is skipped
                    r, c = r0 + i, c0 + j
                    self._check_cell(ss, sh, r, c)
                    _put(sh, r, c, v)
                    n += 1
            responses.append(
                {
                    "updatedRange": f"'{sh.title}'!{col_letter(c0 + 1)}{r0 + 1}:"
                    f"{col_letter(c0 + max((len(r) for r in rows), default=1))}{r0 + max(len(rows), 1)}",
                    "updatedRows": sum(1 for r in rows if any(v is not None for v in r)),
                    "updatedColumns": max((len(r) for r in rows), default=0),
                    "updatedCells": n,
                    "dataFilter": d.get("dataFilter"),
                }
            )
        if responses:
            ss.modified, ss.modified_by_me = self.tick(), True
        return {
            "spreadsheetId": key,
            "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
            "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
            "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in responses}),
            "responses": responses,
        }

    def _create(self, key, query, body, headers):
        req = json.loads(body or b"{}")
        key = uuid.uuid4().hex[:20] + "new"
        titles = [s["properties"]["title"] for s in req.get("sheets", [])] or ["Sheet1"]
        ss = Spreadsheet(
            key,
            req.get("properties", {}).get("title", "Untitled"),
            [Sheet(t, 2000 + i) for i, t in enumerate(titles)],
            self.tick(),
            True,
            owner=self._who(headers).email,
            modified_by=self._who(headers).email,
        )
        for s, spec in zip(ss.sheets, req.get("sheets", [])):
            s.props = {k: v for k, v in spec.get("properties", {}).items() if k not in ("title", "sheetId")}
        self.spreadsheets[key] = ss
        return self._meta(ss)

    def _read(self, ss: Spreadsheet, a1: str, render: str, dates: str = "SERIAL_NUMBER") -> dict:
        if render not in _RENDERS or dates not in _DATE_RENDERS:
            raise _Bad(f"Invalid value at 'value_render_option' ({render}) or 'date_time_render_option' ({dates})")
        sh, ref = self._sheet_of(ss, a1)
        r0, c0, r1, c1 = a1_to_bounds(ref)
        rows = self._effective(ss, sh)[r0:r1]
        out = []
        for i, row in enumerate(rows):
            cells = [_render(v, render, dates, sh.formulas.get((r0 + i, c0 + j))) for j, v in enumerate(row[c0:c1])]
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        while out and not out[-1]:
            out.pop()
        width = max((len(r) for r in out), default=0)
        end_col = col_letter(c1 if c1 is not None else c0 + max(width, 1))
        end_row = r1 if r1 is not None else max(r0 + len(out), 1000)
        vr = {"range": f"'{sh.title}'!{col_letter(c0 + 1)}{r0 + 1}:{end_col}{end_row}", "majorDimension": "ROWS"}
        if out:
            vr["values"] = out
        return vr

    def _values_get(self, key, a1, query):
        render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return self._read(self._ss(key), a1, render, query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0])

    def _values_batch_get(self, key, query, body, headers):
        ss = self._ss(key)
        render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        dates = query.get("dateTimeRenderOption", ["SERIAL_NUMBER"])[0]
        return {
            "spreadsheetId": key,
            "valueRanges": [self._read(ss, r, render, dates) for r in query.get("ranges", [])],
        }

    def _write(self, ss: Spreadsheet, a1: str, values: list[list[Any]], option: str) -> dict:
        if option not in ("RAW", "USER_ENTERED"):
            raise _Bad("Invalid valueInputOption")
        sh, ref = self._sheet_of(ss, a1)
        r0, c0, _, _ = a1_to_bounds(ref)
        for i, row in enumerate(values):
            for j, _v in enumerate(row):
                self._check_cell(ss, sh, r0 + i, c0 + j)
        for i, row in enumerate(values):
            r = r0 + i
            for j, v in enumerate(row):
                c = c0 + j
                if option == "USER_ENTERED" and isinstance(v, str) and v.startswith("="):
                    _put(sh, r, c, "")
                    sh.formulas[(r, c)] = v
                else:
                    if option == "USER_ENTERED" and isinstance(v, str):
                        with contextlib.suppress(ValueError):
                            v = float(v) if "." in v else int(v)
                    _put(sh, r, c, v)
        ss.modified, ss.modified_by_me = self.tick(), True
        ncols = max((len(r) for r in values), default=0)
        return {
            "spreadsheetId": ss.key,
            "updatedRange": f"'{sh.title}'!{col_letter(c0 + 1)}{r0 + 1}:"
            f"{col_letter(c0 + max(ncols, 1))}{r0 + max(len(values), 1)}",
            "updatedRows": len(values),
            "updatedColumns": ncols,
            "updatedCells": sum(len(r) for r in values),
        }

    def _values_update(self, key, a1, query, body):
        req = json.loads(body or b"{}")
        return self._write(self._ss(key), a1, req.get("values", []), query.get("valueInputOption", [""])[0])

    def _values_batch_update(self, key, query, body, headers):
        req = json.loads(body or b"{}")
        ss = self._ss(key)
        # validate every range first: Google applies all or nothing
        for d in req.get("data", []):
            self._sheet_of(ss, d["range"])
        res = [
            self._write(ss, d["range"], d.get("values", []), req.get("valueInputOption", ""))
            for d in req.get("data", [])
        ]
        return {
            "spreadsheetId": key,
            "totalUpdatedRows": sum(r["updatedRows"] for r in res),
            "totalUpdatedColumns": max((r["updatedColumns"] for r in res), default=0),
            "totalUpdatedCells": sum(r["updatedCells"] for r in res),
            "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in res}),
            "responses": res,
        }

    def _batch_update(self, key, query, body, headers):
        """All requests or none (Google's rule): the spreadsheet is restored when one is refused."""
        ss = self._ss(key)
        req = json.loads(body or b"{}")
        before = copy.deepcopy({k: v for k, v in ss.__dict__.items()})
        try:
            replies = self._apply_requests(ss, req.get("requests", []))
        except (_Bad, _Denied):
            ss.__dict__.update(before)
            raise
        ss.modified, ss.modified_by_me = self.tick(), True
        return {"spreadsheetId": key, "replies": replies}

    def _apply_requests(self, ss: Spreadsheet, requests: list[dict]) -> list[dict]:
        replies: list[dict] = []
        for r in requests:
            ((name, spec),) = r.items()
            at = f"requests[{len(replies)}].{name}"
            ids = {s.sheet_id for s in ss.sheets}
            sheet_id = _find_sheet_id(spec)
            if sheet_id is not None and sheet_id not in ids and name != "addSheet":
                raise _Bad(f"Invalid {at}: No grid with id: {sheet_id}")
            reply: dict = {}
            if name == "addSheet":
                p = spec.get("properties", {})
                if ss.sheet(p.get("title", "")) is not None:
                    raise _Bad(
                        f'Invalid {at}: A sheet with the name "{p.get("title")}" already exists. '
                        "Please enter another name."
                    )
                sid = p.get("sheetId", 3000 + len(ss.sheets))
                if sid in ids:
                    raise _Bad(f"Invalid {at}: Sheet with id {sid} already exists.")
                sh = Sheet(p["title"], sid, [], {k: v for k, v in p.items() if k not in ("title", "sheetId", "index")})
                ss.sheets.insert(min(p.get("index", len(ss.sheets)), len(ss.sheets)), sh)
                reply = {"addSheet": {"properties": {"sheetId": sid, "title": p["title"]}}}
            elif name == "updateSheetProperties":
                p, fields = spec["properties"], {f.strip() for f in spec.get("fields", "").split(",")}
                sh = ss.sheet_by_id(p["sheetId"])
                if "title" in fields or "*" in fields:
                    if p.get("title") != sh.title and ss.sheet(p.get("title", "")) is not None:
                        raise _Bad(f'Invalid {at}: A sheet with the name "{p.get("title")}" already exists.')
                    _rename_tab(ss, sh, p["title"])
                grid = p.get("gridProperties", {})
                if "gridProperties.rowCount" in fields or "gridProperties" in fields:
                    sh.row_count = int(grid["rowCount"])
                    del sh.rows[sh.row_count :]
                if "gridProperties.columnCount" in fields or "gridProperties" in fields:
                    sh.col_count = int(grid["columnCount"])
                    for row in sh.rows:
                        del row[sh.col_count :]
                for k, v in grid.items():
                    if k not in ("rowCount", "columnCount"):
                        sh.props.setdefault("gridProperties", {})[k] = v
                for k, v in p.items():
                    if k not in ("sheetId", "title", "gridProperties"):
                        sh.props[k] = v
            elif name == "updateCells":
                self._update_cells(ss, spec, at)
            elif name in ("insertDimension", "deleteDimension"):
                rng = spec["range"]
                sh, dim = ss.sheet_by_id(rng["sheetId"]), rng["dimension"]
                start, end = rng["startIndex"], rng["endIndex"]
                size = sh.row_count if dim == "ROWS" else sh.col_count
                if not 0 <= start < end or (end > size if name == "deleteDimension" else start > size):
                    raise _Bad(f"Invalid {at}: range ({start}-{end}) exceeds grid limits ({dim} {size})")
                if name == "deleteDimension" and end - start >= size:
                    raise _Bad(f"Invalid {at}: You can't delete all the {dim.lower()} on the sheet.")
                (_insert_dim if name == "insertDimension" else _delete_dim)(ss, sh, dim, start, end - start, None)
            elif name == "appendDimension":
                sh = ss.sheet_by_id(spec["sheetId"])
                if spec["dimension"] == "ROWS":
                    sh.row_count += int(spec["length"])
                else:
                    sh.col_count += int(spec["length"])
            elif name == "createDeveloperMetadata":
                m = json.loads(json.dumps(spec["developerMetadata"]))
                dr = (m.get("location") or {}).get("dimensionRange")
                if (
                    not m.get("metadataKey")
                    or not m.get("visibility")
                    or not dr
                    or dr.get("endIndex", 0) - dr.get("startIndex", 0) != 1
                ):
                    raise _Bad(f"Invalid {at}")
                m["metadataId"] = m.get("metadataId") or 1 + max((x["metadataId"] for x in ss.metadata), default=0)
                m["location"]["locationType"] = "ROW" if dr["dimension"] == "ROWS" else "COLUMN"
                ss.metadata.append(m)
                reply = {"createDeveloperMetadata": {"developerMetadata": m}}
            elif name == "deleteDeveloperMetadata":
                gone = [m for f in spec.get("dataFilter") and [spec["dataFilter"]] or [] for m in self._lookup(ss, f)]
                ss.metadata = [m for m in ss.metadata if m not in gone]
                reply = {"deleteDeveloperMetadata": {"deletedDeveloperMetadata": gone}}
            elif name == "addConditionalFormatRule":
                rule = json.loads(json.dumps(spec.get("rule") or {}))
                ranges, boolean = rule.get("ranges") or [], rule.get("booleanRule")
                cond = (boolean or {}).get("condition") or {}
                values = [v.get("userEnteredValue", "") for v in cond.get("values") or []]
                if (
                    not ranges
                    or any(g.get("sheetId") not in ids for g in ranges)
                    or (boolean is None) == (rule.get("gradientRule") is None)
                    or (boolean is not None and (not cond.get("type") or "format" not in boolean))
                    or (cond.get("type") == "CUSTOM_FORMULA" and (len(values) != 1 or not values[0].startswith("=")))
                ):
                    raise _Bad(f"Invalid {at}")
                rules = ss.sheet_by_id(ranges[0]["sheetId"]).conditional_formats
                rules.insert(min(spec.get("index", 0), len(rules)), rule)
            elif name == "deleteConditionalFormatRule":
                rules = ss.sheet_by_id(spec["sheetId"]).conditional_formats
                if not 0 <= spec.get("index", -1) < len(rules):
                    raise _Bad(
                        f"Invalid {at}: No conditional format on sheet: {spec['sheetId']} at index: {spec.get('index')}"
                    )
                reply = {"deleteConditionalFormatRule": {"rule": rules.pop(spec["index"])}}
            elif name == "addProtectedRange":
                pr = json.loads(json.dumps(spec["protectedRange"]))
                sh = ss.sheet_by_id(pr["range"]["sheetId"])
                pr["protectedRangeId"] = 1 + sum(len(x.protected) for x in ss.sheets)
                sh.protected.append(pr)
                reply = {"addProtectedRange": {"protectedRange": pr}}
            elif name == "findReplace":
                reply = {"findReplace": self._find_replace(ss, spec)}
            ss.requests_applied.append(r)
            replies.append(reply)
        return replies

    def _update_cells(self, ss: Spreadsheet, spec: dict, at: str) -> None:
        """UpdateCellsRequest: `rows` of CellData from `start`, or into `range` (cells of the range
        the rows do not cover are cleared); only `userEnteredValue` is modelled."""
        fields = {f.strip() for f in spec.get("fields", "").split(",") if f.strip()}
        if not fields:
            raise _Bad(f"Invalid {at}: fields is required")
        if "start" in spec:
            g = spec["start"]
            sh, r0, c0, r1, c1 = ss.sheet_by_id(g["sheetId"]), g.get("rowIndex", 0), g.get("columnIndex", 0), None, None
        else:
            g = spec["range"]
            sh = ss.sheet_by_id(g["sheetId"])
            r0, c0 = g.get("startRowIndex", 0), g.get("startColumnIndex", 0)
            r1, c1 = g.get("endRowIndex", sh.row_count), g.get("endColumnIndex", sh.col_count)
        if not (fields & {"*", "userEnteredValue"}):
            return  # formats only: the fake keeps no formats
        cells = {}
        for i, row in enumerate(spec.get("rows", [])):
            for j, cell in enumerate(row.get("values", [])):
                cells[(r0 + i, c0 + j)] = cell
        if r1 is not None:
            for r in range(r0, r1):
                for c in range(c0, c1):
                    cells.setdefault((r, c), {})
        for r, c in cells:
            self._check_cell(ss, sh, r, c)
        for (r, c), cell in cells.items():
            v = cell.get("userEnteredValue") or {}
            if "formulaValue" in v:
                _put(sh, r, c, "")
                sh.formulas[(r, c)] = v["formulaValue"]
            elif "stringValue" in v:
                _put(sh, r, c, str(v["stringValue"]))
            elif "numberValue" in v:
                _put(sh, r, c, v["numberValue"])
            elif "boolValue" in v:
                _put(sh, r, c, bool(v["boolValue"]))
            else:
                _put(sh, r, c, "")

    def _find_replace(self, ss: Spreadsheet, spec: dict) -> dict:
        """FindReplaceRequest (literal search; values and, with includeFormulas, formulas)."""
        find, repl = spec.get("find", ""), spec.get("replacement", "")
        if not find:
            raise _Bad("Invalid requests[].findReplace: find must not be empty")
        sheets = (
            ss.sheets
            if spec.get("allSheets")
            else [ss.sheet_by_id(spec.get("sheetId", (spec.get("range") or {}).get("sheetId")))]
        )
        case = bool(spec.get("matchCase"))
        changed = {
            "valuesChanged": 0,
            "formulasChanged": 0,
            "rowsChanged": 0,
            "sheetsChanged": 0,
            "occurrencesChanged": 0,
        }

        def hit(text: str) -> bool:
            a, b = (text, find) if case else (text.lower(), find.lower())
            return a == b if spec.get("matchEntireCell") else b in a

        for sh in sheets:
            touched = False
            if spec.get("includeFormulas"):
                for rc, f in list(sh.formulas.items()):
                    if hit(f):
                        new = repl if spec.get("matchEntireCell") else f.replace(find, repl)
                        if new.startswith("="):
                            sh.formulas[rc] = new
                        else:
                            del sh.formulas[rc]
                            _put(sh, rc[0], rc[1], new)
                        self._check_cell(ss, sh, *rc)
                        changed["formulasChanged"] += 1
                        changed["occurrencesChanged"] += 1
                        touched = True
            for r, row in enumerate(sh.rows):
                for c, v in enumerate(row):
                    if (r, c) in sh.formulas or v in ("", None) or not hit(str(v)):
                        continue
                    self._check_cell(ss, sh, r, c)
                    row[c] = repl if spec.get("matchEntireCell") else str(v).replace(find, repl)
                    changed["valuesChanged"] += 1
                    changed["occurrencesChanged"] += 1
                    touched = True
            changed["sheetsChanged"] += touched
        return changed

    def _check_cell(self, ss: Spreadsheet, sh: Sheet, r: int, c: int) -> None:
        """Google's refusals of a write to one cell: beyond the grid (400), protected (403)."""
        if r >= sh.row_count or c >= sh.col_count:
            raise _Bad(
                f"Range ('{sh.title}'!{col_letter(c + 1)}{r + 1}) exceeds grid limits. "
                f"Max rows: {sh.row_count}, max columns: {sh.col_count}"
            )
        who = getattr(self, "_caller", None)
        for p in sh.protected:
            g = p.get("range", {})
            inside = g.get("startRowIndex", 0) <= r < g.get("endRowIndex", sh.row_count) and g.get(
                "startColumnIndex", 0
            ) <= c < g.get("endColumnIndex", sh.col_count)
            if (
                inside
                and not p.get("warningOnly")
                and who is not None
                and who.email != ss.owner
                and who.email not in (p.get("editors") or {}).get("users", [])
            ):
                raise _Denied(
                    "You are trying to edit a protected cell or object. Please contact the spreadsheet "
                    "owner to remove protection if you need to edit."
                )

    def _effective(self, ss: Spreadsheet, sh: Sheet) -> list[list[Any]]:
        """The sheet as shown: typed values, then each formula's value (an array spilled, or a
        CellError when it cannot expand)."""
        grid = [list(r) for r in sh.rows]

        def put(r, c, v):
            while len(grid) <= r:
                grid.append([])
            while len(grid[r]) <= c:
                grid[r].append("")
            grid[r][c] = v

        def typed(r, c):
            return sh.rows[r][c] if r < len(sh.rows) and c < len(sh.rows[r]) else ""

        def tab_rows(title):
            other = ss.sheet(title)
            return None if other is None else other.rows

        for (r, c), f in sorted(sh.formulas.items()):
            v = evaluate(f, typed, tab_rows, lambda r0: max(0, sh.row_count - r0))
            if not isinstance(v, list):
                put(r, c, v)
                continue
            h, w = len(v), max((len(x) for x in v), default=0)
            if r + h > sh.row_count or c + w > sh.col_count:
                more = "rows" if r + h > sh.row_count else "columns"
                n = r + h - sh.row_count if more == "rows" else c + w - sh.col_count
                put(r, c, CellError("REF", f"Result was not automatically expanded, please insert more {more} ({n})."))
                continue
            block = next(
                (
                    (rr, cc)
                    for rr in range(r, r + h)
                    for cc in range(c, c + w)
                    if (rr, cc) != (r, c) and (typed(rr, cc) not in ("", None) or (rr, cc) in sh.formulas)
                ),
                None,
            )
            if block is not None:
                where = f"{col_letter(block[1] + 1)}{block[0] + 1}"
                put(
                    r, c, CellError("REF", f"Array result was not expanded because it would overwrite data in {where}.")
                )
                continue
            for i, row in enumerate(v):
                for j, x in enumerate(row):
                    if x not in ("", None) or (i, j) == (0, 0):
                        put(r + i, c + j, x)
        return grid

    # ---------- identities, sharing, quota (Google's rules)
    def _who(self, headers: dict[str, str]) -> Identity | None:
        auth = headers.get("authorization", "")
        return self.identities.get(auth[7:]) if auth.startswith("Bearer ") else None

    def _drive_of(self, parents: list[str]) -> str | None:
        return next((self.folders[p].drive for p in parents if p in self.folders and self.folders[p].drive), None)

    def role_of(self, email: str, obj: Spreadsheet | DriveFile | Folder) -> str | None:
        """owner / organizer / fileOrganizer / writer / commenter / reader, or None (cannot see it)."""
        parents = [obj.id] if isinstance(obj, Folder) else obj.parents
        drive = self._drive_of(parents)
        if drive is not None:
            return self.drives.get(drive, {}).get(email) or obj.acl.get(email)
        if obj.owner == email:
            return "owner"
        inherited = [
            self.folders[p].acl.get(email) for p in parents if p in self.folders and not isinstance(obj, Folder)
        ]
        return obj.acl.get(email) or next((r for r in inherited if r), None)

    def visible_to(self, token: str) -> set[str]:
        """Ids of the spreadsheets and files the caller with this token can open."""
        who = self.identities[token]
        with self.lock:
            return {i for i, o in [*self.spreadsheets.items(), *self.files.items()] if self.role_of(who.email, o)}

    def _sheets_denied(self, kind: str, key: str | None, who: Identity):
        if kind == "sheets.create" and who.service_account:
            return 403, _err(403, "The user's Drive storage quota has been exceeded.", "PERMISSION_DENIED"), {}
        if key is None or kind.startswith("drive") or kind == "sheets.create":
            return None
        ss = self.spreadsheets.get(key)
        if ss is None:
            return 404, _err(404, "Requested entity was not found.", "NOT_FOUND"), {}
        role = self.role_of(who.email, ss)
        if role is None or (kind in _SHEETS_WRITES and role not in _WRITERS):
            return 403, _err(403, "The caller does not have permission", "PERMISSION_DENIED"), {}
        return None

    def _open(self, fid: str, who: Identity, query, write: bool = False):
        """The file/spreadsheet `fid` as `who` may use it, or the error response Drive gives."""
        obj = self.spreadsheets.get(fid) or self.files.get(fid)
        role = self.role_of(who.email, obj) if obj else None
        if role is None or (self._drive_of(obj.parents) and not _true(query, "supportsAllDrives")):
            return None, (404, _drive_err(404, "notFound", f"File not found: {fid}.", "fileId"), {})
        if write and role not in _WRITERS:
            return None, (
                403,
                _drive_err(
                    403, "insufficientFilePermissions", "The user does not have sufficient permissions for this file."
                ),
                {},
            )
        return obj, None

    def _may_create(self, who: Identity, parents: list[str], query):
        """None, or Drive's answer to creating a file with these parents (folder access, quota)."""
        for pid in parents:
            folder = self.folders.get(pid)
            role = self.role_of(who.email, folder) if folder else None
            if role is None or (folder.drive and not _true(query, "supportsAllDrives")):
                return 404, _drive_err(404, "notFound", f"File not found: {pid}.", "fileId"), {}
            if role not in _WRITERS:
                return (
                    403,
                    _drive_err(
                        403,
                        "insufficientFilePermissions",
                        "The user does not have sufficient permissions for this file.",
                    ),
                    {},
                )
        if who.service_account and self._drive_of(parents) is None:
            return 403, _drive_err(403, "storageQuotaExceeded", SA_QUOTA_MESSAGE, domain="usageLimits"), {}
        return None

    # ---------- Drive
    def _item(self, obj: Spreadsheet | DriveFile, who: Identity) -> dict:
        """Every field the fake knows of a file; `fields` picks what is sent."""
        is_ss = isinstance(obj, Spreadsheet)
        me = (obj.modified_by_me if is_ss else True) and obj.modified_by == who.email
        item = {
            "kind": "drive#file",
            "id": obj.key if is_ss else obj.id,
            "name": obj.title if is_ss else obj.name,
            "mimeType": "application/vnd.google-apps.spreadsheet" if is_ss else obj.mime,
            "parents": list(obj.parents),
            "modifiedTime": _rfc3339(obj.modified),
            "lastModifyingUser": {
                "kind": "drive#user",
                "displayName": obj.modified_by.split("@")[0],
                "me": me,
                "emailAddress": obj.modified_by,
            },
        }
        drive = self._drive_of(obj.parents)
        if drive:
            item["driveId"] = drive
        return item

    def _drive_list(self, key, query, body, headers):
        who = self._who(headers)
        corpora, include = query.get("corpora", ["user"])[0], _true(query, "includeItemsFromAllDrives")
        if include and not _true(query, "supportsAllDrives"):
            raise _Bad(
                "The includeItemsFromAllDrives parameter can only be set to true when supportsAllDrives is true."
            )
        if corpora not in ("user", "domain", "drive", "allDrives") or (corpora == "drive") != ("driveId" in query):
            raise _Bad(f"Invalid Value: corpora={corpora}")
        shared_ok = include and corpora in ("drive", "allDrives")
        items = []
        for obj in [*self.spreadsheets.values(), *self.files.values()]:
            drive = self._drive_of(obj.parents)
            if (
                self.role_of(who.email, obj) is None
                or (drive and not shared_ok)
                or (corpora == "drive" and drive != query["driveId"][0])
            ):
                continue
            items.append(self._item(obj, who))
        q = query.get("q", [""])[0]
        items = [i for i in items if _drive_match(q, i)]
        size = min(int(query.get("pageSize", ["100"])[0]), 1000)
        start = int((query.get("pageToken", [""])[0] or "~0").lstrip("~"))
        page = items[start : start + size]
        out: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False, "files": page}
        if start + size < len(items):
            out["nextPageToken"] = f"~{start + size}"
        return _select(out, query.get("fields", [LIST_DEFAULT_FIELDS])[0])

    def _drive_get(self, key, query, body, headers):
        obj, error = self._open(key, self._who(headers), query)
        if error:
            return error
        return _select(self._item(obj, self._who(headers)), query.get("fields", [FILE_DEFAULT_FIELDS])[0])

    def _drive_create(self, key, query, body, headers):
        """files.create without content: Google files (a spreadsheet) or folders."""
        who, meta = self._who(headers), json.loads(body or b"{}")
        parents = list(meta.get("parents", []))
        refused = self._may_create(who, parents, query)
        if refused:
            return refused
        mime = meta.get("mimeType", "application/octet-stream")
        if mime == "application/vnd.google-apps.spreadsheet":
            fid = uuid.uuid4().hex[:20] + "drv"
            self.spreadsheets[fid] = Spreadsheet(
                fid,
                meta.get("name", "Untitled spreadsheet"),
                [Sheet("Sheet1", 0)],
                self.tick(),
                True,
                parents=parents,
                owner=who.email,
                modified_by=who.email,
            )
            obj = self.spreadsheets[fid]
        else:
            fid = uuid.uuid4().hex[:24]
            obj = self.files[fid] = DriveFile(
                fid, meta.get("name", "Untitled"), mime, b"", parents, self.tick(), who.email, {}, who.email
            )
        return _select(self._item(obj, who), query.get("fields", [FILE_DEFAULT_FIELDS])[0])

    def _drive_upload(self, key, query, body, headers):
        who = self._who(headers)
        meta, content = _parse_multipart(body, headers.get("content-type", ""))
        if key is None:
            refused = self._may_create(who, list(meta.get("parents", [])), query)
            if refused:
                return refused
            fid = uuid.uuid4().hex[:24]
            self.files[fid] = DriveFile(
                fid,
                meta.get("name", "untitled"),
                meta.get("mimeType", "application/octet-stream"),
                content,
                meta.get("parents", []),
                self.tick(),
                who.email,
                {},
                who.email,
            )
        else:
            f, error = self._open(key, who, query, write=True)
            if error:
                return error
            f.content, f.modified, f.modified_by = content, self.tick(), who.email
            if "name" in meta:
                f.name = meta["name"]
            fid = key
        return _select(self._item(self.files[fid], who), query.get("fields", [FILE_DEFAULT_FIELDS])[0])

    def _permission_create(self, key, query, body, headers):
        who, req = self._who(headers), json.loads(body or b"{}")
        obj, error = self._open(key, who, query, write=True)
        if error:
            return error
        if req.get("type") != "user" or not req.get("emailAddress"):
            return 400, _drive_err(400, "required", "The permission emailAddress field is required.", "permission"), {}
        if req.get("role") not in ("reader", "commenter", "writer"):
            return 400, _drive_err(400, "invalidSharingRequest", f"Bad Request. Invalid role: {req.get('role')}."), {}
        obj.acl[req["emailAddress"]] = req["role"]
        if query.get("sendNotificationEmail", ["true"])[0].lower() != "false":
            self.notified.append((req["emailAddress"], key))
        perm = {
            "kind": "drive#permission",
            "id": f"{abs(hash(req['emailAddress'])) % 10**20:020d}",
            "type": "user",
            "role": req["role"],
            "emailAddress": req["emailAddress"],
        }
        return _select(perm, query.get("fields", ["kind,id,type,role"])[0])


_SHEETS_WRITES = {
    "sheets.batchUpdate",
    "values:batchUpdate",
    "values.update",
    "values:batchUpdateByDataFilter",
    "values.append",
    "values:batchClear",
    "values:batchClearByDataFilter",
}
_WRITERS = {"owner", "organizer", "fileOrganizer", "writer"}
_RENDERS = {"FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA"}
_DATE_RENDERS = {"SERIAL_NUMBER", "FORMATTED_STRING"}
LIST_DEFAULT_FIELDS = "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)"
FILE_DEFAULT_FIELDS = "kind,id,name,mimeType"
SA_QUOTA_MESSAGE = (
    "Service Accounts do not have storage quota. Leverage shared drives "
    "(https://developers.google.com/workspace/drive/api/guides/about-shareddrives), or use OAuth "
    "delegation (http://support.google.com/a/answer/7281227) instead."
)


def _true(query: dict, name: str) -> bool:
    return query.get(name, ["false"])[0].lower() == "true"


def _render(v: Any, render: str, dates: str, formula: str | None) -> Any:
    """One cell as values.get renders it (dateTimeRenderOption is ignored for FORMATTED_VALUE)."""
    if v is None:
        return ""
    if render == "FORMULA" and formula is not None:
        return formula
    if isinstance(v, SerialDate):
        if render == "FORMATTED_VALUE" or dates == "FORMATTED_STRING":
            return v.text()
        return int(v) if float(v).is_integer() else float(v)
    if render == "FORMATTED_VALUE":
        return (
            "TRUE"
            if v is True
            else "FALSE"
            if v is False
            else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        )
    return v


def _fields_tree(spec: str) -> dict:
    """`nextPageToken,files(id,lastModifyingUser(me))` → {"nextPageToken": {}, "files": {"id": {}, …}}."""
    tree: dict = {}
    stack, name = [tree], ""
    for ch in spec + ",":
        if ch in ",()":
            if name.strip():
                stack[-1][name.strip()] = stack[-1].get(name.strip(), {})
            if ch == "(":
                stack.append(stack[-1][name.strip()])
            elif ch == ")":
                stack.pop()
            name = ""
        else:
            name += ch
    return tree


def _select(obj: Any, spec: str | dict) -> Any:
    """Drive's partial response: only the `fields` asked for ({} below a name = all of it)."""
    tree = _fields_tree(spec) if isinstance(spec, str) else spec
    if not tree or "*" in tree:
        return obj
    if isinstance(obj, list):
        return [_select(o, tree) for o in obj]
    if isinstance(obj, dict):
        return {k: _select(v, tree[k]) for k, v in obj.items() if k in tree}
    return obj


def _drive_err(code: int, reason: str, message: str, location: str | None = None, domain: str = "global") -> dict:
    """Drive v3's error body: `errors[]` carries the reason."""
    item = {"message": message, "domain": domain, "reason": reason}
    if location:
        item |= {"locationType": "parameter", "location": location}
    return {"error": {"code": code, "message": message, "errors": [item]}}


def _fault_response(fault: Fault, kind: str) -> tuple[int, dict, dict[str, str]]:
    code = fault.status
    status = {
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        400: "INVALID_ARGUMENT",
    }.get(code, "UNKNOWN")
    msg = fault.message or {
        429: "Quota exceeded for quota metric 'Read requests' and limit "
        "'Read requests per minute per user' of service 'sheets.googleapis.com'",
        500: "Internal error encountered.",
        503: "The service is currently unavailable.",
        403: "The caller does not have permission",
        404: "Requested entity was not found.",
    }.get(code, "error")
    headers = {}
    retry_after = fault.retry_after if fault.retry_after is not None else ("1" if code == 429 else "")
    if retry_after:
        headers["Retry-After"] = retry_after
    if kind.startswith("drive"):
        reason = fault.reason or {
            429: "rateLimitExceeded",
            403: "forbidden",
            404: "notFound",
            503: "backendError",
            500: "internalError",
        }.get(code, "badRequest")
        return code, _drive_err(code, reason, msg, domain="usageLimits" if "RateLimit" in reason else "global"), headers
    reason = fault.reason or ("RATE_LIMIT_EXCEEDED" if code == 429 else None)
    return code, _err(code, msg, status, reason), headers


class _Bad(Exception):
    pass


class _Denied(Exception):
    """403 PERMISSION_DENIED (a protected range)."""


def _put(sh: Sheet, r: int, c: int, v: Any) -> None:
    """Type `v` into one cell (replacing a formula there)."""
    while len(sh.rows) <= r:
        sh.rows.append([])
    while len(sh.rows[r]) <= c:
        sh.rows[r].append("")
    sh.rows[r][c] = v
    sh.formulas.pop((r, c), None)


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    for row in grid:
        while row and row[-1] in ("", None):
            row.pop()
    while grid and not grid[-1]:
        grid.pop()
    return grid


def _rename_tab(ss: Spreadsheet, sh: Sheet, new: str) -> None:
    old = sh.title
    sh.title = new
    if old == new:
        return
    for other in ss.sheets:
        other.formulas = {
            rc: rename_refs(f, other.title if other is not sh else old, old, new) for rc, f in other.formulas.items()
        }


def _move_formulas(ss: Spreadsheet, sh: Sheet, dimension: str, fn: Callable[[int], int | None]) -> None:
    """Formulas of `sh` move with their cells; every reference to `sh` is rewritten."""
    moved = {}
    for (r, c), f in sh.formulas.items():
        i = fn(r if dimension == "ROWS" else c)
        if i is not None:
            moved[(i, c) if dimension == "ROWS" else (r, i)] = f
    sh.formulas = moved
    for other in ss.sheets:
        other.formulas = {rc: shift_refs(f, other.title, sh.title, dimension, fn) for rc, f in other.formulas.items()}


def _shift_cells(sh: Sheet, op: str, row: int, col: int, direction: str) -> None:
    if direction == "right":
        while len(sh.rows) <= row:
            sh.rows.append([])
        line = sh.rows[row]
        while len(line) <= col:
            line.append("")
        if op == "insert":
            line.insert(col, "")
            moved = {(r, c + 1 if c >= col else c) if r == row else (r, c): f for (r, c), f in sh.formulas.items()}
        else:
            del line[col]
            moved = {
                (r, c - 1 if c > col else c) if r == row else (r, c): f
                for (r, c), f in sh.formulas.items()
                if (r, c) != (row, col)
            }
    else:
        height = max(len(sh.rows), row + 1) + 1
        while len(sh.rows) < height:
            sh.rows.append([])
        column = [r[col] if col < len(r) else "" for r in sh.rows]
        if op == "insert":
            column.insert(row, "")
        else:
            del column[row]
            column.append("")
        for r, v in enumerate(column[: len(sh.rows)]):
            line = sh.rows[r]
            while len(line) <= col:
                line.append("")
            line[col] = v
        step = 1 if op == "insert" else -1
        moved = {
            (r + step if c == col and r >= row else r, c): f
            for (r, c), f in sh.formulas.items()
            if not (op == "delete" and (r, c) == (row, col))
        }
    sh.formulas = moved


def _err(code: int, message: str, status: str, reason: str | None = None) -> dict:
    """Sheets v4's error body; `reason` adds the ErrorInfo detail Google sends for quota errors."""
    err: dict[str, Any] = {"code": code, "message": message, "status": status}
    if reason:
        err["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": {
                    "service": "sheets.googleapis.com",
                    "quota_location": "global",
                    "quota_metric": "sheets.googleapis.com/read_requests",
                    "quota_limit": "ReadRequestsPerMinutePerUser",
                    "quota_limit_value": "60",
                    "consumer": "projects/000000000000",
                },
            }
        ]
    return {"error": err}


def _pad(values: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in values), default=0)
    return [list(r) + [None] * (width - len(r)) for r in values]


def _shift_metadata(ss: Spreadsheet, sh: Sheet, dimension: str, fn: Callable[[int], int | None]) -> None:
    keep = []
    for m in ss.metadata:
        dr = m["location"].get("dimensionRange")
        if dr and dr["sheetId"] == sh.sheet_id and dr["dimension"] == dimension:
            new = fn(dr["startIndex"])
            if new is None:
                continue  # deleted with its row/column
            dr["startIndex"], dr["endIndex"] = new, new + 1
        keep.append(m)
    ss.metadata = keep


def _insert_dim(ss, sh, dimension, start, count, to):
    if dimension == "ROWS":
        for _ in range(count):
            sh.rows.insert(min(start, len(sh.rows)), [])
    else:
        for row in sh.rows:
            if len(row) > start:
                row[start:start] = [""] * count
    fn = lambda i: i + count if i >= start else i  # noqa: E731
    _shift_metadata(ss, sh, dimension, fn)
    _move_formulas(ss, sh, dimension, fn)
    if dimension == "ROWS":
        sh.row_count += count
    else:
        sh.col_count += count


def _delete_dim(ss, sh, dimension, start, count, to):
    if dimension == "ROWS":
        del sh.rows[start : start + count]
    else:
        for row in sh.rows:
            del row[start : start + count]
    fn = lambda i: None if start <= i < start + count else i - count if i >= start + count else i  # noqa: E731
    _shift_metadata(ss, sh, dimension, fn)
    _move_formulas(ss, sh, dimension, fn)
    if dimension == "ROWS":
        sh.row_count -= count
    else:
        sh.col_count -= count


def _move_dim(ss, sh, dimension, start, count, to):
    order = list(
        range(
            max(
                len(sh.rows) if dimension == "ROWS" else max((len(r) for r in sh.rows), default=0),
                start + count,
                to + 1,
            )
        )
    )
    block = order[start : start + count]
    rest = order[:start] + order[start + count :]
    dest = to if to <= start else to - count
    order = rest[:dest] + block + rest[dest:]
    if dimension == "ROWS":
        sh.rows[:] = [sh.rows[i] if i < len(sh.rows) else [] for i in order]
    else:
        for k, row in enumerate(sh.rows):
            sh.rows[k] = [row[i] if i < len(row) else "" for i in order]
    where = {old: new for new, old in enumerate(order)}
    _shift_metadata(ss, sh, dimension, lambda i: where.get(i, i))
    _move_formulas(ss, sh, dimension, lambda i: where.get(i, i))
    sh.fit()


def _find_sheet_id(spec: Any) -> int | None:
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == "sheetId" and isinstance(v, int):
                return v
            found = _find_sheet_id(v)
            if found is not None:
                return found
    elif isinstance(spec, list):
        for v in spec:
            found = _find_sheet_id(v)
            if found is not None:
                return found
    return None


def _rfc3339(t: float) -> str:
    d = dt.datetime.fromtimestamp(t, dt.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


_CLAUSE = re.compile(
    r"(\w+)\s*(=|!=|>|<|contains)\s*'((?:[^'\\]|\\.)*)'|'((?:[^'\\]|\\.)*)'\s+in\s+parents|trashed\s*=\s*(true|false)"
)


def _drive_match(q: str, item: dict) -> bool:
    """A small subset of Drive's query language: and-ed `field op 'value'`, `'id' in parents`, trashed."""
    if not q.strip():
        return True
    for part in re.split(r"\s+and\s+", q.strip()):
        part = part.strip().strip("()")
        m = _CLAUSE.fullmatch(part.strip())
        if not m:
            raise _Bad(f"Invalid Value: q={q}")
        if m.group(5):
            if m.group(5) == "true":
                return False
            continue
        if m.group(4) is not None:
            if m.group(4) not in item["parents"]:
                return False
            continue
        fld, op, val = m.group(1), m.group(2), m.group(3).replace("\\'", "'")
        have = item.get(fld, "")
        ok = {"=": have == val, "!=": have != val, ">": have > val, "<": have < val, "contains": val in have}[op]
        if not ok:
            return False
    return True


def _parse_multipart(body: bytes, ctype: str) -> tuple[dict, bytes]:
    m = re.search(r'boundary="?([^";]+)"?', ctype)
    if not m:
        return {}, body
    boundary = m.group(1).encode()
    parts = [p for p in body.split(b"--" + boundary) if p.strip() not in (b"", b"--")]
    meta, content = {}, b""
    for i, p in enumerate(parts):
        head, _, data = p.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if data.endswith(b"\r\n"):
            data = data[:-2]
        if b"application/json" in head.lower() and i == 0:
            meta = json.loads(data.decode("utf-8"))
        else:
            content = data
    return meta, content


def _handler(fake: FakeGoogle):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _do(self, method: str):
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, extra = fake.handle(method, unquote(parts.path), query, body, headers)
            data = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_GET(self):
            self._do("GET")

        def do_POST(self):
            self._do("POST")

        def do_PUT(self):
            self._do("PUT")

        def do_PATCH(self):
            self._do("PATCH")

    return Handler
