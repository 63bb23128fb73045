"""Excel workbooks as a source: find them, read their cells with python-calamine, validate.

Workbooks are only ever read here (SPEC §1: Excel workbooks compute their own columns through
the add-in and are never rewritten by the sync). Every failure of one file — missing, locked,
empty, corrupt, password-protected, not a workbook at all — becomes a located `Rejection`
and the other files go on.
"""
from __future__ import annotations

import datetime as dt
import os
import stat
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path

import python_calamine as calamine

from followup.udfs.errors import FollowupError

from .model import ReadResult, Rejection
from .validate import WORKBOOK_EXTENSIONS, parse_workbook

__all__ = ["discover", "read_workbook", "read_sources", "WorkbookError", "lock_file_of"]

_FILE = "(文件)"     # Rejection.sheet for a problem with the whole file
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WorkbookError(FollowupError):
    """A workbook that cannot be read at all; `.rejection` says which and why."""

    def __init__(self, rejection: Rejection):
        super().__init__(rejection.line())
        self.rejection = rejection


def _file_problem(path: Path | str, message: str, fatal: bool = True) -> Rejection:
    return Rejection(str(path), _FILE, None, None, None, message, fatal)


def _hidden(p: Path) -> bool:
    if p.name.startswith("."):
        return True
    attrs = getattr(p.stat(), "st_file_attributes", 0)   # Windows only
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


def _locked_workbook(lock: Path) -> Path | None:
    """The workbook a lock file belongs to, if it is there."""
    if lock.name.startswith(".~lock."):
        cand = lock.parent / lock.name[len(".~lock."):-1]
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

    Skips hidden and temporary files and Excel/LibreOffice lock files. A lock file means its
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
            problems.append(_file_problem(p, "找不到这个文件或文件夹,请检查路径 (file or folder not found: check the path)"))
            continue
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.is_file())
            workbooks = [f for f in files if f.suffix.lower() in WORKBOOK_EXTENSIONS]
            if not workbooks:
                problems.append(_file_problem(p, "文件夹中没有 Excel 工作簿 (.xlsx/.xlsm/.xls) "
                                                 "(no Excel workbook in this folder)", fatal=False))
            for f in workbooks:
                if _is_lock(f):
                    continue
                if _hidden(f) or _temp(f):
                    continue
                found.append(f)
            for f in files:
                if _is_lock(f):
                    _lock_warning(f, problems)
        else:
            if _is_lock(p):
                _lock_warning(p, problems)
                continue
            if p.suffix.lower() not in WORKBOOK_EXTENSIONS:
                problems.append(_file_problem(p, "不是 Excel 工作簿,只读取 .xlsx、.xlsm 和 .xls 文件 "
                                                 "(not an Excel workbook: only .xlsx, .xlsm and .xls are read)"))
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
    wb = _locked_workbook(lock)
    if wb is None:
        return   # a stale lock file left by a crash; nothing to say
    message = ("工作簿正在被 Excel 打开(发现锁定文件 {lock}),只能读取上次保存的内容;请保存并关闭后重新同步 "
               "(the workbook is open in Excel, lock file {lock}: its last saved state is read; "
               "save and close it, then sync again)").format(lock=lock.name)
    r = _file_problem(wb, message, fatal=False)
    if r not in problems:
        problems.append(r)


# ---------------------------------------------------------------------------------------------

