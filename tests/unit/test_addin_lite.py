"""addin/lite/main.py (pasted into xlwings Lite) exposes exactly followup.udfs.excel's functions."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from followup.addin import cli, lite_files
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
    assert not any(line.startswith("followup==") for line in lines)  # no index serves it: a URL to change
    assert [line for line in lines if line.startswith("https://")] == [
        lite_files.PLACEHOLDER_URL.format(version=lite_files.version())
    ]
    names = {line.split("==")[0].split(">")[0].lower() for line in lines if not line.startswith("http")}
    assert {"holidays", "python-dateutil", "pydantic", "pandas", "phonenumbers"} <= names
    # compiled packages Pyodide does not ship, and xlwings PRO/Server, stay out
    assert not names & {"python-calamine", "pywin32", "xlwings-server", "xlwings[pro]"}


def test_shipped_requirements_are_the_generated_placeholder():
    """addin/lite/requirements.txt = requirements_text() (python -m followup.addin.lite_files): it
    names what to change (a placeholder URL with the wheel `make wheel` builds), not a version."""
    shipped = (LITE / "requirements.txt").read_text(encoding="utf-8")
    assert shipped == lite_files.requirements_text()
    assert "CHANGE" in shipped and "followup addin lite --wheel-url" in shipped


def _pkgs(text: str) -> list[str]:
    return [line for line in text.splitlines() if line and not line.startswith(("#", "-", "http"))]


def test_addin_lite_writes_the_pair_for_a_hosted_wheel(tmp_path):
    url = f"https://files.example.org/releases/followup-{lite_files.version()}-py3-none-any.whl"
    result = CliRunner().invoke(cli.app, ["lite", "--wheel-url", url, "--out", str(tmp_path / "lite")])
    assert result.exit_code == 0, result.output
    req = (tmp_path / "lite" / "requirements.txt").read_text(encoding="utf-8")
    assert url in req.splitlines() and "CHANGE" not in req and "followup==" not in req
    assert _pkgs(req) == _pkgs(lite_files.requirements_text())  # the same engine packages
    assert (tmp_path / "lite" / "main.py").read_text(encoding="utf-8") == (LITE / "main.py").read_text(encoding="utf-8")


def test_addin_lite_writes_the_pair_for_an_index(tmp_path):
    result = CliRunner().invoke(
        cli.app, ["lite", "--index-url", "https://pypi.example.org/simple", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert lines.index("--index-url https://pypi.example.org/simple") < lines.index(f"followup=={lite_files.version()}")
    assert not any(line.startswith("https://") for line in lines)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--wheel-url", "http://files.example.org/followup-0.1.0-py3-none-any.whl"], "https"),
        (["--wheel-url", "https://files.example.org/other-1.0-py3-none-any.whl"], "followup-<version>"),
        (["--index-url", "ftp://x"], "https"),
        (["--wheel-url", "https://a/followup-0.1.0-py3-none-any.whl", "--index-url", "https://b/simple"], "either"),
        ([], "--wheel-url"),
    ],
)
def test_addin_lite_refuses_what_lite_cannot_fetch(tmp_path, args, said):
    result = CliRunner().invoke(cli.app, ["lite", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and said in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
