"""addin/lite/main.py (pasted into xlwings Lite) exposes exactly followup.udfs.excel's functions."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

from followup.udfs import excel

LITE = Path(__file__).resolve().parents[2] / "addin" / "lite"
EXCEL_NAMES = {n for n in excel.__all__ if n.isupper()}


def test_main_imports_and_its_functions_are_the_excel_ones():
    ns = runpy.run_path(str(LITE / "main.py"), run_name="main")
    names = {k for k in ns if k.isupper() and callable(ns[k])}
    assert names == EXCEL_NAMES
    for name in names:
        assert ns[name] is getattr(excel, name)
    assert set(ns["__all__"]) == EXCEL_NAMES


def test_main_is_standalone():
    """Pasted into an editor: no relative imports, nothing but followup.udfs.excel."""
    tree = ast.parse((LITE / "main.py").read_text(encoding="utf-8"))
    mods = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert mods == {"followup.udfs.excel"}
    assert all(n.level == 0 for n in ast.walk(tree) if isinstance(n, ast.ImportFrom))


def test_requirements_are_pyodide_friendly():
    lines = [
        line.strip()
        for line in (LITE / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert any(line.startswith("followup==") for line in lines)
    names = {line.split("==")[0].split(">")[0].lower() for line in lines if not line.startswith("http")}
    assert {"holidays", "python-dateutil", "pydantic", "pandas", "phonenumbers"} <= names
    # compiled packages Pyodide does not ship, and xlwings PRO/Server, stay out
    assert not names & {"python-calamine", "pywin32", "xlwings-server", "xlwings[pro]"}