def _sniff(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(8)


def _encrypted(path: Path) -> bool:
    """An encrypted (password-protected) .xlsx is an OLE file holding an EncryptionInfo stream."""
    try:
        data = path.read_bytes()[:4_000_000]
    except OSError:
        return False
    return "EncryptionInfo".encode("utf-16-le") in data


def _looks_like_text(path: Path) -> bool:
    try:
        head = path.read_bytes()[:4096]
    except OSError:
        return False
    if not head or any(b < 32 and b not in (9, 10, 13) for b in head):
        return False   # control bytes: binary, not text
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        return sum(ch.isprintable() or ch.isspace() for ch in text) >= 0.95 * len(text)
    return False


def _unreadable(path: Path, message: str) -> WorkbookError:
    return WorkbookError(_file_problem(path, message))


def read_workbook(path: str | Path) -> dict[str, list[list]]:
    """Every worksheet of one workbook: title → rows of cell values (row 0 = sheet row 1).

    Raises WorkbookError (with a Chinese-first Rejection) for anything that keeps the file
    from being read: missing, no permission / locked, empty, corrupt, password-protected,
    or not a workbook at all.
    """
    p = Path(path)
    try:
        size = p.stat().st_size
        head = _sniff(p)
    except FileNotFoundError:
        raise _unreadable(p, "找不到这个文件,请检查路径 (file not found)") from None
    except PermissionError:
        raise _unreadable(p, "没有权限读取这个文件,或文件正被其他程序(如 Excel)独占打开;请关闭后重试 "
                             "(no permission to read the file, or another program such as Excel holds it open)") from None
    except OSError as e:
        raise _unreadable(p, f"无法读取这个文件: {e.strerror or e} (cannot read the file)") from None
    if size == 0:
        raise _unreadable(p, "文件为空(0 字节),可能保存或复制时中断;请从备份恢复或在 Excel 中重新保存 "
                             "(the file is empty, 0 bytes: restore it from a backup or save it again in Excel)")
    ext = p.suffix.lower()
    if head.startswith(_OLE) and ext in (".xlsx", ".xlsm") and _encrypted(p):
        raise _unreadable(p, "工作簿设置了打开密码,无法读取;请在 Excel 中取消密码(文件 › 信息 › 保护工作簿)后另存 "
                             "(the workbook is password-protected: remove the password in Excel and save it again)")
    try:
        try:
            book = calamine.CalamineWorkbook.from_path(str(p))
        except calamine.PasswordError:
            raise
        except calamine.CalamineError:
            if not (head.startswith(_ZIP) or head.startswith(_OLE)):
                raise
            with open(p, "rb") as f:   # an .xls saved as .xlsx or the other way round: sniff it
                book = calamine.CalamineWorkbook.from_filelike(f)
        sheets: dict[str, list[list]] = {}
        for meta in book.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            sheets[meta.name] = sheet.to_python(skip_empty_area=False)
        return sheets
    except WorkbookError:
        raise
    except calamine.PasswordError:
        raise _unreadable(p, "工作簿设置了密码,无法读取;请在 Excel 中取消密码后另存 "
                             "(the workbook is password-protected: remove the password and save it again)") from None
    except PermissionError:
        raise _unreadable(p, "没有权限读取这个文件,或文件正被 Excel 独占打开;请关闭后重试 "
                             "(no permission, or the file is held open by Excel: close it and retry)") from None
    except (calamine.CalamineError, OSError, ValueError, IndexError, KeyError, UnicodeError) as e:
        if _looks_like_text(p):
            msg = ("这是一个改了扩展名的文本文件(例如 CSV),不是 Excel 工作簿;请在 Excel 中打开后另存为 .xlsx "
                   "(this is a text file, e.g. CSV, renamed to .xlsx, not a workbook: open it in Excel "
                   "and save it as .xlsx)")
        elif head.startswith(_ZIP) or head.startswith(_OLE):
            msg = (f"工作簿已损坏,无法读取;请从备份恢复或在 Excel 中打开修复后另存 "
                   f"(the workbook is corrupt: restore it from a backup or repair it in Excel; {type(e).__name__}: {e})")
        else:
            msg = ("文件不是有效的 Excel 工作簿(已损坏,或是改了扩展名的其他文件);请从备份恢复或在 Excel 中另存为 .xlsx "
                   "(not a valid Excel workbook: corrupt, or another kind of file renamed; restore it or "
                   "save it again as .xlsx)")
        raise _unreadable(p, msg) from None
    except Exception as e:   # calamine may surface other errors from odd files: never crash the sync
        raise _unreadable(p, f"无法读取工作簿 ({type(e).__name__}: {e});请在 Excel 中打开并另存后重试 "
                             f"(cannot read the workbook: open it in Excel, save it again and retry)") from None


def _read_one(path: Path, playbook: str | None, now: dt.datetime | None) -> ReadResult:
    """Read and validate one workbook (top-level so worker processes can run it)."""
    try:
        sheets = read_workbook(path)
    except WorkbookError as e:
        return ReadResult(rejections=[e.rejection])
    return parse_workbook(sheets, str(path), playbook=playbook, now=now)


def _workers(n_files: int) -> int:
    """Worker processes: FOLLOWUP_WORKERS if set (1 = none), else one per core for 4+ files."""
    wanted = os.environ.get("FOLLOWUP_WORKERS", "").strip()
    if wanted.isdigit():
        return max(1, min(int(wanted), n_files))
    return min(os.cpu_count() or 1, n_files) if n_files >= 4 else 1


def read_sources(paths, playbook: str | None = None, now: dt.datetime | None = None) -> ReadResult:
    """Discover, read and validate every workbook under `paths`; one bad file never stops the others.

    Workbooks are independent, so several are read at once in worker processes; the result is
    the same as reading them one by one, in the same order.
    """
    result = ReadResult()
    problems: list[Rejection] = []
    files = discover(paths, problems)
    result.rejections += problems
    workers = _workers(len(files))
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(_read_one, files, repeat(playbook), repeat(now)))
    else:
        parts = [_read_one(f, playbook, now) for f in files]
    for part in parts:
        result.extend(part)
    return result
