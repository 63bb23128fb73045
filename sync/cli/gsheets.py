"""`followup gsheets …`: a typer sub-app (hooked into the main CLI as `gsheets`).

followup gsheets init --title "一号店回访" [--share EMAIL …] [--role writer|reader] [--folder FOLDER_ID]
                      [--playbook optometry] [--config followup.toml]
followup gsheets upload REPORT.xlsx [--folder FOLDER_ID] [--config followup.toml]
followup gsheets appsscript [--out Code.gs]
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from followup.udfs.errors import FollowupError

from .output import guard

if TYPE_CHECKING:
    from followup.sync.config import Config

app = typer.Typer(
    help="Google 表格:创建模板、上传报表、生成 Apps Script / Google Sheets: template, upload, Apps Script",
    no_args_is_help=True,
    add_completion=False,
)

_CONFIG_HELP = (
    "配置文件 (取其 sources.auth, service_account, drive_folder) / config file, for sources.auth, "
    "service_account and drive_folder"
)
_KEY_HELP = "服务账号 JSON 密钥文件 / the service-account JSON key file"


def _config(config: Path | None):
    if config is None:
        return None
    from followup.sync.config import load_config

    return load_config(config)


def _client(cfg: Config | None, service_account: Path | None):
    from followup.sync.sources.gsheets.client import client_for, make_client

    if service_account is None and cfg is not None:
        return client_for(cfg)
    if service_account is not None and not Path(service_account).is_file():
        _fail(
            f"--service-account 指定的文件不存在: {service_account},请给出服务账号 JSON 密钥文件的路径 / "
            f"--service-account: no such file: {service_account} — give the path of the service-account JSON key",
            2,
        )
    return make_client(str(service_account) if service_account else None)


def _folder(folder: str | None, cfg: Config | None) -> str | None:
    return folder or (cfg.sources.drive_folder if cfg is not None else None)


def _fail(e: Exception | str, code: int | None = None):
    """Exit 2 for a config or credentials problem (usage), 1 when Google refused."""
    from followup.sync.config import ConfigError
    from followup.sync.sources.gsheets.errors import GSheetsCredentialsError

    if code is None:
        code = 2 if isinstance(e, (ConfigError, GSheetsCredentialsError)) else 1
    typer.echo(str(e), err=True)
    raise typer.Exit(code)


@app.command("init")
@guard
def init(
    title: str = typer.Option(..., "--title", metavar="TITLE", help="新表格的标题 / title of the new spreadsheet"),
    playbook: str = typer.Option("optometry", "--playbook", metavar="NAME", help="回访方案 / playbook"),
    share: list[str] = typer.Option(
        [], "--share", metavar="EMAIL", help="共享给这些邮箱,可重复 / share with this e-mail; repeatable"
    ),
    role: str = typer.Option(
        "writer", "--role", metavar="writer|reader", help="writer(编辑者)或 reader(查看者) / editor or viewer"
    ),
    folder: str | None = typer.Option(
        None,
        "--folder",
        metavar="FOLDER_ID",
        help="建在此云端硬盘文件夹 (服务账号: 共享云端硬盘) / "
        "create it in this Drive folder (a shared drive's for a service account)",
    ),
    notify: bool = typer.Option(
        True, "--notify/--no-notify", help="给被共享的人发邮件 / e-mail the people shared with"
    ),
    config: Path | None = typer.Option(None, "--config", metavar="FILE", help=_CONFIG_HELP),
    service_account: Path | None = typer.Option(None, "--service-account", metavar="FILE", help=_KEY_HELP),
):
    """新建一个带 客户/回访记录/礼品/配额/设置 布局的 Google 表格并共享 / create the layout as a new Google
    Sheet, shared with the people named."""
    from followup.sync.sources.gsheets.template import create_template

    if role not in ("writer", "reader"):
        _fail(f"--role 只能是 writer 或 reader (--role must be writer or reader): {role}", 2)
    try:
        cfg = _config(config)
        made = create_template(
            _client(cfg, service_account),
            title,
            playbook,
            folder=_folder(folder, cfg),
            share_with=share,
            role=role,
            notify=notify,
        )
    except FollowupError as e:
        _fail(e)
    typer.echo(f"已创建 (created): {made['url']}\n请把该表格的 key 加入配置 sources.gsheets: {made['id']}")
    if made["shared"]:
        typer.echo(f"已共享给 (shared with, {role}): {', '.join(made['shared'])}")


@app.command("upload")
@guard
def upload(
    report: Path = typer.Argument(
        ..., exists=True, dir_okay=False, metavar="REPORT", help="报表文件 (.xlsx) / the report file"
    ),
    folder: str | None = typer.Option(
        None,
        "--folder",
        metavar="FOLDER_ID",
        help="云端硬盘文件夹 id,默认 sources.drive_folder / Drive folder id; default sources.drive_folder",
    ),
    config: Path | None = typer.Option(None, "--config", metavar="FILE", help=_CONFIG_HELP),
    service_account: Path | None = typer.Option(None, "--service-account", metavar="FILE", help=_KEY_HELP),
):
    """把报表上传到云端硬盘文件夹,替换同一期间的同名文件 / file a report into a Drive folder, replacing
    the same-name file of that period."""
    from followup.sync.sources.gsheets.drive import upload_report

    try:
        cfg = _config(config)
        target = _folder(folder, cfg)
        if not target:
            _fail(
                "缺少 --folder(或配置 sources.drive_folder)(missing --folder, or sources.drive_folder in the config)", 2
            )
        res = upload_report(_client(cfg, service_account), report, cast(str, target))  # _fail exits without one
    except FollowupError as e:
        _fail(e)
    typer.echo(
        f"{'已替换' if res['replaced'] else '已上传'} ({'replaced' if res['replaced'] else 'uploaded'}): {res['name']}"
    )


@app.command("appsscript")
@guard
def appsscript(
    out: Path | None = typer.Option(
        None, "--out", metavar="FILE", help="写入此文件,默认打印 / write Code.gs here instead of printing"
    ),
):
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
    """Plug-in hook of `followup.sync.cli`: adds `followup gsheets …` (the Google Sheets source of
    `run_sync` is built by `followup.sync.sources.sources_for`, not here)."""
    target.add_typer(app, name="gsheets")
