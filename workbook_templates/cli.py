"""`followup templates`: write the workbook templates (plug-in of followup.sync.cli).

    followup templates --out DIR [--lang zh|en|all] [--playbook optometry]…
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

__all__ = ["app", "register", "templates"]


def templates(out: Path = typer.Option(Path("."), "--out", "-o", help="输出目录 (output folder)"),
              lang: str = typer.Option("zh", "--lang", help="zh (默认)、en 或 all"),
              playbook: Optional[List[str]] = typer.Option(
                  None, "--playbook", "-p", help="只写这些回访方案的模板,可重复 (default: all)")) -> None:
    """写出工作簿模板 (write the workbook templates: 客户、回访记录、礼品、配额、设置)."""
    from .builder import build_all
    from .layout import template_playbooks

    langs = {"zh": ("zh",), "en": ("en",), "all": ("zh", "en")}.get(lang.strip().lower())
    if langs is None:
        typer.echo(f"--lang 的值 {lang!r} 无效:请用 zh、en 或 all (use zh, en or all)", err=True)
        raise typer.Exit(2)
    names = template_playbooks()
    chosen = tuple(playbook) if playbook else names
    unknown = [p for p in chosen if p not in names]
    if unknown:
        typer.echo(f"没有这个回访方案的模板: {', '.join(unknown)};可选 {', '.join(names)} "
                   "(no template for that playbook)", err=True)
        raise typer.Exit(2)
    for path in build_all(out, langs, chosen):
        typer.echo(str(path))


app = typer.Typer(add_completion=False, help="工作簿模板 (workbook templates)")
app.command("templates")(templates)


def register(target: typer.Typer) -> None:
    """Add `followup templates` to the main CLI."""
    target.command("templates")(templates)
