"""Console output of the CLI (rich): Chinese first, English with --lang en; phones masked.

Privacy (SPEC §3.5): every text the CLI prints passes `mask_phones_in_text` twice over —
`MaskedConsole` masks each text before rich lays it out (messages, table cells and titles, so
a wrapped cell cannot split a number), and `masked_output` (entered by `main`) wraps stdout
and stderr so anything else written there (typer/click messages, warnings, log handlers,
plug-ins' prints) is masked too; log records and uncaught tracebacks are masked as well.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import io
import logging
import os
import sys
import traceback

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from followup.sync.errors import FileSystemError
from followup.sync.reports.i18n import heads, tr
from followup.udfs.errors import FollowupError
from followup.udfs.privacy import mask_phones_in_text

__all__ = ["Out", "fail", "guard", "print_sync", "print_day", "MaskedConsole", "masked_output", "OutputError"]

_STEP = {  # the reports' own steps come from the report table (reports.specs: progress)
    "read": ("读取工作簿", "reading workbooks"),
    "read_file": ("  已读取工作簿", "  workbook read"),
    "read_sheet": ("  已读取 Google 表格", "  spreadsheet read"),
    "compute": ("计算回访计划与配额", "computing"),
    "ledger": ("更新提交记录", "updating the ledger"),
    "done": ("完成", "done"),
    "wait": ("等待另一个同步结束", "waiting for another sync to finish"),
}


def _step_label(step: str) -> tuple[str, str]:
    from followup.sync.reports.specs import report_specs

    for spec in report_specs():
        if spec.kind == step:
            return spec.progress
    return _STEP.get(step, (step, step))


class MaskedConsole(Console):
    """A rich Console that masks every text before it is rendered (strings, cells, titles)."""

    def render_str(self, text: str, **kwargs):
        return super().render_str(mask_phones_in_text(text), **kwargs)


class OutputError(FileSystemError):
    """Standard output cannot be written (disk full behind `> file`, a device error): exit 4."""


class _MaskingStream:
    """A text stream that masks what is written to it; everything else goes to the original.

    It never fails a run for the terminal's sake: text the stream's encoding cannot hold (a C
    locale, PYTHONIOENCODING=ascii) is written escaped (`\\u4e00`); a reader that closed the
    pipe (`| head -1`) makes later writes go nowhere (`pipe_closed`, exit 141 when the command
    itself succeeded); any other write error on stdout is an `OutputError` naming the stream.
    Errors writing stderr are dropped: there is nowhere left to report them."""

    def __init__(self, stream, name: str = "stdout"):
        self._stream = stream
        self._name = name
        self.pipe_closed = False

    def _guarded(self, op, *args) -> None:
        if self.pipe_closed:
            return
        try:
            op(*args)
        except BrokenPipeError:
            self._close()
        except OSError as e:
            if self._name == "stderr":
                return
            zh, en = ("磁盘已满", "disk full") if e.errno == errno.ENOSPC else ("无法写入", "write error")
            raise OutputError(
                f"无法写入标准输出({zh}): {e.strerror or e} — 请检查输出重定向的目标 / "
                f"cannot write to standard output ({en}): {e.strerror or e} — check where the output is redirected"
            ) from None

    def _close(self) -> None:
        """The reader went away: point the descriptor at the null device so that nothing (not
        even the interpreter's flush at exit) writes to the closed pipe again."""
        self.pipe_closed = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)

    def write(self, text: str | bytes) -> int:
        if isinstance(text, (bytes, bytearray)):  # click/typer's echo may hand over encoded bytes
            encoding = getattr(self._stream, "encoding", None) or "utf-8"
            shown = mask_phones_in_text(bytes(text).decode(encoding, errors="replace"))
        else:
            shown = mask_phones_in_text(text)
        try:
            self._guarded(self._stream.write, shown)
        except UnicodeEncodeError:
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            self._guarded(self._stream.write, shown.encode(encoding, "backslashreplace").decode(encoding))
        return len(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._guarded(self._stream.flush)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _masking_record_factory(factory):
    def make(*args, **kwargs):
        record = factory(*args, **kwargs)
        with contextlib.suppress(Exception):  # a bad format string is logging's to report
            record.msg, record.args = mask_phones_in_text(record.getMessage()), None
        return record

    setattr(make, "masks_phones", True)  # noqa: B010 - read back by masked_output
    return make


def _masked_excepthook(kind, value, tb) -> None:
    sys.stderr.write(mask_phones_in_text("".join(traceback.format_exception(kind, value, tb))))


@contextlib.contextmanager
def masked_output():
    """stdout/stderr masked while the CLI runs; log records and uncaught tracebacks from then on.
    Yields the stdout wrapper (its `pipe_closed` tells whether the reader went away)."""
    if not getattr(logging.getLogRecordFactory(), "masks_phones", False):
        logging.setLogRecordFactory(_masking_record_factory(logging.getLogRecordFactory()))
    sys.excepthook = _masked_excepthook
    out, err = sys.stdout, sys.stderr
    for stream in (out, err):  # what the locale cannot encode is escaped, never an error
        with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]  # AttributeError: not a TextIOWrapper
    wrapped = _MaskingStream(out, "stdout")
    sys.stdout, sys.stderr = wrapped, _MaskingStream(err, "stderr")
    try:
        yield wrapped
        wrapped.flush()
    finally:
        sys.stdout, sys.stderr = out, err


