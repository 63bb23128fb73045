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

Cells hold what Sheets holds under UNFORMATTED_VALUE: str, int/float (dates as serial numbers),
bool. A value written with USER_ENTERED that starts with "=" becomes a formula (kept in
`formulas`), RAW never does.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["FakeGoogle", "Fault", "a1_to_bounds", "col_letter"]


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
        rest = a1[i + 1:]
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
    key: str | None = None          # only requests for this spreadsheet / file id
    kind: str | None = None         # e.g. "values:batchGet", "values:batchUpdate", "drive.list"
    delay: float = 0.0
    message: str = ""
    body: bytes | None = None       # answer 200 with this raw body (e.g. malformed JSON)


@dataclass
class Sheet:
    title: str
    sheet_id: int
    rows: list[list[Any]] = field(default_factory=list)
    props: dict = field(default_factory=dict)


@dataclass
class Spreadsheet:
    key: str
    title: str
    sheets: list[Sheet]
    modified: float
    modified_by_me: bool = False
    requests_applied: list[dict] = field(default_factory=list)   # spreadsheets.batchUpdate requests
    formulas: dict[tuple[str, int, int], str] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)           # developer metadata

    def sheet(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None)

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


class FakeGoogle:
    """The fake. `with FakeGoogle() as g:` starts it; `g.url` is the base URL for `make_client`."""

    ME = "fake-token"

    def __init__(self):
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.files: dict[str, DriveFile] = {}
        self.faults: list[Fault] = []
        self.hooks: list[Callable[[FakeGoogle, str, str | None], None]] = []
        self.requests: list[tuple[str, str, str | None]] = []    # (method, kind, key)
        self.lock = threading.RLock()
        self._clock = time.time()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    # ---------- lifecycle
    def __enter__(self) -> "FakeGoogle":
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

    def add_spreadsheet(self, title: str, sheets: dict[str, list[list[Any]]], key: str | None = None) -> str:
        key = key or uuid.uuid4().hex[:20] + "fake"
        with self.lock:
            self.spreadsheets[key] = Spreadsheet(
                key, title, [Sheet(t, 1000 + i, [list(r) for r in rows]) for i, (t, rows) in enumerate(sheets.items())],
                self.tick())
        return key

    def grid(self, key: str, sheet: str) -> list[list[Any]]:
        with self.lock:
            return [list(r) for r in self.spreadsheets[key].sheet(sheet).rows]

    def agent_edit(self, key: str, sheet: str, fn: Callable[[list[list[Any]]], None]) -> None:
        """Change a sheet as an agent would (in the browser): bumps modifiedTime, not by us."""
        with self.lock:
            ss = self.spreadsheets[key]
            fn(ss.sheet(sheet).rows)
            ss.modified, ss.modified_by_me = self.tick(), False

    def agent_structure(self, key: str, sheet: str, op: str, dimension: str, start: int, count: int = 1,
                        to: int | None = None) -> None:
        """A structural edit as an agent makes it: op "insert" / "delete" / "move" of `count` ROWS
        or COLUMNS at 0-based `start` (move: to index `to` of the grid before the move). Values and
        developer metadata move together, as in Sheets."""
        with self.lock:
            ss = self.spreadsheets[key]
            sh = ss.sheet(sheet)
            {"insert": _insert_dim, "delete": _delete_dim, "move": _move_dim}[op](
                ss, sh, dimension, start, count, to)
            ss.modified, ss.modified_by_me = self.tick(), False

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
                if f.times > 0 and (f.key is None or f.key == key) and (f.kind is None or f.kind == kind):
                    f.times -= 1
                    return f
        return None

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
               headers: dict[str, str]) -> tuple[int, dict | bytes, dict[str, str]]:
        kind, key, handler = self._route(method, path, query)
        with self.lock:
            self.requests.append((method, kind, key))
        if headers.get("authorization", "") != f"Bearer {self.ME}":
            return 401, _err(401, "Request is missing required authentication credential.", "UNAUTHENTICATED"), {}
        fault = self._fault_for(kind, key)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.body is not None:
                return 200, fault.body, {}
            if fault.status:
                status = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
                          403: "PERMISSION_DENIED", 404: "NOT_FOUND", 400: "INVALID_ARGUMENT"}.get(fault.status, "UNKNOWN")
                msg = fault.message or {429: "Quota exceeded for quota metric 'Read requests' and limit "
                                              "'Read requests per minute per user'",
                                        500: "Internal error encountered.", 503: "The service is currently unavailable.",
                                        403: "The caller does not have permission",
                                        404: "Requested entity was not found."}.get(fault.status, "error")
                return fault.status, _err(fault.status, msg, status), {}
        if handler is None:
            return 404, _err(404, f"fake: no route for {method} {path}", "NOT_FOUND"), {}
        try:
            with self.lock:
                if key is not None and kind.startswith(("sheets", "values")) and kind != "sheets.create" \
                        and key not in self.spreadsheets:
                    return 404, _err(404, "Requested entity was not found.", "NOT_FOUND"), {}
                result = handler(key, query, body, headers)
        except _Bad as e:
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
        return {"spreadsheetId": ss.key, "properties": {"title": ss.title, "locale": "zh_CN",
                                                         "timeZone": "Asia/Shanghai"},
                "sheets": [{"properties": {"sheetId": s.sheet_id, "title": s.title, "index": i,
                                           "sheetType": "GRID",
                                           "gridProperties": {"rowCount": max(1000, len(s.rows)),
                                                              "columnCount": max(26, max((len(r) for r in s.rows), default=0)),
                                                              **s.props.get("gridProperties", {})},
                                           **{k: v for k, v in s.props.items() if k != "gridProperties"}}}
                           for i, s in enumerate(ss.sheets)],
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.key}/edit"}

    def _get_meta(self, key, query, body, headers):
        ss = self._ss(key)
        meta = self._meta(ss)
        if query.get("includeGridData", ["false"])[0].lower() != "true":
            return meta
        ranges = query.get("ranges", [])
        wanted: dict[str, str] = {}
        for r in ranges:
            sh, ref = self._sheet_of(ss, r)        # a missing tab in `ranges` is a 400, as in Sheets
            wanted[sh.title] = ref
        for s, out in zip(ss.sheets, meta["sheets"]):
            if ranges and s.title not in wanted:
                continue
            out["data"] = [self._grid_data(ss, s)]
        if ranges:
            meta["sheets"] = [o for o in meta["sheets"] if "data" in o]
        return meta

    def _grid_data(self, ss: Spreadsheet, sh: Sheet) -> dict:
        def cell(v):
            if v is None or v == "":
                return {}
            if isinstance(v, bool):
                return {"effectiveValue": {"boolValue": v}}
            if isinstance(v, (int, float)):
                return {"effectiveValue": {"numberValue": v}}
            return {"effectiveValue": {"stringValue": str(v)}}
        rows = [list(r) for r in sh.rows]
        while rows and all(c in ("", None) for c in rows[-1]):
            rows.pop()
        width = max(26, max((len(r) for r in sh.rows), default=0))
        dims = {"ROWS": [{} for _ in range(max(1000, len(sh.rows)))], "COLUMNS": [{} for _ in range(width)]}
        for m in ss.metadata:
            dr = m["location"].get("dimensionRange") or {}
            if dr.get("sheetId") == sh.sheet_id and dr.get("startIndex", -1) < len(dims[dr["dimension"]]):
                dims[dr["dimension"]][dr["startIndex"]].setdefault("developerMetadata", []).append(m)
        return {"startRow": 0, "startColumn": 0,
                "rowData": [{"values": [cell(v) for v in r]} if r else {} for r in rows],
                "rowMetadata": dims["ROWS"], "columnMetadata": dims["COLUMNS"]}

    def _lookup(self, ss: Spreadsheet, f: dict) -> list[dict]:
        """Developer metadata matching a DataFilter's developerMetadataLookup."""
        look = f.get("developerMetadataLookup")
        if not isinstance(look, dict):
            raise _Bad("fake: only developerMetadataLookup data filters are supported")
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
                if want and (want.get("sheetId") != dr.get("sheetId") or want.get("dimension") != dr.get("dimension")
                             or want.get("startIndex") != dr.get("startIndex")):
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
                        raise _Bad(f"Requested writing within range [{sh.title}!{col_letter(dr['startIndex'] + 1)}:"
                                   f"{col_letter(dr['startIndex'] + 1)}], but tried writing to more columns")
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
                        continue          # null: the cell is skipped
                    r, c = r0 + i, c0 + j
                    while len(sh.rows) <= r:
                        sh.rows.append([])
                    while len(sh.rows[r]) <= c:
                        sh.rows[r].append("")
                    sh.rows[r][c] = v
                    ss.formulas.pop((sh.title, r, c), None)
                    n += 1
            responses.append({"updatedRange": f"'{sh.title}'!{col_letter(c0 + 1)}{r0 + 1}:"
                              f"{col_letter(c0 + max((len(r) for r in rows), default=1))}{r0 + max(len(rows), 1)}",
                              "updatedRows": sum(1 for r in rows if any(v is not None for v in r)),
                              "updatedColumns": max((len(r) for r in rows), default=0), "updatedCells": n,
                              "dataFilter": d.get("dataFilter")})
        if responses:
            ss.modified, ss.modified_by_me = self.tick(), True
        return {"spreadsheetId": key, "totalUpdatedRows": sum(r["updatedRows"] for r in responses),
                "totalUpdatedColumns": sum(r["updatedColumns"] for r in responses),
                "totalUpdatedCells": sum(r["updatedCells"] for r in responses),
                "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in responses}),
                "responses": responses}

    def _create(self, key, query, body, headers):
        req = json.loads(body or b"{}")
        key = uuid.uuid4().hex[:20] + "new"
        titles = [s["properties"]["title"] for s in req.get("sheets", [])] or ["Sheet1"]
        ss = Spreadsheet(key, req.get("properties", {}).get("title", "Untitled"),
                         [Sheet(t, 2000 + i) for i, t in enumerate(titles)], self.tick(), True)
        for s, spec in zip(ss.sheets, req.get("sheets", [])):
            s.props = {k: v for k, v in spec.get("properties", {}).items() if k not in ("title", "sheetId")}
        self.spreadsheets[key] = ss
        return self._meta(ss)

    def _read(self, ss: Spreadsheet, a1: str, render: str) -> dict:
        sh, ref = self._sheet_of(ss, a1)
        r0, c0, r1, c1 = a1_to_bounds(ref)
        rows = sh.rows[r0:r1]
        out = []
        for row in rows:
            cells = row[c0:c1]
            if render == "FORMATTED_VALUE":
                cells = ["" if v is None else ("TRUE" if v is True else "FALSE" if v is False else
                                               (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)))
                         for v in cells]
            else:
                cells = ["" if v is None else v for v in cells]
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        while out and not out[-1]:
            out.pop()
        width = max((len(r) for r in out), default=0)
        end_col = col_letter((c1 if c1 is not None else c0 + max(width, 1)))
        end_row = (r1 if r1 is not None else max(r0 + len(out), 1000))
        vr = {"range": f"'{sh.title}'!{col_letter(c0 + 1)}{r0 + 1}:{end_col}{end_row}", "majorDimension": "ROWS"}
        if out:
            vr["values"] = out
        return vr

    def _values_get(self, key, a1, query):
        render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return self._read(self._ss(key), a1, render)

    def _values_batch_get(self, key, query, body, headers):
        ss = self._ss(key)
        render = query.get("valueRenderOption", ["FORMATTED_VALUE"])[0]
        return {"spreadsheetId": key, "valueRanges": [self._read(ss, r, render) for r in query.get("ranges", [])]}

    def _write(self, ss: Spreadsheet, a1: str, values: list[list[Any]], option: str) -> dict:
        if option not in ("RAW", "USER_ENTERED"):
            raise _Bad("Invalid valueInputOption")
        sh, ref = self._sheet_of(ss, a1)
        r0, c0, _, _ = a1_to_bounds(ref)
        for i, row in enumerate(values):
            r = r0 + i
            while len(sh.rows) <= r:
                sh.rows.append([])
            for j, v in enumerate(row):
                c = c0 + j
                target = sh.rows[r]
                while len(target) <= c:
                    target.append("")
                if option == "USER_ENTERED" and isinstance(v, str) and v.startswith("="):
                    ss.formulas[(sh.title, r, c)] = v
                else:
                    ss.formulas.pop((sh.title, r, c), None)
                    if option == "USER_ENTERED" and isinstance(v, str):
                        try:
                            v = float(v) if "." in v else int(v)
                        except ValueError:
                            pass
                target[c] = v
        ss.modified, ss.modified_by_me = self.tick(), True
        ncols = max((len(r) for r in values), default=0)
        return {"spreadsheetId": ss.key, "updatedRange": f"'{sh.title}'!{col_letter(c0 + 1)}{r0 + 1}:"
                f"{col_letter(c0 + max(ncols, 1))}{r0 + max(len(values), 1)}",
                "updatedRows": len(values), "updatedColumns": ncols, "updatedCells": sum(len(r) for r in values)}

    def _values_update(self, key, a1, query, body):
        req = json.loads(body or b"{}")
        return self._write(self._ss(key), a1, req.get("values", []), query.get("valueInputOption", [""])[0])

    def _values_batch_update(self, key, query, body, headers):
        req = json.loads(body or b"{}")
        ss = self._ss(key)
        # validate every range first: Google applies all or nothing
        for d in req.get("data", []):
            self._sheet_of(ss, d["range"])
        res = [self._write(ss, d["range"], d.get("values", []), req.get("valueInputOption", ""))
               for d in req.get("data", [])]
        return {"spreadsheetId": key, "totalUpdatedRows": sum(r["updatedRows"] for r in res),
                "totalUpdatedColumns": max((r["updatedColumns"] for r in res), default=0),
                "totalUpdatedCells": sum(r["updatedCells"] for r in res),
                "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in res}), "responses": res}

    def _batch_update(self, key, query, body, headers):
        ss = self._ss(key)
        req = json.loads(body or b"{}")
        replies = []
        ids = {s.sheet_id for s in ss.sheets}
        for r in req.get("requests", []):
            (name, spec), = r.items()
            sheet_id = _find_sheet_id(spec)
            if sheet_id is not None and sheet_id not in ids and name != "addSheet":
                raise _Bad(f"Invalid requests[{len(replies)}].{name}: No grid with id: {sheet_id}")
            if name == "addSheet":
                p = spec.get("properties", {})
                sid = p.get("sheetId", 3000 + len(ss.sheets))
                ss.sheets.append(Sheet(p["title"], sid, [], {k: v for k, v in p.items() if k not in ("title", "sheetId")}))
                ids.add(sid)
                replies.append({"addSheet": {"properties": {"sheetId": sid, "title": p["title"]}}})
                continue
            if name == "updateSheetProperties":
                p = spec["properties"]
                sh = next(s for s in ss.sheets if s.sheet_id == p["sheetId"])
                for k, v in p.items():
                    if k not in ("sheetId", "title"):
                        sh.props[k] = v
            if name == "createDeveloperMetadata":
                m = json.loads(json.dumps(spec["developerMetadata"]))
                dr = (m.get("location") or {}).get("dimensionRange")
                if not m.get("metadataKey") or not m.get("visibility") or not dr or \
                        dr.get("endIndex", 0) - dr.get("startIndex", 0) != 1:
                    raise _Bad(f"Invalid requests[{len(replies)}].createDeveloperMetadata")
                m["metadataId"] = m.get("metadataId") or 1 + max((x["metadataId"] for x in ss.metadata), default=0)
                m["location"]["locationType"] = "ROW" if dr["dimension"] == "ROWS" else "COLUMN"
                ss.metadata.append(m)
                replies.append({"createDeveloperMetadata": {"developerMetadata": m}})
                ss.requests_applied.append(r)
                continue
            if name == "deleteDeveloperMetadata":
                gone = [m for f in spec.get("dataFilter") and [spec["dataFilter"]] or [] for m in self._lookup(ss, f)]
                ss.metadata = [m for m in ss.metadata if m not in gone]
                replies.append({"deleteDeveloperMetadata": {"deletedDeveloperMetadata": gone}})
                ss.requests_applied.append(r)
                continue
            if name == "addProtectedRange":
                replies.append({"addProtectedRange": {"protectedRange": {**spec["protectedRange"],
                                                                         "protectedRangeId": len(replies) + 1}}})
            else:
                replies.append({})
            ss.requests_applied.append(r)
        ss.modified, ss.modified_by_me = self.tick(), True
        return {"spreadsheetId": key, "replies": replies}

    # ---------- Drive
    def _drive_list(self, key, query, body, headers):
        q = query.get("q", [""])[0]
        items = []
        for ss in self.spreadsheets.values():
            items.append({"id": ss.key, "name": ss.title, "mimeType": "application/vnd.google-apps.spreadsheet",
                          "modifiedTime": _rfc3339(ss.modified), "parents": ss.parents,
                          "lastModifyingUser": {"me": ss.modified_by_me, "kind": "drive#user"}})
        for f in self.files.values():
            items.append({"id": f.id, "name": f.name, "mimeType": f.mime, "modifiedTime": _rfc3339(f.modified),
                          "parents": f.parents, "lastModifyingUser": {"me": True, "kind": "drive#user"}})
        items = [i for i in items if _drive_match(q, i)]
        size = int(query.get("pageSize", ["100"])[0])
        start = int(query.get("pageToken", ["0"])[0] or 0)
        page = items[start:start + size]
        out: dict[str, Any] = {"kind": "drive#fileList", "incompleteSearch": False,
                               "files": [{k: v for k, v in i.items() if k != "parents"} for i in page]}
        if start + size < len(items):
            out["nextPageToken"] = str(start + size)
        return out

    def _drive_get(self, key, query, body, headers):
        f = self.files.get(key)
        if f is None:
            return 404, _err(404, f"File not found: {key}.", "NOT_FOUND"), {}
        return {"id": f.id, "name": f.name, "mimeType": f.mime, "modifiedTime": _rfc3339(f.modified)}

    def _drive_upload(self, key, query, body, headers):
        meta, content = _parse_multipart(body, headers.get("content-type", ""))
        if key is None:
            fid = uuid.uuid4().hex[:24]
            self.files[fid] = DriveFile(fid, meta.get("name", "untitled"), meta.get("mimeType", "application/octet-stream"),
                                        content, meta.get("parents", []), self.tick())
        else:
            f = self.files.get(key)
            if f is None:
                return 404, _err(404, f"File not found: {key}.", "NOT_FOUND"), {}
            f.content, f.modified = content, self.tick()
            if "name" in meta:
                f.name = meta["name"]
            fid = key
        f = self.files[fid]
        return {"kind": "drive#file", "id": f.id, "name": f.name, "mimeType": f.mime}


class _Bad(Exception):
    pass


def _err(code: int, message: str, status: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


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
                continue                      # deleted with its row/column
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
    _shift_metadata(ss, sh, dimension, lambda i: i + count if i >= start else i)


def _delete_dim(ss, sh, dimension, start, count, to):
    if dimension == "ROWS":
        del sh.rows[start:start + count]
    else:
        for row in sh.rows:
            del row[start:start + count]
    _shift_metadata(ss, sh, dimension, lambda i: None if start <= i < start + count
                    else i - count if i >= start + count else i)


def _move_dim(ss, sh, dimension, start, count, to):
    order = list(range(max(len(sh.rows) if dimension == "ROWS" else max((len(r) for r in sh.rows), default=0),
                           start + count, to + 1)))
    block = order[start:start + count]
    rest = order[:start] + order[start + count:]
    dest = to if to <= start else to - count
    order = rest[:dest] + block + rest[dest:]
    if dimension == "ROWS":
        sh.rows[:] = [sh.rows[i] if i < len(sh.rows) else [] for i in order]
    else:
        for k, row in enumerate(sh.rows):
            sh.rows[k] = [row[i] if i < len(row) else "" for i in order]
    where = {old: new for new, old in enumerate(order)}
    _shift_metadata(ss, sh, dimension, lambda i: where.get(i, i))


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


_CLAUSE = re.compile(r"(\w+)\s*(=|!=|>|<|contains)\s*'((?:[^'\\]|\\.)*)'|'((?:[^'\\]|\\.)*)'\s+in\s+parents|trashed\s*=\s*(true|false)")


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
        ok = {"=": have == val, "!=": have != val, ">": have > val, "<": have < val,
              "contains": val in have}[op]
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
