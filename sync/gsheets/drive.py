"""Filing reports to a Drive folder under their exact names.

A file of the same name in the folder (the same week's or month's report: the name carries the
period) is replaced in place with `files.update`, so the folder never holds two copies and
links to it keep working. Two requests per report: one listing, one upload.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import gspread

__all__ = ["upload_report", "XLSX_MIME"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = "https://www.googleapis.com/drive/v3/files"
UPLOAD = "https://www.googleapis.com/upload/drive/v3/files"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _multipart(meta: dict, content: bytes, mime: str) -> tuple[bytes, str]:
    boundary = "followup-" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(meta, ensure_ascii=False)}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n").encode() \
        + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/related; boundary={boundary}"


def upload_report(client: gspread.Client, path: str | Path, folder_id: str, name: str | None = None) -> dict:
    """Upload `path` into the folder as `name` (default: the file's name); returns {id, name, replaced}."""
    http = client.http_client
    p = Path(path)
    name = name or p.name
    http.where = f"Drive › {name}"
    q = f"name='{_quote(name)}' and '{_quote(folder_id)}' in parents and trashed=false"
    found = http.request("get", FILES, params={"q": q, "fields": "files(id,name)", "pageSize": 10,
                                               "supportsAllDrives": True, "includeItemsFromAllDrives": True}).json()
    existing = [f for f in found.get("files", []) if f.get("name") == name]
    content = p.read_bytes()
    params = {"uploadType": "multipart", "supportsAllDrives": True, "fields": "id,name"}
    if existing:
        body, ctype = _multipart({"name": name}, content, XLSX_MIME)
        res = http.request("patch", f"{UPLOAD}/{existing[0]['id']}", params=params, data=body,
                           headers={"Content-Type": ctype}).json()
    else:
        body, ctype = _multipart({"name": name, "parents": [folder_id], "mimeType": XLSX_MIME}, content, XLSX_MIME)
        res = http.request("post", UPLOAD, params=params, data=body, headers={"Content-Type": ctype}).json()
    return {"id": res.get("id"), "name": res.get("name", name), "replaced": bool(existing)}
