"""The `followup` command (SPEC §4.3): sync, today, check-name, demo — plus plug-ins.

Exit codes: 0 ok · 1 rows were rejected (the reports are still filed) or a name is wrong ·
2 config or argument errors · 3 another sync holds the report folder.

Plug-in point: other packages add commands by exposing `register(app: typer.Typer)` in one of
`PLUGINS` (e.g. `followup.templates.cli` adds `followup templates`, `followup.addin.cli` adds
`followup addin install`). A missing plug-in module is skipped silently; a broken one is
reported on stderr without stopping the other commands.
"""
from __future__ import annotations

import datetime as dt
import importlib
import sys
from pathlib import Path
from typing import List, Optional

import typer

from followup.udfs.errors import FollowupError

from .cli_out import Out, fail, guard, print_day, print_sync
from .i18n import lang_of

__all__ = ["app", "main", "PLUGINS", "load_plugins"]

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="回访计划、配额与报表 (follow-up planning, quotas and report filing)")
PLUGINS = ("followup.templates.cli", "followup.addin.cli", "followup.sync.gsheets.cli")

LangOpt = typer.Option(None, "--lang", envvar="FOLLOWUP_LANG", help="zh (默认) 或 en")
NowOpt = typer.Option(None, "--now", help="假定的当前时间 ISO,例如 2026-11-23T09:30 (pretend it is this time)")


def _now(text: Optional[str]) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now 的值 {text!r} 不是 ISO 时间,例如 2026-11-23T09:30 (not an ISO date/time)", 2)


def _config(config: Optional[Path], sources: List[Path], out: Optional[Path], lang: Optional[str]):
    from .config import Config, load_config

    if config is None and not sources and Path("followup.toml").is_file():
        config = Path("followup.toml")
    if config is None and not sources:
        fail("请用 --config 指定配置文件,或用 --source 指定工作簿/文件夹 "
             "(give --config FILE or at least one --source PATH)", 2)
    cfg = load_config(config) if config else Config.default(sources=sources, out=out or Path("reports"))
    update = {}
    if config and sources:
        update["sources"] = cfg.sources.model_copy(update={"excel": [Path(s) for s in sources]})
    if config and out:
        update["report_dir"] = out
    if lang:
        update["lang"] = lang_of(lang)
    return cfg.model_copy(update=update) if update else cfg


@app.command()
@guard
def sync(config: Optional[Path] = typer.Option(None, "--config", "-c", help="配置文件 TOML"),
         source: List[Path] = typer.Option([], "--source", "-s", help="工作簿或文件夹,可重复"),
         out: Optional[Path] = typer.Option(None, "--out", "-o", help="报表目录"),
         week: Optional[str] = typer.Option(None, "--week", help="ISO 周,例如 2026-W47"),
         now: Optional[str] = NowOpt, wait: float = typer.Option(0, "--wait", help="等待其他同步结束的秒数"),
         lang: Optional[str] = LangOpt) -> None:
    """汇总各门店工作簿,检查配额,按规定文件名归档报表 (gather, check quotas, file the reports)."""
    from .pipeline import run_sync

    cfg = _config(config, source, out, lang)
    o = Out(cfg.lang)
    with o.progress() as progress:
        result = run_sync(cfg, _now(now), week, progress, lock_timeout=wait)
    print_sync(o, result)
    raise typer.Exit(result.exit_code)


@app.command()
@guard
def today(date: Optional[str] = typer.Option(None, "--date", "-d", help="日期,默认今天(17:00 后为明天)"),
          config: Optional[Path] = typer.Option(None, "--config", "-c"),
          source: List[Path] = typer.Option([], "--source", "-s"),
          now: Optional[str] = NowOpt, lang: Optional[str] = LangOpt) -> None:
    """每位坐席当天的电话与短信清单 (each agent's call and SMS list for the day)."""
    from followup.udfs.dates import to_date
    from followup.udfs.table import followup_table

    from .deadline import localize
    from .merge import merge_stores
    from .pipeline import read_all
    from .today import day_list, default_day

    cfg = _config(config, source, None, lang)
    moment = localize(_now(now), cfg.timezone)
    day = to_date(date, "date") if date else default_day(moment)
    read = read_all(cfg, None)
    stores = merge_stores(read.stores, cfg)
    tables = {s.name: followup_table(s.customers, s.calls if not s.calls.empty else None, s.playbook, day)
              for s in stores if not s.customers.empty}
    print_day(Out(cfg.lang), day, day_list(stores, tables, day), read.rejections)


@app.command("check-name")
@guard
def check_name(file: str = typer.Argument(..., help="报表文件名或路径"), lang: Optional[str] = LangOpt) -> None:
    """检查报表文件名是否完全符合规定 (is this report file name exactly right)."""
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
def demo(dir: Path = typer.Option(Path("followup-demo"), "--dir", help="演示目录"),
         now: Optional[str] = NowOpt, lang: Optional[str] = LangOpt) -> None:
    """生成演示工作区(三家门店)并运行一次同步 (build a demo workspace and sync it)."""
    from .demo import run_demo

    o = Out(lang_of(lang))
    o.say(o.t(f"演示工作区: {dir.resolve()}", f"demo workspace: {dir.resolve()}"), "bold")
    with o.progress() as progress:
        _, result = run_demo(dir, _now(now), o.lang, progress)
    print_sync(o, result)


def load_plugins(target: typer.Typer = app) -> list[str]:
    """Import each plug-in module and let it `register(app)`; returns the ones loaded."""
    loaded = []
    for name in PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name and name.startswith(e.name):
                continue  # not installed / not written yet
            print(f"插件 {name} 无法加载 (plug-in failed to load): {e}", file=sys.stderr)
            continue
        except Exception as e:  # noqa: BLE001 - a broken plug-in must not break the CLI
            print(f"插件 {name} 无法加载 (plug-in failed to load): {e}", file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(target)
            loaded.append(name)
    return loaded


load_plugins()


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors become a clean message and exit code, never a traceback."""
    import click

    try:
        rv = app(args=argv, standalone_mode=False, prog_name="followup")
    except typer.Exit as e:
        return e.exit_code
    except click.exceptions.ClickException as e:  # usage errors
        e.show()
        return e.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        return fail("已中断 (interrupted)", 130, exit=False)
    except FollowupError as e:  # raised outside a command body (plug-ins)
        return fail(str(e), 2, exit=False)
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
