"""Exit codes of the `followup` command and the one place that maps an error to code + message.

    0 OK            every row was used
    1 REJECTED      rows were rejected (the reports are still filed), or a wrong name (check-name)
    2 USAGE         usage or config error (unknown option, missing value, bad config, credentials)
    3 LOCKED        another sync holds the report folder's lock
    4 FILESYSTEM    a file or folder cannot be read or written (permission, disk full, not a folder)
    5 NOTHING_READ  a source could not be read at all / the run read nothing usable (no report filed)
   70 INTERNAL      a bug in followup (a one-line message; FOLLOWUP_DEBUG=1 shows the traceback)
  130 INTERRUPTED   Ctrl-C (SIGINT); the message says whether this run's reports were filed
  141 PIPE_CLOSED   the reader of the output closed the pipe (`| head`); the command's work was done
  143 TERMINATED    SIGTERM; the message says whether this run's reports were filed

Raise `FileSystemError` (→ 4) or `NothingReadError` (→ 5) anywhere below the CLI; any other
`FollowupError` is a usage/config error (→ 2) unless it sets a class attribute `exit_code`.
A plain `OSError` reaching the entry point is a file-system fault (→ 4) as well.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import cast

from followup.udfs.errors import FollowupError

__all__ = [
    "OK",
    "REJECTED",
    "USAGE",
    "LOCKED",
    "FILESYSTEM",
    "NOTHING_READ",
    "INTERNAL",
    "INTERRUPTED",
    "TERMINATED",
    "PIPE_CLOSED",
    "EXIT_CODES",
    "FileSystemError",
    "NothingReadError",
    "UsageError",
    "classify",
    "fs_error",
    "check_report_dir",
]

OK, REJECTED, USAGE, LOCKED, FILESYSTEM, NOTHING_READ = 0, 1, 2, 3, 4, 5
INTERNAL = 70
INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + 2, as shells report it
TERMINATED = 143  # SIGTERM: 128 + 15
PIPE_CLOSED = 141  # the reader of stdout went away (`| head`): 128 + SIGPIPE, the work was done
EXIT_CODES = frozenset({OK, REJECTED, USAGE, LOCKED, FILESYSTEM, NOTHING_READ})


class UsageError(FollowupError):
    """A command line that cannot be run (exit 2)."""

    exit_code = USAGE


class FileSystemError(FollowupError):
    """A file or folder cannot be read or written (exit 4); the message names the path and the fix."""

    exit_code = FILESYSTEM

    def __init__(self, message: str, path: object = None):
        self.path = None if path is None else str(path)
        super().__init__(message)


class NothingReadError(FollowupError):
    """A source could not be read at all, or the run read nothing usable; no report is filed (exit 5)."""

    exit_code = NOTHING_READ


# errno → (what happened zh, en, the fix zh, en)
_FS = {
    errno.EACCES: (
        "没有权限",
        "permission denied",
        "请检查该文件/文件夹的权限,或用 --out 换一个可写的文件夹",
        "check its permissions or choose a writable folder with --out",
    ),
    errno.EROFS: (
        "文件系统是只读的",
        "read-only file system",
        "请用 --out 换一个可写的文件夹",
        "choose a writable folder with --out",
    ),
    errno.ENOSPC: (
        "磁盘已满",
        "disk full",
        "请清理磁盘空间后重试,或用 --out 换一个磁盘",
        "free some space and retry, or use --out on another disk",
    ),
    errno.ENOTDIR: (
        "路径中有一段是文件而不是文件夹",
        "a part of the path is a file, not a folder",
        "请让 --out 指向一个文件夹(或不存在的路径)",
        "point --out at a folder (or a path that does not exist yet)",
    ),
    errno.EEXIST: (
        "已存在同名文件,不是文件夹",
        "a file of that name exists where a folder is needed",
        "请让 --out 指向一个文件夹",
        "point --out at a folder",
    ),
    errno.EISDIR: ("这是一个文件夹,不是文件", "is a folder, not a file", "请给出文件路径", "give the path of a file"),
    errno.ENOENT: ("找不到文件或文件夹", "no such file or folder", "请检查路径是否正确", "check the path"),
    errno.ELOOP: (
        "是符号链接(或链接循环),出于安全不会跟随",
        "is a symbolic link (or a link loop) and is not followed",
        "请删除该链接后重试",
        "delete the link and retry",
    ),
    errno.EBUSY: (
        "文件正被占用",
        "the file is busy",
        "请关闭占用它的程序(例如 Excel)后重试",
        "close the program using it (e.g. Excel) and retry",
    ),
}
_FS[errno.EPERM] = _FS[errno.EACCES]
_FS[getattr(errno, "EDQUOT", errno.ENOSPC)] = _FS[errno.ENOSPC]


def fs_error(err: OSError, path: object = None) -> FileSystemError:
    """An OSError → FileSystemError naming the path (the error's own, else `path`) and the fix."""
    where = err.filename if err.filename not in (None, "") else path
    code = cast(int, err.errno)  # None: not in _FS, the default below
    zh, en, fix_zh, fix_en = _FS.get(
        code,
        (
            "无法读写",
            "cannot read or write",
            "请检查路径、权限和磁盘空间",
            "check the path, permissions and free space",
        ),
    )
    if isinstance(err, PermissionError) and err.errno not in _FS:
        zh, en, fix_zh, fix_en = _FS[errno.EACCES]
    shown = f": {where}" if where is not None else ""
    detail = err.strerror or type(err).__name__
    return FileSystemError(
        f"文件系统错误 {zh}{shown} — {fix_zh} / file-system error, {en}{shown} — {fix_en} [{detail}]", where
    )


def check_report_dir(path: Path, lock_name: str) -> None:
    """Refuse a report folder that is a file. (A lock file planted as a symbolic link is set aside
    by the lock itself, `reports.folder.FolderLock`, and the run goes on.)"""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileSystemError(
            f"报表目录是一个文件,不是文件夹: {path} — 请让 --out 指向一个文件夹 / "
            f"the report folder is a file, not a folder: {path} — point --out at a folder",
            path,
        )


def classify(exc: BaseException) -> tuple[int, str]:
    """(exit code, message) for any exception that reaches the entry point."""
    from .config import ConfigError

    if isinstance(exc, KeyboardInterrupt):
        return INTERRUPTED, "已中断 / interrupted"
    if isinstance(exc, FollowupError):  # its class's exit_code: SyncLocked → LOCKED, …
        code = getattr(exc, "exit_code", None)
        if isinstance(exc, ConfigError) or not isinstance(code, int):
            code = USAGE
        return code, str(exc)
    if isinstance(exc, OSError):
        return FILESYSTEM, str(fs_error(exc))
    if isinstance(exc, MemoryError):
        return INTERNAL, "内存不足 / out of memory"
    name = type(exc).__name__
    return INTERNAL, (
        f"内部错误 {name}: {exc} — 这是 followup 的缺陷,请报告;设置 FOLLOWUP_DEBUG=1 可看到详细信息 / "
        f"internal error {name}: {exc} — a bug in followup, please report it "
        f"(FOLLOWUP_DEBUG=1 shows the details)"
    )


def debug() -> bool:
    return os.environ.get("FOLLOWUP_DEBUG", "").strip() not in ("", "0")
