"""What may import what (ARCHITECTURE.md), checked statically (every import statement, nested ones
too) and dynamically (a fresh interpreter imports the modules and looks at sys.modules).

- `followup.udfs`, the engine, imports no other `followup` package and no adapter library. One
  named exception: `udfs/excel.py`, the module xlwings' "UDF Modules" setting points at, may
  import xlwings — optionally, inside `try: … except ImportError`, so it imports without it.
- `followup.sync` imports nothing from `followup.addin` or `followup.templates`, except in its
  CLI package (`sync/cli/`, with the `followup gsheets` plug-in `cli/gsheets.py`): the plug-in loader names them as strings
  and the `followup gsheets appsscript` command renders Code.gs from `followup.addin.gsheets`.
- `followup.addin` and `followup.templates` import no project package but `followup.udfs`.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ADAPTERS = {"xlwings", "gspread", "python_calamine", "typer", "rich", "filelock"}
OTHER_PACKAGES = {"followup.sync", "followup.addin", "followup.templates"}
ENGINE_EXCEPTIONS = {("excel.py", "xlwings")}  # optional, guarded by `except ImportError`
SYNC_CLI = "cli/"  # the CLI package of followup.sync


def _imports(path: Path, package: str) -> list[tuple[str, ast.stmt, list[ast.AST]]]:
    """(absolute module name, the statement, its enclosing nodes) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out: list[tuple[str, ast.stmt, list[ast.AST]]] = []

    def walk(node: ast.AST, parents: list[ast.AST]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                out.extend((alias.name, child, parents) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - child.level + 1]
                    name = ".".join(base + ([child.module] if child.module else []))
                else:
                    name = child.module or ""
                out.append((name, child, parents))
            walk(child, parents + [child])

    walk(tree, [])
    return out


def _files(folder: str, package: str):
    """(path relative to the folder, the path, the module's package) of every .py file."""
    root = REPO / folder
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        yield rel.as_posix(), path, ".".join([package, *rel.parts[:-1]])


def _guarded(stmt: ast.stmt, parents: list[ast.AST]) -> bool:
    for node in reversed(parents):
        if (
            isinstance(node, ast.Try)
            and stmt in ast.walk(node)
            and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers
            )
        ):
            return True
    return False


def test_the_engine_imports_no_other_package_and_no_adapter_library_statically():
    bad, seen = [], 0
    for rel, path, package in _files("udfs", "followup.udfs"):
        for name, stmt, parents in _imports(path, package):
            seen += 1
            top = name.split(".")[0]
            if top in ADAPTERS:
                if (rel, top) in ENGINE_EXCEPTIONS and _guarded(stmt, parents):
                    continue
                bad.append(f"udfs/{rel}:{stmt.lineno} imports {name}")
            if any(name == p or name.startswith(p + ".") for p in OTHER_PACKAGES):
                bad.append(f"udfs/{rel}:{stmt.lineno} imports {name}")
    assert seen > 100 and not bad, bad


def test_the_only_adapter_import_of_the_engine_is_optional():
    hits = [
        (rel, stmt.lineno, _guarded(stmt, parents))
        for rel, path, package in _files("udfs", "followup.udfs")
        for name, stmt, parents in _imports(path, package)
        if name.split(".")[0] in ADAPTERS
    ]
    assert hits and all(rel == "excel.py" and guarded for rel, _, guarded in hits), hits


def test_sync_reaches_addin_and_templates_only_from_its_cli_statically():
    bad, cli_hits = [], []
    for rel, path, package in _files("sync", "followup.sync"):
        for name, stmt, _ in _imports(path, package):
            if any(name == p or name.startswith(p + ".") for p in ("followup.addin", "followup.templates")):
                if rel.startswith(SYNC_CLI):
                    cli_hits.append((rel, name))
                else:
                    bad.append(f"sync/{rel}:{stmt.lineno} imports {name}")
    assert not bad, bad
    assert cli_hits == [("cli/gsheets.py", "followup.addin.gsheets.make_appsscript")]  # `followup gsheets appsscript`
    plugins = (REPO / "sync" / "cli" / "entry.py").read_text(encoding="utf-8")
    from followup.sync.cli.entry import PLUGINS

    assert {"followup.templates.cli", "followup.addin.cli"} <= set(PLUGINS)  # loaded by name, in main()
    assert all(f'"{name}"' in plugins for name in PLUGINS)


def test_addin_and_templates_import_only_the_engine():
    """The add-in and the template builder sit on the engine alone (their CLI modules are plug-ins
    the sync's CLI loads by name; neither imports the sync nor the other)."""
    bad = []
    for folder, package in (("addin", "followup.addin"), ("workbook_templates", "followup.templates")):
        for rel, path, pkg in _files(folder, package):
            for name, stmt, _ in _imports(path, pkg):
                if name.startswith("followup.") and not name.startswith(("followup.udfs", package)):
                    bad.append(f"{folder}/{rel}:{stmt.lineno} imports {name}")
    assert not bad, bad


def _run(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


WALK = """
    import importlib, json, pkgutil, sys
    {block}
    import {package} as root
    names = sorted(m.name for m in pkgutil.walk_packages(root.__path__, root.__name__ + "."))
    skip = {skip!r}
    for name in names:
        if not any(name == s or name.startswith(s + ".") for s in skip):
            importlib.import_module(name)
    print(json.dumps({{"imported": names, "modules": sorted(sys.modules)}}))
"""


def _tops(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_importing_every_engine_module_loads_no_other_package_and_no_adapter():
    out = _run(WALK.format(block="", package="followup.udfs", skip=["followup.udfs.excel"]))
    assert "followup.udfs.table.walk" in out["imported"] and "followup.udfs.playbooks" in out["imported"]
    assert not _tops(out["modules"]) & ADAPTERS, _tops(out["modules"]) & ADAPTERS
    others = [m for m in out["modules"] if any(m == p or m.startswith(p + ".") for p in OTHER_PACKAGES)]
    assert not others, others


def test_every_engine_module_imports_with_the_adapters_absent():
    """With every adapter library made unimportable, all of followup.udfs still imports (the Excel
    wrappers fall back to no-op decorators)."""
    block = f"for name in {sorted(ADAPTERS)!r}:\n        sys.modules[name] = None"
    out = _run(WALK.format(block=block, package="followup.udfs", skip=[]))
    assert "followup.udfs.excel" in out["imported"] and "followup.udfs.excel" in out["modules"]
    others = [m for m in out["modules"] if any(m == p or m.startswith(p + ".") for p in OTHER_PACKAGES)]
    assert not others, others


def test_importing_every_non_cli_sync_module_loads_no_addin_or_templates():
    skip = ["followup.sync.cli"]  # the CLI package, plug-ins included
    out = _run(WALK.format(block="", package="followup.sync", skip=skip))
    assert "followup.sync.sources" in out["imported"] and "followup.sync.sources.gsheets.connector" in out["imported"]
    bad = [m for m in out["modules"] if m.startswith(("followup.addin", "followup.templates"))]
    assert not bad, bad
