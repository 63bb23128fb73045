"""The report folder as untrusted input (issue 20).

The report folder is usually a shared folder that many people can write, while the sync runs with
the team lead's rights. So nothing found inside it is trusted:

- only regular files are read, through a descriptor opened without following a symbolic link
  (`O_NOFOLLOW`) and without waiting on a FIFO (`O_NONBLOCK`), checked with `fstat` and read up
  to a size bound (`read_regular`, `hash_regular`);
- only real folders are written into: a year folder, the staging folder or a destination that is a
  symbolic link (or a FIFO, a device, a folder where a file belongs) is renamed aside
  (`set_aside`: the link itself is renamed, its target is never touched) and a real folder made;
- the lock is taken on a regular file opened the same way (`FolderLock`); a planted link or FIFO
  in its place is set aside.

The report folder itself (`report_dir` / `--out`) is the user's choice and may be a link.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import stat
import time
from pathlib import Path
from typing import Any, Literal, overload

__all__ = [
    "NotRegular",
    "kind",
    "read_regular",
    "hash_regular",
    "set_aside",
    "real_dir",
    "ensure_real_dir",
    "FolderLock",
    "FolderBusy",
    "ASIDE_MARK",
]

ASIDE_MARK = "已隔离"  # "set aside": <name>.已隔离-<time>
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 20


class NotRegular(OSError):
    """A path that is not a regular file within its size bound; the message (Chinese first) says why."""


def kind(path: Path) -> str | None:
    """What is at `path`, without following a link: 'file', 'dir', 'link', 'other' or None (nothing)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "link"
    if stat.S_ISREG(st.st_mode):
        return "file"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "other"


def _what(k: str | None) -> tuple[str, str]:
    return {
        "link": ("符号链接", "a symbolic link"),
        "dir": ("文件夹", "a folder"),
        "other": ("特殊文件(管道或设备)", "a special file (FIFO or device)"),
        None: ("不存在", "missing"),
    }.get(k, ("不是普通文件", "not a regular file"))


def _open_regular(path: Path, max_bytes: int) -> tuple[int, os.stat_result]:
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY | _CLOEXEC)
    except OSError as e:
        if e.errno == errno.ELOOP or kind(path) == "link":
            zh, en = _what("link")
            raise NotRegular(e.errno or errno.ELOOP, f"{path} 是{zh},不会跟随 (is {en}; not followed)") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            zh, en = _what("dir" if stat.S_ISDIR(st.st_mode) else "other")
            raise NotRegular(errno.EINVAL, f"{path} 是{zh},不是普通文件,未读取 (is {en}, not a regular file: not read)")
        if st.st_size > max_bytes:
            raise NotRegular(
                errno.EFBIG,
                f"{path} 有 {st.st_size:,} 字节,超过上限 {max_bytes:,},未读取 "
                f"({st.st_size:,} bytes, over the limit of {max_bytes:,}: not read)",
            )
        if _NONBLOCK and hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


@overload
def read_regular(path: Path, max_bytes: int) -> bytes: ...
@overload
def read_regular(path: Path, max_bytes: int, with_stat: Literal[True]) -> tuple[bytes, os.stat_result]: ...


def read_regular(path: Path, max_bytes: int, with_stat: bool = False):
    """The bytes of `path` if it is a regular file (not a link, FIFO or device) of at most
    `max_bytes`; else NotRegular (an OSError) naming it. Never reads more than `max_bytes` + 1.
    `with_stat`: (bytes, the file's fstat) — to tell whether the path still names that file."""
    fd, st = _open_regular(Path(path), max_bytes)
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew while being read
        raise NotRegular(errno.EFBIG, f"{path} 超过上限 {max_bytes:,} 字节 (over the limit of {max_bytes:,} bytes)")
    return (data, st) if with_stat else data


