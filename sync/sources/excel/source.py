"""Excel workbooks as a source: find them (`files`), read their cells with python-calamine
(`read`), validate — several at once, in worker processes.

Workbooks are only ever read here (SPEC §1: Excel workbooks compute their own columns through
the add-in and are never rewritten by the sync). Every failure of one file — missing, locked,
empty, corrupt, password-protected, not a workbook at all — becomes a located `Rejection`
and the other files go on.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from followup.sync.model import ReadResult, Rejection
from followup.sync.validate import parse_workbook
from followup.sync.validate.settings import sheet_key
from followup.sync.validate.sheet import COLUMNS, find_header

from .files import discover, file_problem, lock_file_of, lock_note
from .guard import ReadLimits, cell_name
from .read import Workbook, WorkbookError, read_book
from .workers import Crash, run

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["read_sources", "ExcelSource"]

Progress = Callable[..., None]  # (step, i, n, detail=""), as run_sync's progress


def _quiet(step: str, i: int, n: int, detail: str = "") -> None:
    """No progress callback: nothing to tell."""


def _uncached_formulas(book: Workbook, path: Path) -> Rejection | None:
    """Formula cells without a cached value where the sync reads data (客户, 回访记录, 礼品 below
    their header, in a known column; 设置): calamine reads them as empty, so the file is rejected
    whole — evaluating Excel formulas here would need a formula engine at run time."""
    hits: list[str] = []
    for title, cells in book.facts.uncached.items():
        key = sheet_key(title)
        if key is None or title not in book.sheets:
            continue
        if key == "settings":
            hits += [f"{title}!{cell_name(r, c)}" for r, c, _ in cells]
            continue
        h = find_header(book.sheets[title], COLUMNS[key])
        used = set(h.cols.values())
        hits += [f"{title}!{cell_name(r, c)}" for r, c, _ in cells if h.row is not None and r > h.row and c in used]
    if not hits:
        return None
    shown = "、".join(hits[:10]) + (f" 等共 {len(hits)} 个" if len(hits) > 10 else "")
    shown_en = ", ".join(hits[:10]) + (f" and {len(hits) - 10} more" if len(hits) > 10 else "")
    return file_problem(
        path,
        f"公式单元格没有计算结果({shown}),文件可能由程序生成、从未在 Excel 中保存;"
        f"请在 Excel 中打开并保存后重新同步 (formula cells without a cached value, "
        f"{shown_en}: the file was written by a program and never saved by Excel; "
        f"open and save it in Excel, then sync again)",
    )


def _gc_paused(fn: Callable[..., ReadResult]) -> Callable[..., ReadResult]:
    """`fn` with Python's cycle collector paused while it runs: reading a workbook creates a few
    hundred thousand cell objects and no cycles worth collecting, and the collector walking them
    again and again cost about a tenth of the read step. Whatever cyclic garbage the workbook
    left is collected when it ends, so memory stays bounded by one workbook."""

    @functools.wraps(fn)
    def paused(*args: object, **kwargs: object) -> ReadResult:
        if not gc.isenabled():
            return fn(*args, **kwargs)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused


@_gc_paused
def _read_one(
    path: Path, playbook: str | None, now: dt.datetime | None, limits: ReadLimits | None = None
) -> ReadResult:
    """Read and validate one workbook (top-level so worker processes can run it)."""
    try:
        book = read_book(path, limits)
    except WorkbookError as e:
        return ReadResult(rejections=[e.rejection])
    problem = _uncached_formulas(book, path)
    if problem is not None:
        return ReadResult(rejections=[problem])
    part = parse_workbook(
        book.sheets, str(path), playbook=playbook, now=now, date1904=book.facts.date1904, hidden=book.hidden
    )
    from followup.sync.crm.sheets import parse_crm_sheets  # the same workbook's 投诉 / 常见问题, read once

    crm = parse_crm_sheets(book.sheets, str(path), playbook)
    if crm.read.rows_read or crm.read.rejections:
        part.crm.append(crm)
    return part


def _workers(n_files: int) -> int:
    """Worker processes: FOLLOWUP_WORKERS if set, else one per core for 4+ files, else one.

    FOLLOWUP_WORKERS=0 reads in this process (for a debugger or profiler only: a reader crash
    then ends the run)."""
    wanted = os.environ.get("FOLLOWUP_WORKERS", "").strip()
    if wanted.isdigit():
        return min(int(wanted), n_files)
    return min(os.cpu_count() or 1, n_files) if n_files >= 4 else min(1, n_files)


def _crashed(path: Path, crash: Crash) -> ReadResult:
    zh, en = crash.describe()
    return ReadResult(
        rejections=[
            file_problem(
                path,
                f"读取这个工作簿时{zh},文件可能已损坏或是特意构造的;本文件未使用,其他文件照常读取;"
                f"请在 Excel 中打开并另存后重新同步 (while reading this workbook {en}: the file may be "
                f"damaged or crafted; it was not used, the other files were read: open it in Excel, "
                f"save it again and sync again)",
            )
        ]
    )


def read_sources(
    paths,
    playbook: str | None = None,
    now: dt.datetime | None = None,
    limits: ReadLimits | None = None,
    progress: Progress | None = None,
) -> ReadResult:
    """Discover, read and validate every workbook under `paths`; one bad file never stops the others.

    Each workbook is read in a worker process (`workers.run`; several at once for 4+ files), so
    a reader that aborts, runs out of memory or hangs on one file costs only that file (a
    located rejection); the result is the same as reading them one by one, in the same order.
    `limits`: the bounds a workbook must stay within (`guard.ReadLimits`, config `[limits]`);
    over one, the file is rejected. `progress(step, i, n, detail)`: called with "read_file" as each workbook is done (the run's
    progress callback, `run_sync(progress=…)`).
    """
    report = progress or _quiet
    result = ReadResult()
    problems: list[Rejection] = []
    files = discover(paths, problems)
    result.rejections += problems
    n = len(files)
    workers = _workers(n)
    parts: list = [None] * n
    report("read_file", 0, n)
    if workers == 0:
        for i, f in enumerate(files):
            parts[i] = _read_one(f, playbook, now, limits)
            report("read_file", i + 1, n, Path(f).name)
    else:
        finished = 0

        def done(i: int) -> None:
            nonlocal finished
            finished += 1
            report("read_file", finished, n, Path(files[i]).name)

        got = run(_read_one, [(f, playbook, now, limits) for f in files], workers, done)
        parts = [_crashed(f, r) if isinstance(r, Crash) else r for f, r in zip(files, got)]
    for f, part in zip(files, parts):
        _unread_lock(f, part, result.rejections)
        result.extend(part)
    return result


def _unread_lock(path: Path, part: ReadResult, rejections: list[Rejection]) -> None:
    """A locked workbook that could not be read at all (being saved, damaged): its lock warning
    must not say that its last saved state was read. Dropped when the file's own message names
    the lock file (it then names the holder too), else reworded."""
    lock = lock_file_of(path)
    unread = [r for r in part.rejections if r.fatal and r.row is None and r.file == str(path)]
    note = lock_note(lock) if lock is not None and unread else None
    if note is None or note not in rejections:
        return
    at = rejections.index(note)
    lock = cast(Path, lock)  # a note was made, so there is a lock file
    if any(lock.name in r.message for r in unread):
        del rejections[at]
    else:
        rejections[at] = cast(Rejection, lock_note(lock, read=False))


class ExcelSource:
    """The Excel workbooks of `config.sources.excel` as a `followup.sync.sources.Source` (read
    only: workbooks compute their own columns, so there is no write-back). `progress`: the run's
    progress callback, told of each workbook read."""

    name = "Excel"

    def __init__(
        self,
        paths,
        playbook: str | None = None,
        limits: ReadLimits | None = None,
        progress: Progress | None = None,
    ):
        self.paths, self.playbook, self.limits, self.progress = list(paths), playbook, limits, progress

    @classmethod
    def from_config(cls, config: Config, *, progress: Progress | None = None) -> ExcelSource:
        return cls(config.sources.excel, config.playbook, ReadLimits(**config.limits.model_dump()), progress)

    def read(self, now: dt.datetime | None) -> ReadResult:
        if not self.paths:
            return ReadResult()
        local = None if now is None else now.replace(tzinfo=None)
        return read_sources(self.paths, self.playbook, local, self.limits, self.progress)
