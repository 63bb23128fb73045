"""Drive v3 calls: filing reports to a folder under their exact names, creating a spreadsheet in a
folder, sharing it.

A file of the same name in the folder (the same week's or month's report: the name carries the
period) is replaced in place with `files.update`, so the folder never holds two copies and
links to it keep working. Two requests per report: one name query in the folder, one upload.

Every call sends `supportsAllDrives=true` (without it Drive answers 404 for anything on a shared
drive), and queries add `corpora=allDrives` + `includeItemsFromAllDrives=true`. A service account
has no storage quota: it can create files only on a shared drive (or the config says
`sources.auth = "oauth"` and the files are the signed-in person's); Drive's 403
`storageQuotaExceeded` is turned into that advice by `errors.fail_fast`. Every answer is
validated (answers.py) like the sync's: `[]`, `{}` without an id or a non-JSON body become a
message naming the file, never a traceback or a false "uploaded".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import gspread

from .answers import DriveFileRef, DriveFound, Permission, checked
from .http import json_of

__all__ = ["upload_report", "find_in_folder", "create_in_folder", "share", "XLSX_MIME", "ALL_DRIVES"]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FILES = "https://www.googleapis.com/drive/v3/files"
UPLOAD = "https://www.googleapis.com/upload/drive/v3/files"
# Parameters of a listing that also sees the shared drives the account is a member of.
ALL_DRIVES = {"corpora": "allDrives", "includeItemsFromAllDrives": "true", "supportsAllDrives": "true"}


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _multipart(meta: dict, content: bytes, mime: str) -> tuple[bytes, str]:
    boundary = "followup-" + uuid.uuid4().hex
    body = (
        (
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
            f"{json.dumps(meta, ensure_ascii=False)}\r\n--{boundary}\r\nContent-Type: {mime}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/related; boundary={boundary}"


def find_in_folder(http, folder_id: str, name: str) -> list[dict]:
    """Files named exactly `name` in the folder (My Drive or a shared drive): [{id, name}]."""
    q = f"name='{_quote(name)}' and '{_quote(folder_id)}' in parents and trashed=false"
    where = http.where
    answer = http.request("get", FILES, params={"q": q, "fields": "files(id,name)", "pageSize": 10, **ALL_DRIVES})
    found = checked(DriveFound, json_of(answer, where), where)
    return [{"id": f.id, "name": f.name} for f in found.files if f.name == name]


def upload_report(client: gspread.Client, path: str | Path, folder_id: str, name: str | None = None) -> dict:
    """Upload `path` into the folder as `name` (default: the file's name); returns {id, name, replaced}."""
    http: Any = client.http_client  # our FollowupHTTPClient (client.py)
    p = Path(path)
    name = name or p.name
    http.where = f"Drive › {name}"
    existing = find_in_folder(http, folder_id, name)
    content = p.read_bytes()
    params = {"uploadType": "multipart", "supportsAllDrives": "true", "fields": "id,name"}
    if existing:
        body, ctype = _multipart({"name": name}, content, XLSX_MIME)
        answer = http.request(
            "patch", f"{UPLOAD}/{existing[0]['id']}", params=params, data=body, headers={"Content-Type": ctype}
        )
    else:
        body, ctype = _multipart({"name": name, "parents": [folder_id], "mimeType": XLSX_MIME}, content, XLSX_MIME)
        answer = http.request("post", UPLOAD, params=params, data=body, headers={"Content-Type": ctype})
    res = checked(DriveFileRef, json_of(answer, http.where), http.where)
    return {"id": res.id, "name": res.name or name, "replaced": bool(existing)}


def create_in_folder(http, folder_id: str, name: str, mime: str = SPREADSHEET_MIME) -> str:
    """files.create (metadata only) of an empty Google file inside the folder; returns its id."""
    answer = http.request(
        "post",
        FILES,
        params={"supportsAllDrives": "true", "fields": "id"},
        json={"name": name, "mimeType": mime, "parents": [folder_id]},
    )
    return checked(DriveFileRef, json_of(answer, http.where), http.where).id


def share(http, file_id: str, emails: Iterable[str], role: str = "writer", notify: bool = True) -> list[str]:
    """permissions.create for each e-mail (type user); returns the permission ids.

    `notify` sends Google's sharing e-mail with the link, which is how the people named learn of
    the new sheet."""
    ids = []
    for email in emails:
        answer = http.request(
            "post",
            f"{FILES}/{file_id}/permissions",
            params={
                "supportsAllDrives": "true",
                "sendNotificationEmail": "true" if notify else "false",
                "fields": "id",
            },
            json={"type": "user", "role": role, "emailAddress": email},
        )
        ids.append(checked(Permission, json_of(answer, http.where), http.where).id)
    return ids