def hash_regular(path: Path, max_bytes: int) -> str | None:
    """sha256 of a regular file of at most `max_bytes` (read in pieces), or None for anything else."""
    try:
        fd, _ = _open_regular(Path(path), max_bytes)
    except OSError:
        return None
    h = hashlib.sha256()
    seen = 0
    with os.fdopen(fd, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            seen += len(chunk)
            if seen > max_bytes:
                return None
            h.update(chunk)
    return h.hexdigest()


def set_aside(path: Path, now: dt.datetime | None = None) -> Path:
    """Rename `path` (a link itself, never its target) to `<name>.已隔离-<time>` beside it; returns
    the new path. A name taken already gets `-2`, `-3`, …"""
    path = Path(path)
    stamp = f"{(now or dt.datetime.now()):%Y%m%d-%H%M%S}"
    name = path.name
    if len(name.encode("utf-8")) > 200:  # a long planted name: cut, with a digest to keep it apart
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        name = name.encode("utf-8")[:180].decode("utf-8", "ignore") + "-" + digest
    base = f"{name}.{ASIDE_MARK}-{stamp}"
    for n in range(1, 1000):
        target = path.with_name(base if n == 1 else f"{base}-{n}")
        if kind(target) is None:
            os.rename(path, target)
            return target
    raise FileExistsError(errno.EEXIST, "too many set-aside copies", str(path))


def real_dir(path: Path) -> bool:
    return kind(path) == "dir"


def aside_note(path: Path, aside: Path, what: str | None, where: str = "") -> str:
    zh, en = _what(what)
    where_zh = f"(位于 {where})" if where else ""
    where_en = f" (in {where})" if where else ""
    return (
        f"报表文件夹中的 {path.name}{where_zh} 是{zh},出于安全未跟随、未使用,已改名为 {aside.name} "
        f"({path.name}{where_en} is {en}: for safety it was not followed or used, and was renamed to {aside.name})"
    )


def ensure_real_dir(root: Path, rel_dir: str, notes: list[str]) -> Path:
    """`root/rel_dir` (one level, e.g. a year folder) as a real folder: a link, file or special file
    in its place is set aside (with a note) and the folder made."""
    folder = Path(root) / rel_dir
    k = kind(folder)
    if k == "dir":
        return folder
    if k is not None:
        aside = set_aside(folder)
        notes.append(aside_note(folder, aside, k))
    folder.mkdir()
    return folder


class FolderBusy(Exception):
    """Another process holds the report folder's lock."""


class FolderLock:
    """An exclusive lock on `<report folder>/<name>`, a regular file opened without following a
    link. A link, folder or special file in its place is set aside first (`notes` says so).
    POSIX: `flock` (the same lock the `filelock` package takes); elsewhere: `filelock`."""

    def __init__(self, path: Path, timeout: float = 0):
        self.path = Path(path)
        self.timeout = timeout
        self.notes: list[str] = []
        self._fd: int | None = None
        self._other: Any = None  # filelock's lock, where there is no fcntl

    def acquire(self) -> FolderLock:
        k = kind(self.path)
        if k not in (None, "file"):
            aside = set_aside(self.path)
            self.notes.append(aside_note(self.path, aside, k))
        try:
            import fcntl
        except ImportError:  # Windows: no symbolic links for ordinary users; filelock's lock
            import filelock

            self._other = filelock.FileLock(str(self.path), timeout=self.timeout)
            try:
                self._other.acquire()
            except filelock.Timeout:
                raise FolderBusy(str(self.path)) from None
            return self
        flags = os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK | _CLOEXEC
        fd, _ = self._open(flags)
        deadline = time.monotonic() + max(self.timeout, 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    os.close(fd)
                    raise
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise FolderBusy(str(self.path)) from None
                time.sleep(0.05)
        self._fd = fd
        return self

    def _open(self, flags: int) -> tuple[int, os.stat_result]:
        fd = os.open(self.path, flags, 0o644)
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced between the check and the open
            os.close(fd)
            zh, en = _what("other")
            raise NotRegular(errno.EINVAL, f"锁文件 {self.path} 是{zh} (the lock file is {en})")
        return fd, st

    def release(self) -> None:
        if self._other is not None:
            self._other.release()
            self._other = None
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
