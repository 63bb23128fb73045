"""Reading one workbook's cells with python-calamine. Every failure — missing, locked, empty,
corrupt, password-protected, not a workbook at all — is a `WorkbookError` holding a located
`Rejection` (Chinese first, then English).
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as calamine

from followup.sync.model import Rejection
from followup.udfs.errors import FollowupError

from .files import file_problem, lock_file_of, lock_owner
from .guard import BookFacts, ReadLimits, Refused, guard_workbook

__all__ = ["read_workbook", "read_book", "Workbook", "WorkbookError"]

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class WorkbookError(FollowupError):
    """A workbook that cannot be read at all; `.rejection` says which and why."""

    def __init__(self, rejection: Rejection):
        super().__init__(rejection.line())
        self.rejection = rejection


@dataclass
class Workbook:
    """One workbook's worksheets (title → rows of cell values) and what the guard found."""

    sheets: dict[str, list[list]]
    facts: BookFacts = field(default_factory=BookFacts)
    hidden: set[str] = field(default_factory=set)  # titles of hidden (or very hidden) sheets


def _with_errors(rows: list[list], errors: list[tuple[int, int, str]] | None) -> list[list]:
    """Cached error values (#N/A, #REF!, …) back in their cells: calamine reads them as empty,
    which would make a broken date look like a date left blank."""
    for r, c, text in errors or ():
        if r < len(rows) and c < len(rows[r]) and rows[r][c] in ("", None):
            rows[r][c] = text
    return rows


def _head(path: Path, n: int) -> bytes:
    """The first `n` bytes only: a 3 GB file of something else is never read whole."""
    with open(path, "rb") as f:
        return f.read(n)


def _sniff(path: Path) -> bytes:
    return _head(path, 8)


def _encrypted(path: Path) -> bool:
    """An encrypted (password-protected) .xlsx is an OLE file holding an EncryptionInfo stream
    (its directory sits near the start of the file)."""
    try:
        data = _head(path, 4_000_000)
    except OSError:
        return False
    return "EncryptionInfo".encode("utf-16-le") in data


def _looks_like_text(path: Path) -> bool:
    try:
        head = _head(path, 4096)
    except OSError:
        return False
    if not head or any(b < 32 and b not in (9, 10, 13) for b in head):
        return False  # control bytes: binary, not text
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
        return sum(ch.isprintable() or ch.isspace() for ch in text) >= 0.95 * len(text)
    return False


def _unreadable(path: Path, message: str) -> WorkbookError:
    return WorkbookError(file_problem(path, message))


def _being_saved(p: Path) -> WorkbookError | None:
    """A broken zip while the workbook's lock file is there: most likely Excel is saving it."""
    lock = lock_file_of(p)
    if lock is None:
        return None
    owner = lock_owner(lock)
    who_zh, who_en = (f"「{owner}」", f" by {owner!r}") if owner else ("", "")
    return _unreadable(
        p,
        f"工作簿正在被{who_zh}保存(锁定文件 {lock.name},文件尚不完整);请等保存完成后重新同步 "
        f"(the workbook is being saved{who_en}, lock file {lock.name}, and is incomplete: "
        f"wait for the save to finish, then sync again)",
    )


def read_workbook(path: str | Path, limits: ReadLimits | None = None) -> dict[str, list[list]]:
    """Every worksheet of one workbook: title → rows of cell values (row 0 = sheet row 1).

    See `read_book`, which also returns what the guard found (date system, formulas without
    a cached value)."""
    return read_book(path, limits).sheets


