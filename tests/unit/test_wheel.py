"""The built wheel: under Pyodide (xlwings Lite) its requirements are the engine's only, and it
passes `twine check`. The wheel is built offline from this tree (pip wheel --no-build-isolation)."""

from __future__ import annotations

import ast
import email
import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
# Pyodide 0.27+: CPython 3.12 compiled to WebAssembly
PYODIDE = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "os_name": "posix",
    "platform_machine": "wasm32",
    "python_version": "3.12",
    "python_full_version": "3.12.7",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "extra": "",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(ROOT), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (whl,) = out.glob("followup-*.whl")
    return whl


def _metadata(whl: Path) -> email.message.Message:
    with zipfile.ZipFile(whl) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(z.read(name))


def _engine_imports() -> set[str]:
    """Third-party top-level modules imported by followup.udfs (the engine and the cell functions),
    except the runtimes' own adapters (xlwings is Lite's own package; pywin32 only on Windows)."""
    mods = set()
    for path in (ROOT / "udfs").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        optional = {
            id(n)
            for t in ast.walk(tree)
            if isinstance(t, ast.Try)  # `try: import x / except ImportError`
            and any(isinstance(h.type, ast.Name) and h.type.id == "ImportError" for h in t.handlers)
            for s in t.body
            for n in ast.walk(s)
        }
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names} - {
        "followup",
        "xlwings",
        "pythoncom",
        "win32com",
        "tomli",
    }


def test_pyodide_requirements_are_the_engines_only(wheel):
    reqs = [Requirement(r) for r in _metadata(wheel).get_all("Requires-Dist")]
    under_pyodide = {canonicalize_name(r.name) for r in reqs if r.marker is None or r.marker.evaluate(PYODIDE)}
    dists = importlib.metadata.packages_distributions()
    engine = {canonicalize_name(d) for m in _engine_imports() for d in dists[m]}
    # tzdata: the zone data zoneinfo reads (Asia/Shanghai); Pyodide has no system zoneinfo
    assert under_pyodide == engine | {"tzdata"}, sorted(under_pyodide ^ (engine | {"tzdata"}))
    assert {"pandas", "numpy", "holidays", "pydantic", "python-dateutil"} <= under_pyodide
    # the sync's own dependencies are still installed everywhere else
    linux = dict(PYODIDE, sys_platform="linux", platform_system="Linux", platform_machine="x86_64")
    on_linux = {canonicalize_name(r.name) for r in reqs if r.marker is None or r.marker.evaluate(linux)}
    assert {"gspread", "typer", "rich", "filelock", "openpyxl", "xlsxwriter", "python-calamine"} <= on_linux
    assert not {"gspread", "typer", "rich", "filelock", "openpyxl", "xlsxwriter", "python-calamine"} & under_pyodide


def test_twine_check_passes(wheel):
    proc = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lite_requirements_name_the_wheel_make_wheel_builds(wheel):
    """The shipped file names no version an index would have to serve, but the URL to change,
    ending in the very file name `make wheel` writes; `followup addin lite --wheel-url` takes it."""
    version = _metadata_version()
    lines = [
        line.strip()
        for line in (ROOT / "addin" / "lite" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert not any(line.startswith("followup==") for line in lines)
    (url,) = [line for line in lines if line.startswith("https://")]
    assert "CHANGE-ME" in url and url.rsplit("/", 1)[1] == wheel.name == f"followup-{version}-py3-none-any.whl"


def _metadata_version() -> str:
    import re

    return re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M).group(1)
