"""`followup addin …`: the Excel add-in (plug-in of followup.sync.cli).

followup addin install      # Windows/macOS: xlwings add-in + UDF Modules setting
followup addin vba [--check]  # regenerate / check addin/followup_udfs.bas
"""

from __future__ import annotations

import typer

__all__ = ["app", "register"]

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Excel 加载项 / the Excel add-in (xlwings or xlwings Lite)"
)


@app.command("install")
def install_cmd() -> None:
    """安装 Excel 加载项 / install the add-in (Windows/macOS with Excel)."""
    from .install import install

    raise typer.Exit(install())


@app.command("vba")
def vba_cmd(check: bool = typer.Option(False, "--check", help="只检查是否最新 / only check it is current")) -> None:
    """重新生成 followup_udfs.bas / regenerate the VBA wrapper module."""
    from .make_vba import main

    raise typer.Exit(main(["--check"] if check else []))


def register(target: typer.Typer) -> None:
    target.add_typer(app, name="addin")
