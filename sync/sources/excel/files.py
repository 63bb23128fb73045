"""Finding the Excel workbooks among the configured paths, and the lock files Excel and
LibreOffice keep beside an open workbook. A path that cannot be used becomes a `Rejection`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from followup.sync.model import Rejection
from followup.sync.validate.settings import WORKBOOK_EXTENSIONS

__all__ = ["discover", "lock_file_of", "lock_owner", "lock_note", "file_problem", "UNSUPPORTED"]

_FILE = "(文件)"  # Rejection.sheet for a problem with the whole file


def file_problem(path: Path | str, message: str, fatal: bool = True) -> Rejection:
    return Rejection(str(path), _FILE, None, None, None, message, fatal)


# Spreadsheet formats found beside the workbooks that are not read: each is named, never skipped
# without a word.
UNSUPPORTED = {
    ".xlsb": "Excel 二进制工作簿 (Excel binary workbook)",
    ".ods": "OpenDocument 表格 (OpenDocument spreadsheet)",
    ".fods": "OpenDocument 表格 (OpenDocument spreadsheet)",
    ".et": "WPS 表格 (WPS spreadsheet)",
}


def unsupported(p: Path) -> Rejection:
    zh, _, en = UNSUPPORTED[p.suffix.lower()].partition(" (")
    return file_problem(
        p,
        f"这是 {zh}({p.suffix}),同步只读取 .xlsx、.xlsm 和 .xls,本文件未读取;请另存为 .xlsx 后重新同步 "
        f"(the file is {'an' if en[:1] in 'AEIOU' else 'a'} {en.rstrip(')')}, {p.suffix}: only .xlsx, .xlsm and "
        f".xls are read, so this one was not; save it as .xlsx and sync again)",
    )


def _hidden(p: Path) -> bool:
    if p.name.startswith("."):
        return True
    attrs = getattr(p.stat(), "st_file_attributes", 0)  # Windows only
    return bool(attrs & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _is_lock(p: Path) -> bool:
    return p.name.startswith("~$") or (p.name.startswith(".~lock.") and p.name.endswith("#"))


def _temp(p: Path) -> bool:
    n = p.name.lower()
    return n.startswith("~") or n.endswith((".tmp", ".bak")) or n.startswith("._")


def lock_file_of(workbook: Path) -> Path | None:
    """The owner/lock file Excel (`~$…`) or LibreOffice (`.~lock.…#`) keeps beside an open workbook.

    Excel names it `~$` + the name, or, for longer names, replaces the first two characters."""
    folder, name = workbook.parent, workbook.name
    for cand in (f"~${name}", f"~${name[2:]}", f".~lock.{name}#"):
        if (folder / cand).is_file():
            return folder / cand
    return None


def lock_owner(lock: Path) -> str | None:
    """Who holds the workbook open, from its lock file; None when it does not say.

    Excel's owner file `~$…` (165 bytes): byte 0 is the length of the user name, bytes 1… the
    name in the system code page, space-padded to byte 54; then a 2-byte little-endian length
    and the same name in UTF-16-LE. LibreOffice's `.~lock.…#` is one CSV line: full name,
    login, host, time, profile URL."""
    try:
        with open(lock, "rb") as f:
            data = f.read(4096)
    except OSError:
        return None
    if lock.name.startswith(".~lock."):
        text = data.decode("utf-8", "replace").strip().rstrip(";")
        fields = [x.strip() for x in text.split(",")]
        return next((x for x in fields[:2] if x), None)
    name = None
    if len(data) >= 56:
        n = int.from_bytes(data[54:56], "little")
        if 0 < n <= 54 and len(data) >= 56 + 2 * n:
            try:
                name = data[56 : 56 + 2 * n].decode("utf-16-le").strip()
            except UnicodeDecodeError:
                name = None
    if not name and data:
        n = data[0]
        raw = data[1 : 1 + n] if 0 < n <= 53 else b""
        for enc in ("utf-8", "gb18030"):
            try:
                name = raw.decode(enc).strip()
                break
            except UnicodeDecodeError:
                continue
    if name and all(ch.isprintable() for ch in name):
        return name
    return None


def _locked_workbook(lock: Path) -> Path | None:
    """The workbook a lock file belongs to, if it is there."""
    if lock.name.startswith(".~lock."):
        cand = lock.parent / lock.name[len(".~lock.") : -1]
        return cand if cand.is_file() else None
    rest = lock.name[2:]
    exact = lock.parent / rest
    if exact.is_file():
        return exact
    for p in sorted(lock.parent.iterdir()):
        if p.is_file() and not _is_lock(p) and len(p.name) > 2 and p.name[2:] == rest:
            return p
    return None


def discover(paths, problems: list[Rejection] | None = None) -> list[Path]:
    """Workbooks (.xlsx/.xlsm/.xls) among `paths`: files, or folders of them (not recursive).

    Skips hidden and temporary files and Excel/LibreOffice lock files; a spreadsheet in a format
    that is not read (.xlsb, .ods, .fods, .et: `UNSUPPORTED`) is a Rejection naming it. A lock file means its
    workbook is open in Excel: the workbook is still read (its last saved state) and a warning
    Rejection is appended to `problems` (when given) to save and close it. A path that does not
    exist, or a file that is not a workbook, is a Rejection too. Sorted, without duplicates.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    problems = problems if problems is not None else []
    found: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            problems.append(
                file_problem(p, "找不到这个文件或文件夹,请检查路径 (file or folder not found: check the path)")
            )
            continue
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.is_file())
            workbooks = [f for f in files if f.suffix.lower() in WORKBOOK_EXTENSIONS]
            if not workbooks:
                problems.append(
                    file_problem(
                        p,
                        "文件夹中没有 Excel 工作簿 (.xlsx/.xlsm/.xls) (no Excel workbook in this folder)",
                        fatal=False,
                    )
                )
            for f in workbooks:
                if _is_lock(f):
                    continue
                if _hidden(f) or _temp(f):
                    continue
                found.append(f)
            for f in files:
                if _is_lock(f):
                    _lock_warning(f, problems)
                elif f.suffix.lower() in UNSUPPORTED and not (_hidden(f) or _temp(f)):
                    problems.append(unsupported(f))
        else:
            if _is_lock(p):
                _lock_warning(p, problems)
                continue
            if p.suffix.lower() in UNSUPPORTED:
                problems.append(unsupported(p))
                continue
            if p.suffix.lower() not in WORKBOOK_EXTENSIONS:
                problems.append(
                    file_problem(
                        p,
                        "不是 Excel 工作簿,只读取 .xlsx、.xlsm 和 .xls 文件 "
                        "(not an Excel workbook: only .xlsx, .xlsm and .xls are read)",
                    )
                )
                continue
            found.append(p)
            lock = lock_file_of(p)
            if lock is not None:
                _lock_warning(lock, problems)
    out, seen = [], set()
    for f in found:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def _lock_warning(lock: Path, problems: list[Rejection]) -> None:
    r = lock_note(lock)
    if r is not None and r not in problems:
        problems.append(r)


def lock_note(lock: Path, read: bool = True) -> Rejection | None:
    """The warning for a workbook open in Excel/LibreOffice, naming who holds it; None for a
    stale lock file. `read=False`: the workbook could not be read either, so the message does
    not claim that its last saved state was read."""
    wb = _locked_workbook(lock)
    if wb is None:
        return None  # a stale lock file left by a crash; nothing to say
    owner = lock_owner(lock)
    who_zh, who_en = (f"「{owner}」", f" by {owner!r}") if owner else ("", "")
    app = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
    said_zh, said_en = ("读取的是上次保存的内容;", ": its last saved state is read;") if read else (";", ";")
    message = (
        f"工作簿正在被{who_zh}用 {app} 打开(锁定文件 {lock.name}),{said_zh}请保存并关闭后重新同步 "
        f"(the workbook is open in {app}{who_en}, lock file {lock.name}{said_en} "
        f"save and close it, then sync again)"
    )
    return file_problem(wb, message, fatal=False)
