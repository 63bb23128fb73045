"""The `followup` Typer app, its shared options, and its main commands: sync and today.

The other commands and the plug-ins are added in `followup.sync.cli`, the entry point.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, cast

import typer

from followup.sync.errors import FileSystemError, check_report_dir, fs_error
from followup.sync.reports.i18n import lang_of
from followup.sync.signals import Interrupted

from .help import Group
from .output import Out, fail, guard, print_day, print_sync

__all__ = [
    "app",
    "LangOpt",
    "NowOpt",
    "parse_now",
    "version",
    "rejected_code",
    "bad_value",
    "check_lang",
    "ConfigOpt",
    "SourceOpt",
    "DayOpt",
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=Group,
    help="回访计划、配额与报表 / follow-up planning, quotas and report filing",
)


def bad_value(zh: str, en: str) -> Exception:
    """A usage error for one option's value, said in both languages (`entry._usage_message`)."""
    e = typer.BadParameter(en)
    e.zh_detail = zh  # type: ignore[attr-defined]
    return e


def check_lang(value: str | None) -> str | None:
    """--lang / FOLLOWUP_LANG: zh or en (zh-CN, en_US … too); anything else is a usage error."""
    if value is None or value.strip() == "":
        return None
    v = value.strip().lower().replace("_", "-")
    if v.split("-")[0] in ("zh", "en"):
        return v.split("-")[0]
    raise bad_value(f"{value!r} 不是 zh 或 en", f"{value!r} is not zh or en")


LangOpt = typer.Option(
    None,
    "--lang",
    envvar="FOLLOWUP_LANG",
    metavar="zh|en",
    callback=check_lang,
    help="界面语言,默认 zh / language of the messages, zh by default",
)
ConfigOpt = typer.Option(None, "--config", "-c", metavar="FILE", help="配置文件 (TOML) / config file")
SourceOpt = typer.Option(
    [], "--source", "-s", metavar="PATH", help="工作簿或文件夹,可重复 / a workbook or folder, repeatable"
)
DayOpt = typer.Option(
    None,
    "--date",
    "-d",
    metavar="YYYY-MM-DD",
    help="日期,默认今天(17:00 后为明天) / the day; today by default, tomorrow after 17:00",
)
NowOpt = typer.Option(
    None, "--now", metavar="ISO", help="假定的当前时间,例如 2026-11-23T09:30 / pretend it is this time"
)


def rejected_code(rejections) -> int:
    """The README's rule for every command: 1 when rows of the sources were rejected, else 0."""
    from followup.sync.errors import OK, REJECTED

    return REJECTED if any(getattr(r, "fatal", True) for r in rejections) else OK


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("followup")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"followup {version()}")
        raise typer.Exit(0)


@app.callback()
def _root(
    show_version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="显示版本并退出 / show the version and exit"
    ),
) -> None:
    """回访计划、配额与报表 / follow-up planning, quotas and report filing."""