class Out:
    def __init__(self, lang: str = "zh"):
        self.lang = lang
        self.console = MaskedConsole(highlight=False, soft_wrap=True)
        if not self.console.is_terminal:  # piped or captured: wide tables, nothing truncated
            self.console = MaskedConsole(highlight=False, soft_wrap=True, width=200)

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh

    def say(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False)

    @contextlib.contextmanager
    def progress(self):
        """Yields `update(step, i, n, detail="")`, the run's progress callback (`run_sync(progress=…)`):
        the pipeline's steps and each workbook read. A live bar on a terminal, else one plain line
        per step on stderr."""
        if not self.console.is_terminal:
            yield lambda step, i, n, detail="": self._log_line(step, i, n, detail)
            return
        bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TextColumn("{task.fields[detail]}"),
            console=self.console,
            transient=True,
        )
        with bar:
            task = bar.add_task(self.t("同步", "sync"), total=6, detail="")

            def update(step: str, i: int, n: int, detail: str = "") -> None:
                if step == "wait":  # before the lock: say so, not a silent pause
                    self.say(self._waiting(n), "yellow")
                    return
                zh, en = _step_label(step)
                bar.update(task, completed=i, total=max(n, 1), description=self.t(zh, en), detail=detail)

            yield update

    def _waiting(self, seconds: int) -> str:
        return self.t(
            f"另一个同步正在写入报表目录,最多等待 {seconds} 秒……",
            f"another sync holds the report folder: waiting up to {seconds} s…",
        )

    def _log_line(self, step: str, i: int, n: int, detail: str) -> None:
        """One plain line per step (output piped or redirected: no live bar to redraw)."""
        if step == "read_file" and i == 0:
            return
        zh, en = _step_label(step)
        text = f"{dt.datetime.now():%H:%M:%S} {self.t(zh, en)} {i}/{n}" + (f": {detail}" if detail else "")
        if step == "wait":
            text = f"{dt.datetime.now():%H:%M:%S} {self._waiting(n)}"
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        err.print(mask_phones_in_text(text), markup=False)


def fail(message: str, code: int, exit: bool = True):
    MaskedConsole(stderr=True, highlight=False, soft_wrap=True).print(message, style="red", markup=False)
    if exit:
        raise typer.Exit(code)
    return code


