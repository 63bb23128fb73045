"""`followup addin install`: the xlwings Excel add-in plus the UDF module setting.

On Windows (and macOS, where xlwings installs the add-in but Excel cannot run Python UDFs)
it runs `xlwings addin install` and writes `UDF Modules = followup.udfs.excel` into the
xlwings user config file, keeping every other entry (the interpreter path comes from
`xlwings config create`). Elsewhere it prints what is needed and returns non-zero.
No xlwings PRO or xlwings Server is involved.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["UDF_MODULE", "user_config_path", "update_user_config", "install", "LINUX_HELP"]

UDF_MODULE = "followup.udfs.excel"
Runner = Callable[[Sequence[str]], int]

LINUX_HELP = """\
followup addin install: Excel add-ins need Excel, which runs on Windows (or macOS).
This machine is {platform}. What you can do:
  1. On a Windows PC with Excel: pip install "followup[addin]", then run
     `followup addin install` there (it runs `xlwings addin install` and sets
     UDF Modules = followup.udfs.excel in ~/.xlwings/xlwings.conf).
  2. Without local Python: use xlwings Lite (Excel add-in from Microsoft AppSource) and
     paste addin/lite/main.py and addin/lite/requirements.txt into its editor.
  3. Without the add-in at all: the templates still open and show their last computed
     values; `followup sync` recomputes everything (see README, "Excel add-in").
"""


def user_config_path(platform: str | None = None, home: Path | None = None) -> Path:
    """Where xlwings reads its user config (same rule as xlwings.USER_CONFIG_FILE)."""
    platform = platform or sys.platform
    home = Path(home) if home else Path(os.path.expanduser("~"))
    if platform.startswith("darwin"):
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
    return home / ".xlwings" / "xlwings.conf"


def update_user_config(path: Path, settings: dict[str, str]) -> Path:
    """Set keys in an xlwings config file (`"KEY","VALUE"` lines), keeping the other lines."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    wanted = {k.upper(): v for k, v in settings.items()}
    out = []
    for line in lines:
        key = line.split(",", 1)[0].strip().strip('"').upper()
        if key in wanted:
            out.append(f'"{key}","{wanted.pop(key)}"')
        elif line.strip():
            out.append(line)
    out += [f'"{k}","{v}"' for k, v in wanted.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _run(cmd: Sequence[str]) -> int:
    print("$ " + " ".join(cmd))
    return subprocess.call(list(cmd))


def install(platform: str | None = None, home: Path | None = None, run: Runner = _run, out=print) -> int:
    """Install the add-in; returns the process exit code (0 ok, 2 unsupported platform)."""
    platform = platform or sys.platform
    if not (platform.startswith("win") or platform.startswith("darwin")):
        out(LINUX_HELP.format(platform=platform))
        return 2
    try:
        import xlwings  # noqa: F401
    except ImportError:
        out('xlwings is not installed: pip install "followup[addin]" (xlwings==0.37.8), then run again.')
        return 1
    xlw = [sys.executable, "-m", "xlwings.cli"]
    for cmd in (xlw + ["addin", "install"], xlw + ["config", "create"]):
        code = run(cmd)
        if code != 0:
            out(f"failed ({code}): {' '.join(cmd)}")
            return code
    path = update_user_config(user_config_path(platform, home), {"UDF Modules": UDF_MODULE})
    out(f"UDF Modules = {UDF_MODULE} written to {path}")
    out(
        "In Excel: File › Options › Trust Center › Macro Settings › tick "
        "'Trust access to the VBA project object model', then xlwings tab › Import Functions."
    )
    if platform.startswith("darwin"):
        out(
            "Note: Excel for Mac cannot run Python cell functions through the add-in; "
            "use xlwings Lite there (addin/lite/)."
        )
    return 0