def read_book(path: str | Path, limits: ReadLimits | None = None) -> Workbook:
    """Every worksheet of one workbook (title → rows of cell values, row 0 = sheet row 1) and
    its `BookFacts`.

    Raises WorkbookError (with a Chinese-first Rejection) for anything that keeps the file
    from being read: missing, no permission / locked, empty, corrupt, being saved,
    password-protected, over a `ReadLimits` bound (`guard`), or not a workbook at all.
    """
    p = Path(path)
    limits = limits or ReadLimits()
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would hang the read or never end it
            raise _unreadable(
                p,
                "不是普通文件(例如命名管道或设备),未读取;请放入真正的工作簿文件 "
                "(not a regular file, e.g. a named pipe or a device: not read; put the workbook file itself here)",
            )
        size = st.st_size
        head = _sniff(p)
    except FileNotFoundError:
        raise _unreadable(p, "找不到这个文件,请检查路径 (file not found)") from None
    except PermissionError:
        raise _unreadable(
            p,
            "没有权限读取这个文件,或文件正被其他程序(如 Excel)独占打开;请关闭后重试 "
            "(no permission to read the file, or another program such as Excel holds it open)",
        ) from None
    except OSError as e:
        raise _unreadable(p, f"无法读取这个文件: {e.strerror or e} (cannot read the file)") from None
    if size == 0:
        raise _unreadable(
            p,
            "文件为空(0 字节),可能保存或复制时中断;请从备份恢复或在 Excel 中重新保存 "
            "(the file is empty, 0 bytes: restore it from a backup or save it again in Excel)",
        )
    ext = p.suffix.lower()
    if head.startswith(_OLE) and ext in (".xlsx", ".xlsm") and _encrypted(p):
        raise _unreadable(
            p,
            "工作簿设置了打开密码,无法读取;请在 Excel 中取消密码(文件 › 信息 › 保护工作簿)后另存 "
            "(the workbook is password-protected: remove the password in Excel and save it again)",
        )
    facts = BookFacts()
    if head.startswith(_ZIP) or head.startswith(_OLE):
        try:
            facts = guard_workbook(p, limits)
        except Refused as e:
            raise _unreadable(p, str(e)) from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as e:
            saving = _being_saved(p)
            if saving is not None:
                raise saving from None
            detail = (
                ("压缩数据与记录的大小或校验不符", "a part does not match its recorded size or checksum")
                if "CRC" in str(e)
                else ("不是完整的 zip 文件", f"not a complete zip file: {type(e).__name__}: {e}")
            )
            raise _unreadable(
                p,
                f"工作簿已损坏({detail[0]}),无法读取;请从备份恢复或在 Excel 中打开修复后另存 "
                f"(the workbook is corrupt, {detail[1]}: restore it from a backup or repair "
                f"it in Excel)",
            ) from None
        except PermissionError:
            pass  # reported below, the same way calamine's would be
        except OSError as e:
            raise _unreadable(p, f"无法读取这个文件: {e.strerror or e} (cannot read the file)") from None
    try:
        try:
            book = calamine.CalamineWorkbook.from_path(str(p))
        except calamine.PasswordError:
            raise
        except calamine.CalamineError:
            if not (head.startswith(_ZIP) or head.startswith(_OLE)):
                raise
            with open(p, "rb") as f:  # an .xls saved as .xlsx or the other way round: sniff it
                book = calamine.CalamineWorkbook.from_filelike(f)
        sheets: dict[str, list[list]] = {}
        hidden: set[str] = set()
        for meta in book.sheets_metadata:
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                continue
            sheet = book.get_sheet_by_name(meta.name)
            sheets[meta.name] = _with_errors(sheet.to_python(skip_empty_area=False), facts.errors.get(meta.name))
            if meta.visible != calamine.SheetVisibleEnum.Visible:
                hidden.add(meta.name)
        return Workbook(sheets, facts, hidden)
    except WorkbookError:
        raise
    except calamine.PasswordError:
        raise _unreadable(
            p,
            "工作簿设置了密码,无法读取;请在 Excel 中取消密码后另存 "
            "(the workbook is password-protected: remove the password and save it again)",
        ) from None
    except PermissionError:
        raise _unreadable(
            p,
            "没有权限读取这个文件,或文件正被 Excel 独占打开;请关闭后重试 "
            "(no permission, or the file is held open by Excel: close it and retry)",
        ) from None
    except (calamine.CalamineError, OSError, ValueError, IndexError, KeyError, UnicodeError) as e:
        if _looks_like_text(p):
            msg = (
                "这是一个改了扩展名的文本文件(例如 CSV),不是 Excel 工作簿;请在 Excel 中打开后另存为 .xlsx "
                "(this is a text file, e.g. CSV, renamed to .xlsx, not a workbook: open it in Excel "
                "and save it as .xlsx)"
            )
        elif head.startswith(_ZIP) and (saving := _being_saved(p)) is not None:
            raise saving from None
        elif head.startswith(_ZIP) or head.startswith(_OLE):
            msg = (
                f"工作簿已损坏,无法读取;请从备份恢复或在 Excel 中打开修复后另存 "
                f"(the workbook is corrupt: restore it from a backup or repair it in Excel; {type(e).__name__}: {e})"
            )
        else:
            msg = (
                "文件不是有效的 Excel 工作簿(已损坏,或是改了扩展名的其他文件);请从备份恢复或在 Excel 中另存为 .xlsx "
                "(not a valid Excel workbook: corrupt, or another kind of file renamed; restore it or "
                "save it again as .xlsx)"
            )
        raise _unreadable(p, msg) from None
    except Exception as e:  # calamine may surface other errors from odd files: never crash the sync
        raise _unreadable(
            p,
            f"无法读取工作簿 ({type(e).__name__}: {e});请在 Excel 中打开并另存后重试 "
            f"(cannot read the workbook: open it in Excel, save it again and retry)",
        ) from None
