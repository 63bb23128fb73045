"""The `followup` command (SPEC §4.3): sync, today, check-name, demo — plus plug-ins.

Exit codes (`followup.sync.errors`): 0 ok · 1 rows were rejected (the reports are still filed)
or a name is wrong · 2 usage/config error · 3 another sync holds the report folder · 4 file-system
error · 5 nothing usable could be read · 70 a bug.

Plug-in point: other packages add commands by exposing `register(app: typer.Typer)` in one of
`PLUGINS` (e.g. `followup.templates.cli` adds `followup templates`, `followup.addin.cli` adds
`followup addin install`). `main()` loads them (`load_plugins`), never the import of this module;
a plug-in only adds commands (sources are not plug-ins: see `followup.sync.sources`). A missing
plug-in module is skipped silently; a broken one is reported on stderr without stopping the
other commands.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import typer

from followup.sync.errors import FILESYSTEM, OK, PIPE_CLOSED
from followup.sync.reports.i18n import lang_of
from followup.sync.signals import Interrupted
from followup.udfs.privacy import mask_phones_in_text

from .commands import ConfigOpt, LangOpt, NowOpt, app, parse_now
from .help import polish
from .output import Out, OutputError, fail, guard, masked_output, print_sync

__all__ = ["main", "run", "PLUGINS", "load_plugins"]

PLUGINS = (
    "followup.templates.cli",
    "followup.addin.cli",
    "followup.sync.cli.gsheets",
    "followup.sync.cli.crm",
    "followup.sync.cli.calendar_cmd",  # followup calendar [YEAR]
)


@app.command("check-name")
@guard
def check_name(
    file: str = typer.Argument(..., metavar="FILE", help="报表文件名或路径 / report file name or path"),
    lang: str | None = LangOpt,
) -> None:
    """检查报表文件名是否完全符合规定 / is this report file name exactly right."""
    from followup.udfs.names import check_report_name

    o = Out(lang_of(lang))
    res = check_report_name(file)
    if res.ok:
        o.say(f"✓ {Path(file).name}", "green")
        raise typer.Exit(0)
    o.say(o.t("✗ 文件名不符合规定", "✗ the file name is wrong") + f": {Path(file).name}", "red")
    for p in res.problems:
        o.say(f"  - {p}")
    if res.expected:
        o.say(o.t("  应为: ", "  expected: ") + res.expected, "bold")
    raise typer.Exit(1)


@app.command()
@guard
def demo(
    dir: Path = typer.Option(Path("followup-demo"), "--dir", metavar="DIR", help="演示目录 / demo folder"),
    now: str | None = NowOpt,
    lang: str | None = LangOpt,
) -> None:
    """生成演示工作区(三家门店)并运行一次同步 / build a demo workspace and sync it."""
    from followup.sync.demo import run_demo
    from followup.sync.errors import FileSystemError, check_report_dir, fs_error
    from followup.sync.pipeline import LOCK_NAME

    o = Out(lang_of(lang))
    o.say(o.t(f"演示工作区: {dir.resolve()}", f"demo workspace: {dir.resolve()}"), "bold")
    if dir.exists() and not dir.is_dir():
        raise FileSystemError(
            f"演示目录是一个文件,不是文件夹: {dir} — 请用 --dir 指定一个文件夹 / "
            f"the demo folder is a file, not a folder: {dir} — give a folder with --dir",
            dir,
        )
    check_report_dir(dir / "reports", LOCK_NAME)
    try:
        with o.progress() as progress:
            _, result = run_demo(dir, parse_now(now), o.lang, progress)
    except FileSystemError:
        raise
    except OSError as e:
        raise fs_error(e, dir) from None
    print_sync(o, result)
    raise typer.Exit(result.exit_code)  # 1: the demo's stores hold rows made to be rejected


@app.command()
@guard
def excuse(
    report: str = typer.Option(..., "--report", metavar="weekly|gift|monthly", help="哪份报表 / which report"),
    week: str | None = typer.Option(
        None,
        "--week",
        metavar="YYYY-Www",
        help="ISO 周,例如 2026-W48(月报: 该月任一周)/ ISO week (monthly: any week of the month)",
    ),
    reason: str = typer.Option(
        ..., "--reason", metavar="TEXT", help="无法按时提报的原因 / why it cannot be filed on time"
    ),
    config: Path | None = ConfigOpt,
    out: Path | None = typer.Option(None, "--out", "-o", metavar="DIR", help="报表目录 / report folder"),
    who: str | None = typer.Option(
        None, "--by", "--who", metavar="NAME", help="登记人(默认配置的 submitter,再默认当前用户)/ who records it"
    ),
    now: str | None = NowOpt,
    lang: str | None = LangOpt,
) -> None:
    """提前说明无法按时提报 (record an excuse before the deadline: it waives the late fine; 002)."""
    import datetime as dt

    from followup.sync.deadline import due_week, localize, parse_week, report_kinds
    from followup.sync.pipeline import report_folder_locked
    from followup.sync.reports.ledger import LEDGER_NAME, Ledger
    from followup.udfs.calendar import report_deadline, report_name

    from .commands import _config

    kinds = report_kinds()
    if report not in kinds:
        fail(f"--report 应为 {' / '.join(kinds)} (--report must be one of {', '.join(kinds)})", 2)
    if not reason.strip():
        fail("--reason 不能为空 (give the reason)", 2)
    if config is None and out is None and not Path("followup.toml").is_file():
        fail("请用 --config 指定配置文件,或用 --out 指定报表目录 (give --config FILE or --out DIR)", 2)
    cfg = _config(config, [] if config or Path("followup.toml").is_file() else [Path(".")], out, lang)
    o = Out(cfg.lang)
    moment = localize(parse_now(now), cfg.timezone)
    if week:
        monday = parse_week(week)
    else:  # the next deadline not yet passed: last week's until Monday 12:00, else this week's
        monday = due_week(moment)
        if moment > localize(report_deadline(report, monday + dt.timedelta(days=3))):
            monday += dt.timedelta(days=7)
    thursday = monday + dt.timedelta(days=3)
    name, deadline = report_name(report, thursday), localize(report_deadline(report, thursday))
    out_dir = Path(cfg.report_dir)
    # Like the sync: under the lock, an interrupted filing finished first (else its roll-forward
    # would overwrite the excuse), a damaged ledger kept aside and rebuilt, never replaced.
    with report_folder_locked(out_dir) as notes:
        ledger = Ledger(out_dir / LEDGER_NAME, cfg.penalty, cfg.lang)
        if ledger.damaged:
            ledger.rebuild(out_dir, moment)
        ledger.add_excuse(name, reason, moment, who or cfg.submitter)
        ledger.save()
    for note in notes + ([ledger.problems[-1].message] if ledger.damaged else []):  # the rebuild's message
        o.say(note, "yellow")
    if moment <= deadline:
        o.say(
            o.t(
                f"已登记提前说明: {name}(截止 {deadline:%Y-%m-%d %H:%M}),逾期不罚款",
                f"excuse recorded for {name} (due {deadline:%Y-%m-%d %H:%M}): no fine if it is late",
            ),
            "green",
        )
    else:
        o.say(
            o.t(
                f"已登记说明,但已过截止时间 {deadline:%Y-%m-%d %H:%M},不能免罚: {name}",
                f"recorded, but after the deadline {deadline:%Y-%m-%d %H:%M}: it waives nothing ({name})",
            ),
            "yellow",
        )
    raise typer.Exit(0)


def load_plugins(target: typer.Typer = app) -> list[str]:
    """Import each plug-in module and let it `register(app)`; returns the ones loaded. Once per
    target: `main()` calls it on every run, in one process as often as tests like."""
    loaded: list[str] = target.__dict__.setdefault("_followup_plugins", [])
    for name in PLUGINS:
        if name in loaded:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                continue  # not installed / not written yet
            print(mask_phones_in_text(f"插件 {name} 无法加载 (plug-in failed to load): {e}"), file=sys.stderr)
            continue
        except Exception as e:  # noqa: BLE001 - a broken plug-in must not break the CLI
            print(mask_phones_in_text(f"插件 {name} 无法加载 (plug-in failed to load): {e}"), file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(target)
            loaded.append(name)
    return list(loaded)


# typer ≥ 0.26 vendors click, older typer raises click's classes: find the base class of its
# usage errors through typer's own API instead of importing click.
_CLI_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

_USAGE_ZH = {
    "NoSuchOption": "没有这个选项",
    "BadOptionUsage": "选项用法不对(例如缺少值)",
    "MissingParameter": "缺少必填参数",
    "BadParameter": "参数值无效",
    "BadArgumentUsage": "参数用法不对",
    "FileError": "无法打开文件",
    "UsageError": "用法错误",
}


def _usage_message(e: Exception) -> str:
    """A typer usage error → '中文 / English' plus where to find help, each said once."""
    zh = next((_USAGE_ZH[c.__name__] for c in type(e).__mro__ if c.__name__ in _USAGE_ZH), "用法错误")
    en = e.format_message() if hasattr(e, "format_message") else str(e)
    detail = getattr(e, "zh_detail", None)
    if detail:  # e.g. 参数值无效: 'fr' 不是 zh 或 en
        hint = getattr(e, "param_hint", None) or getattr(getattr(e, "param", None), "opts", [""])[0]
        zh = f"{zh} {hint}: {detail}" if hint else f"{zh}: {detail}"
    ctx = getattr(e, "ctx", None)
    path = getattr(ctx, "command_path", None) or "followup"
    return f"{zh} / {en}\n运行 {path} --help 查看用法 / see {path} --help"


def run() -> None:
    """The console script `followup` (and `python -m followup.sync.cli`): `main()`, then exit with
    its code; a signal arriving once the work is done no longer changes that code."""
    sys.exit(main(restore_signals=False))


def main(argv: list[str] | None = None, *, restore_signals: bool = True) -> int:
    """Entry point: every error becomes one message (Chinese, then English) and an exit code of
    `followup.sync.errors`, never a traceback (FOLLOWUP_DEBUG=1 adds it for a bug); every line
    written to stdout/stderr has its phone numbers masked, in any locale (what the terminal cannot
    show is escaped, never a failed run); Ctrl-C and SIGTERM say what state the reports are in."""
    from followup.sync.signals import handling

    load_plugins()  # before the masked streams: click binds its streams on first import
    polish(app)  # bilingual help, also for the plug-ins' commands
    with handling(restore_signals), masked_output() as stdout:
        try:
            rv = _main(argv)
            stdout.flush()
        except OutputError as e:  # a late write error (the final flush)
            rv = fail(str(e), FILESYSTEM, exit=False)
        # the reader closed the pipe (`followup … | head -1`): the work was done, the shell's code
        return PIPE_CLOSED if stdout.pipe_closed and rv == OK else rv


def _interrupted(e: Interrupted) -> int:
    """One line saying which signal stopped the run and what state the report folder is in: a
    signal never splits the filing (`followup.sync.signals.critical`), so it is either untouched
    or the new set is filed."""
    what = {2: ("已中断 (Ctrl-C)", "interrupted (Ctrl-C)"), 15: ("已被终止 (SIGTERM)", "terminated (SIGTERM)")}
    zh, en = what.get(e.signum, (f"已被信号 {e} 终止", f"stopped by signal {e}"))
    if e.after == "filed":
        state = ("本次报表已完整归档", "this run's reports were filed")
    else:
        state = ("未写入任何报表,原有文件未改动", "nothing was filed, the files on disk are unchanged")
    return fail(f"{zh},{state[0]} / {en}; {state[1]}", e.exit_code, exit=False)


def _main(argv: list[str] | None) -> int:
    from followup.sync.errors import INTERNAL, INTERRUPTED, USAGE, classify, debug

    try:
        rv = app(args=argv, standalone_mode=False, prog_name="followup")
    except Interrupted as e:
        return _interrupted(e)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        return fail("已中断 / interrupted", INTERRUPTED, exit=False)
    except _CLI_ERROR as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # bare `followup` / `followup gsheets`: the help
            text = e.format_message() if hasattr(e, "format_message") else ""
            if text.strip():
                print(text)
            return USAGE
        return fail(_usage_message(e), getattr(e, "exit_code", USAGE) or USAGE, exit=False)
    except SystemExit as e:
        code = e.code
        if code is None or isinstance(code, int):
            return code or 0
        return fail(str(code), USAGE, exit=False)
    except BaseException as e:  # noqa: BLE001 - the one place that maps every error to a code
        code, message = classify(e)
        if code == INTERNAL and debug():
            import traceback

            traceback.print_exc()
        return fail(message, code, exit=False)
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
