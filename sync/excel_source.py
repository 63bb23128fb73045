"""Excel workbooks as a source: find them (`excel_files`), read their cells with python-calamine
(`excel_read`), validate — several at once, in worker processes.

Workbooks are only ever read here (SPEC §1: Excel workbooks compute their own columns through
the add-in and are never rewritten by the sync). Every failure of one file — missing, locked,
empty, corrupt, password-protected, not a workbook at all — becomes a located `Rejection`
and the other files go on.
"""
from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .excel_files import discover
from .excel_read import WorkbookError, read_workbook
from .model import ReadResult, Rejection
from .progress import report
from .validate import parse_workbook

__all__ = ["read_sources"]


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
    n = len(files)
    workers = _workers(n)
    parts: list = [None] * n
    report("read_file", 0, n)
    if workers > 1:  # progress as each file completes; results kept in file order
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(_read_one, f, playbook, now): i for i, f in enumerate(files)}
            for done, future in enumerate(as_completed(futures), start=1):
                i = futures[future]
                parts[i] = future.result()
                report("read_file", done, n, Path(files[i]).name)
    else:
        for i, f in enumerate(files):
            parts[i] = _read_one(f, playbook, now)
            report("read_file", i + 1, n, Path(f).name)
    for part in parts:
        result.extend(part)
    return result
