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


def _needs_addin_extra(e: ModuleNotFoundError) -> typer.Exit:
    """The add-in's own libraries (xlwings; pywin32 on Windows) are the `addin` extra: without
    them a usage error (exit 2) that says what to install, not a bug."""
    typer.echo(
        f'需要 Excel 加载项的依赖 ({e.name}),请先安装: pip install "followup[addin]" / '
        f'the add-in needs {e.name}: install it with pip install "followup[addin]"',
        err=True,
    )
    return typer.Exit(2)


@app.command("install")
def install_cmd() -> None:
    """安装 Excel 加载项 / install the add-in (Windows/macOS with Excel)."""
    try:
        from .install import install

        code = install()
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] in ("xlwings", "pythoncom", "win32com", "pywintypes"):
            raise _needs_addin_extra(e) from None
        raise
    raise typer.Exit(code)


@app.command("vba")
def vba_cmd(check: bool = typer.Option(False, "--check", help="只检查是否最新 / only check it is current")) -> None:
    """重新生成 followup_udfs.bas / regenerate the VBA wrapper module."""
    try:
        from .make_vba import main

        code = main(["--check"] if check else [])
    except ModuleNotFoundError as e:
        if e.name and e.name.split(".")[0] == "xlwings":
            raise _needs_addin_extra(e) from None
        raise
    raise typer.Exit(code)


def register(target: typer.Typer) -> None:
    target.add_typer(app, name="addin")