def parse_now(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return fail(
            f"--now 的值 {text!r} 不是 ISO 时间,例如 2026-11-23T09:30 / --now {text!r} is not an ISO date/time", 2
        )


def _config(config: Path | None, sources: list[Path], out: Path | None, lang: str | None):
    from followup.sync.config import Config, load_config

    if config is None and not sources and Path("followup.toml").is_file():
        config = Path("followup.toml")
    if config is None and not sources:
        fail(
            "请用 --config 指定配置文件,或用 --source 指定工作簿/文件夹 / "
            "give --config FILE or at least one --source PATH",
            2,
        )
    cfg = load_config(config) if config else Config.default(sources=sources, out=out or Path("reports"))
    update: dict[str, Any] = {}
    if config and sources:
        update["sources"] = cfg.sources.model_copy(update={"excel": [Path(s) for s in sources]})
    if config and out:
        update["report_dir"] = out
    if lang:
        update["lang"] = lang_of(lang)
    return cfg.model_copy(update=update) if update else cfg


@app.command()
@guard
def sync(
    config: Path | None = ConfigOpt,
    source: list[Path] = SourceOpt,
    out: Path | None = typer.Option(None, "--out", "-o", metavar="DIR", help="报表目录 / report folder"),
    week: str | None = typer.Option(
        None, "--week", metavar="YYYY-Www", help="ISO 周,例如 2026-W47 / ISO week, e.g. 2026-W47"
    ),
    now: str | None = NowOpt,
    wait: float = typer.Option(
        0,
        "--wait",
        metavar="SECONDS",
        min=0,
        max=86400,
        help="等待其他同步结束的秒数 (0–86400) / seconds to wait for another sync",
    ),
    lang: str | None = LangOpt,
    force: bool = typer.Option(False, "--force", help="允许归档尚未到来的周 / file a future week"),
    by: str | None = typer.Option(
        None,
        "--by",
        metavar="NAME",
        help="提交人(记入提交记录),默认取配置的 submitter,再默认为登录名 / who files, recorded in the ledger",
    ),
) -> None:
    """汇总各门店工作簿,检查配额,按规定文件名归档报表 / gather, check quotas, file the reports."""
    from followup.sync.pipeline import LOCK_NAME, run_sync

    cfg = _config(config, source, out, lang)
    o = Out(cfg.lang)
    check_report_dir(cfg.report_dir, LOCK_NAME)
    try:
        with o.progress() as progress:
            result = run_sync(
                cfg, parse_now(now), week, progress, lock_timeout=wait, force=force, who=(by or "").strip() or None
            )
    except FileSystemError:
        raise
    except OSError as e:  # name the report folder when the error itself names no file (e.g. ENOSPC)
        raise fs_error(e, cfg.report_dir) from None
    try:
        print_sync(o, result)
    except Interrupted as e:  # the set is filed: only the summary was cut short
        raise Interrupted(e.signum, after="filed") from None
    raise typer.Exit(result.exit_code)


@app.command()
@guard
def today(
    date: str | None = DayOpt,
    config: Path | None = ConfigOpt,
    source: list[Path] = SourceOpt,
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        metavar="DIR",
        help="每位坐席写一个工作簿到此文件夹 / one workbook per agent, into this folder",
    ),
    now: str | None = NowOpt,
    lang: str | None = LangOpt,
) -> None:
    """每位坐席当天的电话与短信清单 / each agent's call and SMS list for the day."""
    from followup.sync.deadline import localize
    from followup.sync.merge import merge_stores
    from followup.sync.pipeline import _nothing_read, read_all
    from followup.sync.sources import sources_for
    from followup.sync.today import day_list, default_day
    from followup.udfs import workcalendar
    from followup.udfs.dates import to_date
    from followup.udfs.table import followup_table
    from followup.udfs.workcalendar import calendar_scope

    cfg = _config(config, source, None, lang)
    moment = localize(parse_now(now), cfg.timezone)
    day = to_date(date, "date") if date else default_day(moment)
    sources = sources_for(cfg)
    read = read_all(cfg, None, sources)
    if not read.stores:
        raise _nothing_read(cfg, read, sources, ("未生成今日清单", "no day list was made"))
    stores = merge_stores(read.stores, cfg)
    day = cast(dt.date, day)  # a date given, else the default day
    with calendar_scope(cfg.calendar_years()) as cal:  # SPEC §3.7: [calendar] years are official
        workcalendar.is_working_day(day)  # the day's own year, even when nothing is due
        tables = {
            s.name: followup_table(s.customers, s.calls if not s.calls.empty else None, s.playbook, day)
            for s in stores
            if not s.customers.empty
        }
        tasks = day_list(stores, tables, day)
    for year in sorted(cal.unofficial):  # a year without an official schedule: said, never silent
        Out(cfg.lang).say(workcalendar.unofficial_warning(year), "yellow")
    print_day(Out(cfg.lang), day, tasks, read.rejections)
    out = out or cfg.today.out
    if out is not None:
        from followup.sync.today_books import BOOKS_NOTE, write_agent_books

        o = Out(cfg.lang)
        with calendar_scope(cfg.calendar_years()):
            paths = write_agent_books([s for s in stores if not s.customers.empty], tables, day, out)
        for path in paths:
            o.say(str(path))
        o.say(o.t(*BOOKS_NOTE), "yellow")
    raise typer.Exit(rejected_code(read.rejections))
