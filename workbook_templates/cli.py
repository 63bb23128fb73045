"""`followup templates`: write the workbook templates (plug-in of followup.sync.cli).

followup templates --out DIR [--lang zh|en|all] [--playbook optometry]…
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["app", "register", "templates"]


def templates(
    out: Path = typer.Option(Path("."), "--out", "-o", metavar="DIR", help="输出目录 / output folder"),
    lang: str = typer.Option("zh", "--lang", metavar="zh|en|all", help="表头语言 / language of the headers"),
    playbook: list[str] | None = typer.Option(
        None,
        "--playbook",
        "-p",
        metavar="NAME",
        help="只写这些回访方案的模板,可重复,默认全部 / only these playbooks, repeatable; all by default",
    ),
) -> None:
    """写出工作簿模板(客户、回访记录、礼品、配额、设置)/ write the workbook templates."""
    from .builder import build_all
    from .layout import template_playbooks

    langs = {"zh": ("zh",), "en": ("en",), "all": ("zh", "en")}.get(lang.strip().lower())
    if langs is None:
        typer.echo(f"--lang 的值 {lang!r} 无效:请用 zh、en 或 all / --lang {lang!r}: use zh, en or all", err=True)
        raise typer.Exit(2)
    names = template_playbooks()
    chosen = tuple(playbook) if playbook else names
    unknown = [p for p in chosen if p not in names]
    if unknown:
        typer.echo(
            f"没有这个回访方案的模板: {', '.join(unknown)};可选 {', '.join(names)} / "
            f"no template for that playbook; choose from {', '.join(names)}",
            err=True,
        )
        raise typer.Exit(2)
    for path in build_all(out, langs, chosen):
        typer.echo(str(path))


app = typer.Typer(add_completion=False, help="工作簿模板 (workbook templates)")
app.command("templates")(templates)


def register(target: typer.Typer) -> None:
    """Add `followup templates` to the main CLI."""
    target.command("templates")(templates)