def guard(fn):
    """User errors and file-system faults → a clean message and exit code, no traceback
    (the mapping is `followup.sync.errors.classify`)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        from followup.sync.errors import classify

        try:
            return fn(*args, **kwargs)
        except (FollowupError, OSError) as e:
            code, message = classify(e)
            fail(message, code)

    return run


def _cell(v) -> str:
    return "" if v is None or v != v else (f"{v:.0%}" if isinstance(v, float) and v <= 1 else str(v))


def _table(o: Out, title: str, df, keys: list[str], whole: tuple = (), drop: tuple = ()) -> Table:
    """A console table that stays readable at any width: the `whole` columns (e.g. store and
    verdict) are never wrapped or cut, the others fold; when the console is too narrow the
    `drop` columns go first, in that order (secondary figures)."""
    rows = [[_cell(v) for v in rec] for rec in df[keys].itertuples(index=False, name=None)]
    names = dict(zip(keys, heads(keys, o.lang)))
    widths = {k: max([cell_len(names[k])] + [cell_len(r[i]) for r in rows]) for i, k in enumerate(keys)}
    shown = list(keys)
    for k in drop:  # the table's natural width: cells + 3 per column (padding, border) + 1
        if sum(widths[c] for c in shown) + 3 * len(shown) + 1 <= o.console.width:
            break
        shown.remove(k)
    t = Table(title=title, title_justify="left")
    for k in shown:
        if k in whole:
            t.add_column(names[k], no_wrap=True, min_width=widths[k], overflow="ignore")
        else:
            t.add_column(names[k], overflow="fold")
    index = [keys.index(k) for k in shown]
    for r in rows:
        t.add_row(*[r[i] for i in index])
    return t


def print_sync(o: Out, result) -> None:
    lang = o.lang
    for note in getattr(result, "notices", []):
        o.say(note, "yellow")
    span = f"{result.monday} ~ {result.monday + dt.timedelta(days=6)}"
    o.say(o.t(f"同步周: {result.label} ({span})", f"week: {result.label} ({span})"), "bold")
    filed = {f.report: f for f in getattr(result, "filings", [])}
    for s in result.statuses:
        f = filed.get(s.report)
        if f is not None and f.status == "unchanged":  # nothing re-filed: only the lateness the ledger recorded
            style = "red" if f.late else "green"
            o.say(f"  {s.report}  {o.t('截止', 'due')} {s.deadline:%Y-%m-%d %H:%M}  {_recorded(o, f)}", style)
            continue
        style = "red" if s.late else "green"
        o.say(f"  {s.report}  {o.t('截止', 'due')} {s.deadline:%Y-%m-%d %H:%M}  {s.text(lang)}", style)
    q = result.quota.copy()
    if len(q):
        q["even"] = q["even"].map({True: tr("even_ok", lang), False: tr("uneven", lang)})
        q["verdict"] = q["verdict"].map(lambda v: tr(v, lang))
        o.console.print(
            _table(
                o,
                o.t("配额 (本周成功回访)", "Quotas (successes this week)"),
                q,
                [
                    "store",
                    "group",
                    "calls",
                    "successes",
                    "rate",
                    "daily_target",
                    "weekly_min",
                    "weekly_max",
                    "even",
                    "verdict",
                ],
                whole=("store", "verdict"),
                drop=("weekly_max", "daily_target", "group", "rate", "calls", "even", "weekly_min"),
            )
        )
    if len(result.small):
        bad = result.small[~result.small["month_ok"].astype(bool)]
        for name, people in zip(bad["store"], bad.get("people", bad["successes"])):
            o.say(
                o.t(
                    f"  小店 {name} 本月成功回访仅 {people} 人,不足 15 人",
                    f"  small store {name}: only {people} people reached this month, fewer than 15",
                ),
                "yellow",
            )
    if len(result.open_issues):
        o.say(
            o.t(
                f"待跟进问题: {len(result.open_issues)} 个(见周报「待跟进问题」)",
                f"open issues: {len(result.open_issues)} (see the weekly record)",
            ),
            "yellow",
        )
    counts = result.counts()
    if len(counts):
        o.console.print(
            _table(
                o,
                o.t("读取的行", "Rows read"),
                counts,
                ["origin", "sheet", "read", "used", "rejected"],
                whole=("sheet",),
            )
        )
    unchanged: set[str] = getattr(result, "unchanged", set())
    o.say(o.t("已归档:", "filed:") if len(unchanged) < len(result.paths) else o.t("报表:", "files:"), "bold")
    for key, path in result.paths.items():
        o.say(f"  {path}" + (f"  ({o.t(*UNCHANGED)})" if key in unchanged else ""))
    if "today" in result.paths:
        from followup.sync.today_books import BOOKS_NOTE

        o.say(o.t(*BOOKS_NOTE), "yellow")
    for f in result.filings:
        if f.penalty and f.status != "unchanged":  # charged by this run (a re-run charges nothing)
            o.say(
                o.t(
                    f"  逾期提交 {f.report}: {f.minutes_late} 分钟,罚款 {f.penalty:g} 元",
                    f"  late filing {f.report}: {f.minutes_late} min, penalty {f.penalty:g} CNY",
                ),
                "red",
            )
    rejected = result.rejections
    if rejected:
        o.say(
            o.t(
                f"有 {len(result.rejected)} 行被拒绝、{len(rejected) - len(result.rejected)} 个警告(见 错误清单.xlsx):",
                f"{len(result.rejected)} rows rejected, {len(rejected) - len(result.rejected)} warnings "
                f"(see 错误清单.xlsx):",
            ),
            "red",
        )
        for r in rejected[:50]:
            o.say("  " + r.line())
        if len(rejected) > 50:
            o.say(o.t(f"  …… 其余 {len(rejected) - 50} 条见错误清单", f"  … {len(rejected) - 50} more in the list"))


UNCHANGED = ("未变化，未重新归档", "unchanged, not re-filed")


def _recorded(o: Out, f) -> str:
    """A report this run did not re-file: said so, with the filing the ledger holds."""
    import datetime as dt

    from followup.sync.deadline import humanize

    when = f"{f.filed_at:%m-%d %H:%M}"
    if f.late:
        late = humanize(-dt.timedelta(minutes=f.minutes_late), o.lang)
        fine = o.t(f",罚款 {f.penalty:g} 元", f", penalty {f.penalty:g} CNY") if f.penalty else ""
        rec = o.t(f"已于 {when} 归档,{late}{fine}", f"filed {when}, {late}{fine}")
    else:
        rec = o.t(f"已于 {when} 按时归档", f"filed on time {when}")
    return f"{o.t(*UNCHANGED)} ({rec})"


def print_day(o: Out, day, tasks, rejections) -> None:
    o.say(o.t(f"{day:%Y-%m-%d} 回访与短信清单", f"Call and SMS list for {day:%Y-%m-%d}"), "bold")
    if tasks.empty:
        o.say(o.t("没有任务。", "Nothing to do."))
    from followup.sync.today import HARD_TASK
    from followup.sync.today_books import with_flags

    # as the day books: 方式 holds the channel only, 标记 the flags (号码无效, 难沟通)
    keys = ["channel", "flag", "store", "customer_id", "name", "phone", "purpose", "window", "priority", "status"]
    hard = tasks["task"] == HARD_TASK if not tasks.empty else tasks.get("task", [])
    if not tasks.empty:
        tasks = with_flags(tasks)
        hard = tasks["task"] == HARD_TASK
    for owner, part in tasks[~hard].groupby("owner", sort=True) if not tasks.empty else []:
        o.console.print(
            _table(
                o,
                f"{owner or o.t('(未分配)', '(unassigned)')} — {len(part)}",
                part,
                keys,
                whole=("customer_id", "phone"),
                drop=("status", "priority", "flag", "store", "window"),
            )
        )
    if not tasks.empty and hard.any():  # 000: hard cases, marked and discussed together
        o.console.print(
            _table(
                o,
                o.t(f"难沟通个案 — {int(hard.sum())}", f"Hard cases — {int(hard.sum())}"),
                tasks[hard],
                ["owner", "store", "customer_id", "name", "phone", "status"],
                whole=("customer_id", "phone"),
            )
        )
    if rejections:
        o.say(
            o.t(
                f"注意: {len(rejections)} 行数据有问题,未计入 (运行 followup sync 查看错误清单)",
                f"note: {len(rejections)} rows have problems and were skipped",
            ),
            "yellow",
        )
    sys.stdout.flush()
