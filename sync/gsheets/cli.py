"""`followup gsheets …`: a typer sub-app (hooked into the main CLI as `gsheets`).

    followup gsheets init --title "一号店回访" [--playbook optometry] [--config followup.toml]
    followup gsheets upload REPORT.xlsx --folder FOLDER_ID [--config followup.toml]
    followup gsheets appsscript [--out Code.gs]
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from followup.sync.cli_out import guard

app = typer.Typer(help="Google 表格:创建模板、上传报表、生成 Apps Script / Google Sheets: template, upload, "
                       "Apps Script", no_args_is_help=True, add_completion=False)

_CONFIG_HELP = "配置文件,用其中的 sources.service_account / config file, for sources.service_account"
_KEY_HELP = "服务账号 JSON 密钥文件 / the service-account JSON key file"


def _client(config: Optional[Path], service_account: Optional[Path]):
    from .client import make_client
    if service_account is None and config is not None:
        from followup.sync.config_load import load_config
        service_account = load_config(config).sources.service_account
    return make_client(str(service_account) if service_account else None)


@app.command("init")
@guard
def init(title: str = typer.Option(..., "--title", metavar="TITLE", help="新表格的标题 / title of the new spreadsheet"),
         playbook: str = typer.Option("optometry", "--playbook", metavar="NAME",
                                      help="回访方案 / playbook"),
         config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", help=_CONFIG_HELP),
         service_account: Optional[Path] = typer.Option(None, "--service-account", metavar="FILE", help=_KEY_HELP)):
    """新建一个带 客户/回访记录/礼品/配额/设置 布局的 Google 表格 / create the layout as a new Google Sheet."""
    from .template import create_template

    made = create_template(_client(config, service_account), title, playbook)
    typer.echo(f"已创建 / created: {made['url']}\n"
               f"请把该表格的 key 加入配置 sources.gsheets / add its key to sources.gsheets: {made['id']}")


@app.command("upload")
@guard
def upload(report: Path = typer.Argument(..., exists=True, dir_okay=False, metavar="REPORT",
                                         help="报表文件 (.xlsx) / the report file"),
           folder: str = typer.Option(..., "--folder", metavar="FOLDER_ID",
                                      help="Drive 文件夹 id / Drive folder id"),
           config: Optional[Path] = typer.Option(None, "--config", metavar="FILE", help=_CONFIG_HELP),
           service_account: Optional[Path] = typer.Option(None, "--service-account", metavar="FILE", help=_KEY_HELP)):
    """把报表上传到 Drive 文件夹,替换同一期间的同名文件 / file a report into a Drive folder, replacing
    the same-name file of that period."""
    from .drive import upload_report

    res = upload_report(_client(config, service_account), report, folder)
    typer.echo(f"{'已替换 / replaced' if res['replaced'] else '已上传 / uploaded'}: {res['name']}")


@app.command("appsscript")
@guard
def appsscript(out: Optional[Path] = typer.Option(None, "--out", metavar="FILE",
                                                  help="写入此文件,默认打印 / write Code.gs here instead of printing")):
    """生成 Code.gs,粘贴到 扩展程序 → Apps Script 即可使用 =NEXT_FOLLOWUP() / print or write Code.gs
    for Extensions → Apps Script."""
    from followup.addin.gsheets.make_appsscript import render
    text = render()
    if out:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"已写入 / wrote: {out}")
    else:
        typer.echo(text)


def main() -> None:  # pragma: no cover
    app()


def register(target: typer.Typer) -> None:
    """Plug-in hook of `followup.sync.cli`: adds `followup gsheets …` and the Google Sheets source."""
    target.add_typer(app, name="gsheets")
    from .connector import install
    install()
