"""Moving a flat report folder (reports filed before the year folders, SPEC §3.7) into year folders.

A report file lying directly in the report folder goes to `<year>/` where its year is, in order:
the period recorded inside the file itself (the creation date the sync stamps into every report
is the period's first Monday; the month in the name holds the Thursday after it), else the
ledger row of that name (its deadline). A file whose year cannot be told, or whose place in the
year folder is taken by a different file, stays where it is, with a warning. Each move is one
rename, so an interrupted migration simply continues on the next run. Only regular files are
moved, and only into a real year folder (a link in its place is set aside, never followed).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path

from .folder import ensure_real_dir, hash_regular, kind
from .ledger_repair import year_of_deadline

__all__ = ["migrate_flat", "year_in_file"]

_MAX = 256 << 20  # a report file compared by digest
_CREATED = re.compile(rb"<dcterms:created[^>]*>(\d{4})-(\d{2})-(\d{2})")


def year_in_file(path: Path) -> int | None:
    """The year of a report from the creation date stamped in it (docProps/core.xml), or None."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/core.xml")
            if info.file_size > 1_000_000:
                return None
            m = _CREATED.search(z.read(info))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return None
    if not m:
        return None
    try:
        created = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return (created + dt.timedelta(days=3)).year


def _is_report_name(name: str) -> bool:
    from followup.udfs.names import check_report_name

    try:
        return check_report_name(name).ok
    except Exception:  # noqa: BLE001 - an odd name is simply not a report
        return False


def migrate_flat(out_dir: Path, ledger_rows=()) -> list[str]:
    """Move flat report files into their year folders; returns messages (Chinese, then English)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    by_name: dict[str, set[int]] = {}
    for r in ledger_rows:
        by_name.setdefault(r.report, set()).add(r.year if r.year is not None else year_of_deadline(r.deadline))
    notes = []
    for path in sorted(out_dir.glob("*.xlsx")):
        if kind(path) != "file" or not _is_report_name(path.name):
            continue  # not a report name (the ledger, the error list, anything else), or no regular file
        year = year_in_file(path)
        if year is None and len(by_name.get(path.name, ())) == 1:
            year = next(iter(by_name[path.name]))
        if year is None:
            notes.append(
                f"无法判断 {path.name} 属于哪一年,保留在原处 "
                f"(cannot tell which year {path.name} belongs to; left where it is)"
            )
            continue
        dest = ensure_real_dir(out_dir, str(year), notes) / path.name  # never a link to elsewhere
        if kind(dest) is not None:
            if kind(dest) == "file" and hash_regular(dest, _MAX) == hash_regular(path, _MAX) is not None:
                path.unlink()
                notes.append(
                    f"{path.name} 已在 {year}/ 中,删除了重复的旧文件 "
                    f"(already in {year}/: the duplicate flat copy was removed)"
                )
            else:
                notes.append(
                    f"{year}/{path.name} 已存在且内容不同,{path.name} 保留在原处 "
                    f"({year}/{path.name} exists with other content; the flat {path.name} was left in place)"
                )
            continue
        os.replace(path, dest)
        notes.append(f"报表已移入年份文件夹 (report moved into its year folder): {path.name} → {year}/{path.name}")
    return notes
