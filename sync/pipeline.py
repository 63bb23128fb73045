"""The weekly sync (SPEC §1, §3.6, §5): read every source, merge stores, compute, file reports.

    result = run_sync(config, now)          # the last complete week before `now`
    result = run_sync(config, now, week="2026-W47")

Sources are passed in (`followup.sync.sources`): `run_sync(config, now, sources=[...])`, or
`sources=None` for `sources_for(config)`, the ones the config names (`sources.registry`).
Right after the computation, in this order: the 投诉 sheets the sources read (`ReadResult.crm`)
are counted and their open complaints attached (`crm.sheets.attach_complaints`); with
`[today] out` set, the agents' day workbooks are written (`today_books.write_for_sync`); each
source with a `write_back(result)` (a source that keeps the computed columns itself) writes
them back.
One sync at a time per report folder: a lock file refuses a concurrent run (`lock_timeout`
seconds of waiting, 0 by default).

Filing (`followup.sync.reports.filing`): the reports go to `<report folder>/<year>/`, the ledger and the
error list stay in the report folder, and all of a run's files are filed as one set (staged,
committed by a manifest, moved in); an interrupted earlier set is finished or rolled back first.
A run that read no usable store raises `NothingReadError` before anything is written (no report,
no ledger line, no fine; the CLI exits 5). A `week` after the current one is refused unless `force`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from followup.udfs.errors import BadArgument, FollowupError
from followup.udfs.workcalendar import calendar_scope

from .deadline import due_week, localize, parse_week
from .errors import LOCKED
from .errors import NothingReadError as _NothingRead
from .model import ReadResult, Rejection
from .result import SyncResult, build_context, compute_tables
from .signals import critical
from .sources import Source

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["run_sync", "read_all", "SyncLocked", "SyncResult", "LOCK_NAME", "NothingReadError", "report_folder_locked"]

LOCK_NAME = ".followup-sync.lock"
# progress(step, i, n, detail=""): the run's steps (read, compute, one per report, ledger, done)
# and, from the sources, each file read ("read_file", with the file's name as detail)
Progress = Callable[..., None]


class SyncLocked(FollowupError):
    """Another sync holds the report folder."""

    exit_code = LOCKED


class NothingReadError(_NothingRead):
    """No source gave a usable store (missing path, empty folder, no workbook with the required
    sheets): nothing was filed. `rejections` says what was looked at and why it was unusable."""

    def __init__(self, message: str, rejections: list | None = None):
        super().__init__(message)
        self.rejections = rejections or []


def _nothing_read(
    config: Config,
    read: ReadResult,
    sources: Iterable[Source] = (),
    outcome: tuple[str, str] = (
        "未归档任何报表,原有报表和提交记录保持不变",
        "no report was filed, the filed reports and the ledger are unchanged",
    ),
) -> NothingReadError:
    """The error for a run that read nothing usable; `outcome` says what was not done (for
    `followup today`: no day list)."""
    from .sources.registry import looked_at

    looked = looked_at(config.sources) or [s.name for s in sources]
    if not looked:
        return NothingReadError(
            f'没有配置任何数据源,{outcome[0]}:请在配置文件中加入 [sources] excel = ["stores"](工作簿或文件夹),'
            f'或用 --source 指定 (no source is configured, {outcome[1]}: add [sources] excel = ["stores"] '
            f"to the config file, or give --source)",
            read.rejections,
        )
    lines = [f"  {r.line()}" for r in read.rejections[:20]]
    if len(read.rejections) > 20:
        lines.append(f"  …… (+{len(read.rejections) - 20})")
    message = (
        f"没有读到任何可用的门店数据,{outcome[0]} (nothing usable was read: {outcome[1]})\n"
        f"查看了 (looked at): {', '.join(looked) or '-'}" + ("\n" + "\n".join(lines) if lines else "")
    )
    return NothingReadError(message, read.rejections)


def _check_week(monday: dt.date, week: str, now: dt.datetime, force: bool, config: Config) -> None:
    """A future week, or one more than `config.max_past_weeks` before the current week (a typo
    such as 2016-W47 for 2026-W47 would file and fine a long-gone week), needs `force`."""
    current = now.date() - dt.timedelta(days=now.weekday())
    if force:
        return
    if monday > current:
        raise BadArgument(
            "week",
            week,
            f"这一周还没有到(现在是 {now:%Y-%m-%d});确需提前归档请加 --force "
            f"(this week is in the future; add --force to file it anyway)",
        )
    limit = config.max_past_weeks
    back = (current - monday).days // 7
    if back > limit:
        raise BadArgument(
            "week",
            week,
            f"这一周已过去 {back} 周(上限 {limit} 周,配置项 max_past_weeks);是否输错了年份?"
            f"确需补报请加 --force "
            f"(this week is {back} weeks ago, more than max_past_weeks = {limit}: a typo in the year? "
            f"add --force to file it anyway)",
        )


def read_all(config: Config, now: dt.datetime | None = None, sources: Iterable[Source] | None = None) -> ReadResult:
    """Every source (None: `sources_for(config)`); `now`: local time (aware). Duplicates across
    sources become rejections (`dedupe`)."""
    from .sources import read_sources, sources_for

    return read_sources(sources_for(config) if sources is None else sources, now)


def run_sync(
    config: Config,
    now: dt.datetime | None = None,
    week: str | None = None,
    progress: Progress | None = None,
    *,
    sources: Iterable[Source] | None = None,
    lock_timeout: float = 0,
    who: str | None = None,
    force: bool = False,
) -> SyncResult:
    """Read, compute and file the week's reports; see the module docstring. `sources`: what to
    read (None: `sources_for(config)`). `who` (the ledger's 提交人): this, else the config's
    `submitter`, else the login name. `progress(step, i, n, detail="")`: told of each step and
    each file read (`Progress`)."""
    from .sources import sources_for

    sources = sources_for(config, progress=progress) if sources is None else list(sources)
    now = localize(now, config.timezone)
    monday = parse_week(week) if week else due_week(now)
    if week:
        _check_week(monday, week, now, force, config)
    progress = progress or (lambda *a: None)
    n = len(steps())
    with calendar_scope(_calendar_years(config)):  # [calendar] years count as official (SPEC §3.7)
        # Read before the report folder is touched: a run that reads nothing creates nothing there
        # (no folder, no lock file). The sources are only read, so no lock is needed for it.
        progress("read", 0, n)
        read = read_all(config, now, sources)
        if not read.stores:
            raise _nothing_read(config, read, sources)
        out_dir = Path(config.report_dir)
        waiting = lambda: progress("wait", 0, int(lock_timeout))  # noqa: E731 - the CLI says it waits, how long
        with report_folder_locked(out_dir, lock_timeout, waiting) as notices:
            return _run(
                config,
                sources,
                read,
                now,
                monday,
                out_dir,
                progress,
                who or config.submitter,
                notices,
            )


@contextmanager
def report_folder_locked(
    out_dir: Path, timeout: float = 0, on_wait: Callable[[], object] | None = None
) -> Iterator[list[str]]:
    """Hold the report folder's lock (`SyncLocked` when another run has it after `timeout`
    seconds; `on_wait` is called once when it has to wait) with an interrupted earlier filing
    finished or rolled back first (`reports.filing.recover`); yields the notes of what was found
    and done. Every command that writes the ledger (`sync`, `excuse`) runs in it. The lock is a
    regular file opened without following a link (`reports.folder.FolderLock`)."""
    from .reports.filing import recover
    from .reports.folder import FolderBusy, FolderLock

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FolderLock(out_dir / LOCK_NAME, 0)
    try:
        lock.acquire()
    except FolderBusy:
        if timeout <= 0:
            raise _locked(out_dir) from None
        if on_wait is not None:
            on_wait()
        lock.timeout = timeout
        try:
            lock.acquire()
        except FolderBusy:
            raise _locked(out_dir) from None
    try:
        yield lock.notes + recover(out_dir)
    finally:
        lock.release()


def _locked(out_dir: Path) -> SyncLocked:
    return SyncLocked(
        f"另一个同步正在写入 {out_dir},请等它结束后再试 "
        f"(another sync is running in {out_dir}; try again when it has finished)"
    )


def steps() -> tuple[str, ...]:
    """The progress steps of a run: read, compute, one per report of the table (`reports.specs`), ledger."""
    from .reports.specs import report_specs

    return ("read", "compute", *(s.kind for s in report_specs()), "ledger")


def _calendar_years(config: Config) -> dict:
    return config.calendar_years()


def calendar_warnings(result: SyncResult, config: Config) -> None:
    """A warning per year the run looked up without an official holiday schedule (SPEC §3.7): a
    non-fatal rejection naming the year, listed on the console and in the 错误清单."""
    from followup.udfs.workcalendar import current_scope, unofficial_warning

    where = Path(str(config.path)).name if config.path else "followup.toml"
    for year in sorted(current_scope().unofficial):
        text = unofficial_warning(year)
        result.extra_rejections.append(Rejection(where, f"[calendar.{year}]", None, None, None, text, fatal=False))


def _run(
    config: Config,
    sources: list[Source],
    read: ReadResult,
    now,
    monday,
    out_dir: Path,
    progress: Progress,
    who,
    notices: list[str],
) -> SyncResult:
    from .crm.sheets import attach_complaints
    from .reports.filing import Output, commit, recover
    from .reports.layout import migrate_flat
    from .reports.ledger import LEDGER_NAME, Ledger
    from .reports.render import ERRORS_NAME, render_rejections, render_report
    from .reports.specs import report_specs
    from .reports.xlsx_out import fixed_created
    from .sources import write_back
    from .today_books import write_for_sync

    n = len(steps())
    progress("compute", 1, n)
    result = SyncResult(monday=monday, now=now, read=read, out_dir=out_dir)
    result.notices += notices
    compute_tables(result, config)
    attach_complaints(result, config)  # the 投诉 sheets the sources read
    if config.today.out is not None:
        write_for_sync(result, config)  # the agents' day workbooks (`[today] out`)
    write_back(sources, result)  # computed columns into the sources that keep them
    ledger = Ledger(out_dir / LEDGER_NAME, config.penalty, config.lang)
    result.notices += migrate_flat(out_dir, ledger.rows)
    if ledger.damaged:
        ledger.rebuild(out_dir, now)
    result.extra_rejections += ledger.problems
    ctx = build_context(result, config, ledger)
    outputs = []
    for i, spec in enumerate(report_specs(), start=2):
        kind = spec.kind
        progress(kind, i, n)
        if spec.late_excerpt:  # includes this run's earlier filings in its late-filing excerpt
            ctx.late_filings = result.late_rows(ledger, ctx)
        name, data = render_report(kind, ctx)
        out = Output(f"{ctx.year}/{name}", data)
        outputs.append(out)
        status = result.status(kind)
        result.paths[kind] = out_dir / str(ctx.year) / name
        result.filings.append(ledger.record(name, status.period, status.deadline, out.digest, now, who, year=ctx.year))
    progress("ledger", n - 1, n)
    outputs.append(Output(LEDGER_NAME, ledger.to_bytes()))
    result.paths["ledger"] = out_dir / LEDGER_NAME
    calendar_warnings(result, config)
    if result.rejections:
        outputs.append(Output(ERRORS_NAME, render_rejections(result.rejections, fixed_created(monday), config.lang)))
        result.paths["errors"] = out_dir / ERRORS_NAME
    else:
        outputs.append(Output(ERRORS_NAME, None))  # a stale list from an earlier run would mislead
    result.unchanged = _unchanged(out_dir, outputs, result.paths)
    with critical("filed"):  # Ctrl-C/SIGTERM wait for the set to be filed (`followup.sync.signals`)
        try:
            result.notices += commit(out_dir, outputs)
        except OSError:  # e.g. disk full: undo (or finish) the set now rather than at the next run
            with contextlib.suppress(OSError):
                recover(out_dir)
            raise
        progress("done", n, n)
    return result


def _unchanged(out_dir: Path, outputs: list, paths: dict[str, Path]) -> set[str]:
    """The keys of `paths` whose file (a regular file, not a link) already holds exactly the bytes
    about to be filed: the console says "unchanged, not re-filed" for them."""
    from .reports.folder import hash_regular, kind

    same = set()
    digests = {out_dir / o.rel: o.digest for o in outputs if o.data is not None}
    for key, path in paths.items():
        want = digests.get(path)
        if want and kind(path.parent) == "dir" and hash_regular(path, 64 * 1024 * 1024) == want:
            same.add(key)  # hash_regular: a regular file only, never through a link, never a FIFO
    return same
