"""The `followup` command (SPEC §4.3): sync, today, check-name, demo — plus plug-ins.

Exit codes: 0 ok · 1 rows were rejected (the reports are still filed) or a name is wrong ·
2 config or argument errors · 3 another sync holds the report folder · 5 nothing usable was read
(no report filed).

Plug-in point: other packages add commands by exposing `register(app: typer.Typer)` in one of
`PLUGINS` (e.g. `followup.templates.cli` adds `followup templates`, `followup.addin.cli` adds
`followup addin install`). A missing plug-in module is skipped silently; a broken one is
reported on stderr without stopping the other commands.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Optional

import typer

from followup.udfs.errors import FollowupError
from followup.udfs.privacy import mask_phones_in_text

from .cli_app import LangOpt, NowOpt, app, parse_now
from .cli_out import Out, fail, guard, masked_output, print_sync
from .i18n import lang_of

__all__ = ["main", "PLUGINS", "load_plugins"]

PLUGINS = ("followup.templates.cli", "followup.addin.cli", "followup.sync.gsheets.cli", "followup.sync.crm_cli")


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
        _, result = run_demo(dir, parse_now(now), o.lang, progress)
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
            print(mask_phones_in_text(f"插件 {name} 无法加载 (plug-in failed to load): {e}"), file=sys.stderr)
            continue
        except Exception as e:  # noqa: BLE001 - a broken plug-in must not break the CLI
            print(mask_phones_in_text(f"插件 {name} 无法加载 (plug-in failed to load): {e}"), file=sys.stderr)
            continue
        register = getattr(module, "register", None)
        if callable(register):
            register(target)
            loaded.append(name)
    return loaded


load_plugins()


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors become a clean message and exit code, never a traceback; every
    line written to stdout/stderr has its phone numbers masked."""
    with masked_output():
        return _main(argv)


def _main(argv: list[str] | None) -> int:
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
