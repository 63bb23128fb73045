"""Render templates to PNG for review: LibreOffice headless → PDF → pdftoppm.

    python -m followup.templates.render [TEMPLATE.xlsx …] [--out DIR]

Without arguments it renders the shipped templates (workbook_templates/*.xlsx) into
`out/render/`. Needs `soffice` and `pdftoppm` (Debian/Ubuntu:
`apt-get install -y libreoffice-calc poppler-utils`). LibreOffice shows the cached values
(it does not run the followup functions), i.e. what a user without the add-in sees.
PNG and PDF files are kept out of git (.gitignore).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

__all__ = ["render", "main"]


def _soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if not exe:
        raise RuntimeError(
            "找不到 LibreOffice / LibreOffice not found: apt-get install -y libreoffice-calc poppler-utils"
        )
    return exe


_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>1</value></prop></item>
</oor:items>
"""


def _never_recalculate(profile: Path) -> None:
    """LibreOffice setting "Recalculation on file load: never": show the cached results."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")


_UDF = re.compile(
    r"<f\b[^>]*>[^<]*\b(?:FOLLOWUP_TABLE|NEXT_FOLLOWUP|FOLLOWUP_STEP|FOLLOWUP_ROUTE|"
    r"CALL_WINDOW|IS_SUCCESS|QUOTA_CHECK|WEEK_LABEL|REPORT_NAME|REPORT_DEADLINE|"
    r"MASK_PHONE)\([^<]*</f>"
)


def _snapshot(src: Path, dst: Path) -> None:
    """Copy `src` with the followup-function formulas dropped, their cached values kept.

    LibreOffice has no followup functions and recalculates them to #NAME? even when told not
    to recalculate (TODAY() is volatile); the snapshot shows what the add-in last computed.
    """
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = _UDF.sub("", data.decode("utf-8")).replace(' cm="1"', "").encode("utf-8")
            zout.writestr(item, data)


def render(xlsx: Path, out_dir: Path, dpi: int = 110) -> list[Path]:
    """One PNG per printed page of `xlsx` (all visible sheets) in `out_dir`."""
    xlsx, out_dir = Path(xlsx).resolve(), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if not shutil.which("pdftoppm"):
        raise RuntimeError("找不到 pdftoppm / pdftoppm not found: apt-get install -y poppler-utils")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile"  # a private LibreOffice profile: no clash with a running one
        _never_recalculate(profile)
        snap = Path(tmp) / xlsx.name
        _snapshot(xlsx, snap)
        subprocess.run(
            [
                _soffice(),
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(Path(tmp) / "pdf"),
                str(snap),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        pdf = Path(tmp) / "pdf" / (xlsx.stem + ".pdf")
        prefix = out_dir / xlsx.stem
        for old in out_dir.glob(f"{xlsx.stem}-*.png"):
            old.unlink()
        subprocess.run(
            ["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True, capture_output=True, timeout=180
        )
        shutil.copy(pdf, out_dir / pdf.name)
    return sorted(out_dir.glob(f"{xlsx.stem}-*.png"))


_USAGE = (
    "用法 / usage: python -m followup.templates.render [TEMPLATE.xlsx …] [--out DIR]\n"
    "把模板渲染成 PNG(需要 LibreOffice 和 poppler-utils)/ render templates to PNG "
    "(needs LibreOffice and poppler-utils); default --out out/render"
)


def main(argv: list[str] | None = None) -> int:
    """Exit codes as the `followup` command: 0 ok, 2 usage or a missing tool, 4 a file that
    cannot be read or written."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "-h" in argv or "--help" in argv:
        print(_USAGE)
        return 0
    out = Path("out/render")
    if "--out" in argv:
        i = argv.index("--out")
        if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
            print("--out 缺少文件夹 / --out needs a folder\n" + _USAGE, file=sys.stderr)
            return 2
        out = Path(argv[i + 1])
        del argv[i : i + 2]
    unknown = [a for a in argv if a.startswith("-")]
    if unknown:
        print(f"没有这个选项 / no such option: {' '.join(unknown)}\n" + _USAGE, file=sys.stderr)
        return 2
    files = [Path(a) for a in argv] or sorted(Path(__file__).resolve().parent.glob("*.xlsx"))
    missing = [f for f in files if not f.is_file()]
    if missing:
        print(f"找不到工作簿 / workbook not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 4
    try:
        for f in files:
            for png in render(f, out):
                print(png)
    except RuntimeError as e:  # LibreOffice or pdftoppm missing
        print(f"缺少工具 / missing tool: {e}", file=sys.stderr)
        return 2
    except subprocess.SubprocessError as e:
        print(f"渲染失败 / rendering failed: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(
            f"无法读写 / cannot read or write: {e.filename or out} ({e.strerror}) — "
            "请检查路径和权限 / check the path and permissions",
            file=sys.stderr,
        )
        return 4
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
