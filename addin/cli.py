"""`followup addin …`: the Excel add-in (plug-in of followup.sync.cli).

followup addin install      # Windows/macOS: xlwings add-in + UDF Modules setting
followup addin vba [--check]  # regenerate / check addin/followup_udfs.bas
followup addin lite --wheel-url URL | --index-url URL [--out DIR]  # the xlwings Lite files to paste
"""

from __future__ import annotations

from pathlib import Path

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


@app.command("lite")
def lite_cmd(
    wheel_url: str = typer.Option(
        None, "--wheel-url", metavar="URL", help="followup wheel 的 https 地址 / https URL of the followup wheel"
    ),
    index_url: str = typer.Option(
        None, "--index-url", metavar="URL", help="提供 followup 的软件包索引 / a package index serving followup"
    ),
    out: Path = typer.Option(Path("xlwings-lite"), "--out", metavar="DIR", help="写入的文件夹 / folder to write into"),
) -> None:
    """写出 xlwings Lite 的 main.py 与 requirements.txt / write the main.py and requirements.txt to paste."""
    from .lite_files import LiteError, write_pair

    try:
        paths = write_pair(out, wheel_url, index_url)
    except LiteError as e:
        typer.echo(f"错误 / error: {e}", err=True)
        raise typer.Exit(2) from None
    except OSError as e:
        typer.echo(f"无法写入 / cannot write {out}: {e.strerror or e}", err=True)
        raise typer.Exit(2) from None
    for p in paths:
        typer.echo(f"已写入 / wrote {p}")
    typer.echo("把 requirements.txt 与 main.py 分别粘贴到 xlwings Lite 编辑器的同名标签页,然后重启 xlwings Lite")
    typer.echo("(paste each into the xlwings Lite editor's tab of the same name, then restart xlwings Lite)")


def register(target: typer.Typer) -> None:
    target.add_typer(app, name="addin")
