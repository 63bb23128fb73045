"""`followup gsheets …`: a typer sub-app (hooked into the main CLI as `gsheets`).

    followup gsheets init --title "一号店回访" [--playbook optometry] [--config followup.toml]
    followup gsheets upload REPORT.xlsx --folder FOLDER_ID [--config followup.toml]
    followup gsheets appsscript [--out Code.gs]
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from followup.udfs.errors import FollowupError

app = typer.Typer(help="Google 表格:创建模板、上传报表、生成 Apps Script (Google Sheets tools)", no_args_is_help=True)


def _client(config: Optional[Path], service_account: Optional[Path]):
    from .client import make_client
    if service_account is None and config is not None:
        from followup.sync.config_load import load_config
        service_account = load_config(config).sources.service_account
    return make_client(str(service_account) if service_account else None)


@app.command("init")
def init(title: str = typer.Option(..., "--title", help="新表格的标题 (title of the new spreadsheet)"),
         playbook: str = typer.Option("optometry", "--playbook"),
         config: Optional[Path] = typer.Option(None, "--config", help="followup.toml (for sources.service_account)"),
         service_account: Optional[Path] = typer.Option(None, "--service-account", help="service-account JSON key")):
    """Create the 客户/回访记录/礼品/配额/设置 layout as a new Google Sheet."""
    from .template import create_template
    try:
        made = create_template(_client(config, service_account), title, playbook)
    except FollowupError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(1)
    typer.echo(f"已创建 (created): {made['url']}\n请把该表格的 key 加入配置 sources.gsheets: {made['id']}")


@app.command("upload")
def upload(report: Path = typer.Argument(..., exists=True, dir_okay=False),
           folder: str = typer.Option(..., "--folder", help="Drive folder id"),
           config: Optional[Path] = typer.Option(None, "--config"),
           service_account: Optional[Path] = typer.Option(None, "--service-account")):
    """File a report into a Drive folder, replacing the same-name file of that period."""
    from .drive import upload_report
    try:
        res = upload_report(_client(config, service_account), report, folder)
    except FollowupError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(1)
    typer.echo(f"{'已替换' if res['replaced'] else '已上传'} ({'replaced' if res['replaced'] else 'uploaded'}): {res['name']}")


@app.command("appsscript")
def appsscript(out: Optional[Path] = typer.Option(None, "--out", help="write Code.gs here")):
    """Print (or write) Code.gs: paste it into Extensions → Apps Script to get =NEXT_FOLLOWUP()."""
    from followup.addin.gsheets.make_appsscript import render
    text = render()
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")
    else:
        typer.echo(text)


def main() -> None:  # pragma: no cover
    app()


def register(target: typer.Typer) -> None:
    """Plug-in hook of `followup.sync.cli`: adds `followup gsheets …` and the Google Sheets source."""
    target.add_typer(app, name="gsheets")
    from .connector import install
    install()
