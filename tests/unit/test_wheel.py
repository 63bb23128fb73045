"""The built wheel: under Pyodide (xlwings Lite) its requirements are the engine's only, and it
passes `twine check`. The wheel is built offline from this tree (pip wheel --no-build-isolation)."""

from __future__ import annotations

import ast
import email
import importlib.metadata
import shutil
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
    """Built from a copy of the tree: setuptools reuses `build/lib/` of an earlier build, so a
    module deleted since would still ship from the checkout itself."""
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "followup"
    skip = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "tests", "bench")
    shutil.copytree(ROOT, src, ignore=skip)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(src), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=src,
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


# The folders of the `followup` namespace (setup.py's PACKAGE_DIR).
FOLDERS = {"udfs": "udfs", "sync": "sync", "addin": "addin", "templates": "workbook_templates"}


def _tree_files() -> dict[str, Path]:
    """Every file of the four folders under its name in the wheel (`followup/sync/…`): the
    modules, and the data files git tracks there (playbooks, templates, Code.gs, …)."""
    tracked = subprocess.run(["git", "ls-files", *FOLDERS.values()], capture_output=True, text=True, cwd=ROOT)
    data = {ROOT / line for line in tracked.stdout.splitlines()} if tracked.returncode == 0 else set()
    out = {}
    for name, folder in FOLDERS.items():
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and (path.suffix == ".py" or path in data):
                out[f"followup/{name}/{path.relative_to(ROOT / folder).as_posix()}"] = path
    return out


def test_the_wheel_holds_every_module_and_data_file_of_the_tree(wheel):
    with zipfile.ZipFile(wheel) as z:
        shipped = {n: z.read(n) for n in z.namelist() if not n.split("/")[0].endswith(".dist-info")}
    tree = _tree_files()
    assert sum(1 for n in tree if n.startswith("followup/sync/") and n.endswith(".py")) > 50  # the walk saw the tree
    assert any(n.endswith(".toml") for n in tree) and any(n.endswith(".xlsx") for n in tree)
    missing = sorted(set(tree) - set(shipped))
    assert not missing, f"left out of the wheel: {missing}"
    extra = sorted(n for n in set(shipped) - set(tree) if n.endswith(".py"))
    assert not extra, f"modules in the wheel that the tree does not have: {extra}"
    assert all(shipped[n] == p.read_bytes() for n, p in tree.items())
