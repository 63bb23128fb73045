"""The weekly sync (SPEC §1, §3.6, §5): read every source, merge stores, compute, file reports.

    result = run_sync(config, now)          # the last complete week before `now`
    result = run_sync(config, now, week="2026-W47")

Sources are pluggable: `SOURCE_READERS` holds one callable per kind of source
(`reader(config, now) -> ReadResult`); adding the Google Sheets reader is one `register_source` call.
Sources whose computed columns the sync writes back (Google Sheets; Excel workbooks compute their
own) add a `writer(result, config)` with `register_writer`; it runs right after the computation.
One sync at a time per report folder: a lock file refuses a concurrent run (`lock_timeout`
seconds of waiting, 0 by default).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

import filelock

from followup.udfs.errors import FollowupError

from .deadline import due_week, localize, parse_week
from .model import ReadResult
from .result import SyncResult, build_context, compute_tables

__all__ = ["run_sync", "SOURCE_READERS", "register_source", "RESULT_WRITERS", "register_writer", "SyncLocked", "SyncResult", "LOCK_NAME"]

LOCK_NAME = ".followup-sync.lock"
Progress = Callable[[str, int, int], None]


class SyncLocked(FollowupError):
    """Another sync holds the report folder."""


def _excel(config, now: dt.datetime | None) -> ReadResult:
    paths = list(config.sources.excel)
    if not paths:
        return ReadResult()
    from .excel_source import read_sources

    return read_sources(paths, config.playbook, None if now is None else now.replace(tzinfo=None))


SOURCE_READERS: list[Callable] = [_excel]


def register_source(reader: Callable) -> None:
    """Add a source reader `reader(config, now) -> ReadResult` (e.g. Google Sheets)."""
    if reader not in SOURCE_READERS:
        SOURCE_READERS.append(reader)


RESULT_WRITERS: list[Callable] = []


def register_writer(writer: Callable) -> None:
    """Add `writer(result, config)`, run after the tables are computed (its problems go into
    `result.extra_rejections`)."""
    if writer not in RESULT_WRITERS:
        RESULT_WRITERS.append(writer)


def _today_books(result, config) -> None:
    """`[today] out = DIR`: each agent's day workbook (see today_books)."""
    from .today_books import write_for_sync

    write_for_sync(result, config)


register_writer(_today_books)


def read_all(config, now: dt.datetime | None = None) -> ReadResult:
    """Every configured source, through every registered reader; `now`: local time (aware)."""
    out = ReadResult()
    for reader in SOURCE_READERS:
        out.extend(reader(config, now))
    return out


def run_sync(config, now: dt.datetime | None = None, week: str | None = None, progress: Progress | None = None,
             *, lock_timeout: float = 0, who: str | None = None) -> SyncResult:
    """Read, compute and file the week's reports; see the module docstring."""
    now = localize(now, config.timezone)
    monday = parse_week(week) if week else due_week(now)
    out_dir = Path(config.report_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(out_dir / LOCK_NAME), timeout=lock_timeout)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise SyncLocked(f"另一个同步正在写入 {out_dir},请等它结束后再试 "
                         f"(another sync is running in {out_dir}; try again when it has finished)") from None
    try:
        return _run(config, now, monday, out_dir, progress or (lambda *a: None), who)
    finally:
        lock.release()


STEPS = ("read", "compute", "weekly", "gift", "monthly", "ledger")


def _run(config, now, monday, out_dir: Path, progress: Progress, who) -> SyncResult:
    from .ledger import LEDGER_NAME, Ledger
    from .reports import ERRORS_NAME, file_report, write_rejections
    from .xlsx_out import fixed_created

    n = len(STEPS)
    progress("read", 0, n)
    read = read_all(config, now)
    progress("compute", 1, n)
    result = SyncResult(monday=monday, now=now, read=read, out_dir=out_dir)
    compute_tables(result, config)
    for write in RESULT_WRITERS:
        write(result, config)
    ledger = Ledger(out_dir / LEDGER_NAME, config.penalty, config.lang)
    ctx = build_context(result, config, ledger)
    for i, kind in enumerate(("weekly", "gift", "monthly"), start=2):
        progress(kind, i, n)
        if kind == "monthly":  # includes this run's weekly filings in its late-filing excerpt
            ctx.late_filings = result.late_rows(ledger, ctx)
        filed = file_report(kind, ctx, out_dir)
        status = result.status(kind)
        result.paths[kind] = filed.path
        result.filings.append(ledger.record(filed.path.name, status.period, status.deadline, filed.digest, now, who))
    progress("ledger", n - 1, n)
    result.paths["ledger"] = ledger.save()
    errors = out_dir / ERRORS_NAME
    if result.rejections:
        result.paths["errors"] = write_rejections(result.rejections, out_dir, fixed_created(monday), config.lang)
    elif errors.exists():
        errors.unlink()  # a stale list from an earlier run would mislead
    progress("done", n, n)
    return result
