"""`followup addin install`: xlwings add-in + UDF Modules on Windows/macOS, help elsewhere."""

from __future__ import annotations

import sys

from followup.addin.install import UDF_MODULE, install, update_user_config, user_config_path
from followup.sync.cli import main as cli_main


def test_linux_prints_what_it_needs_and_fails(capsys):
    assert install(platform="linux", out=print) == 2
    text = capsys.readouterr().out
    assert "Windows" in text and "xlwings Lite" in text and "UDF Modules" in text


def test_cli_on_this_machine():
    if not sys.platform.startswith(("win", "darwin")):
        assert cli_main(["addin", "install"]) == 2


def test_windows_runs_xlwings_and_writes_the_udf_module(tmp_path):
    calls = []
    conf = user_config_path("win32", tmp_path)
    conf.parent.mkdir(parents=True)
    conf.write_text('"INTERPRETER_WIN","C:\\\\py\\\\python.exe"\n"UDF MODULES","old"\n', encoding="utf-8")
    code = install(platform="win32", home=tmp_path, run=lambda cmd: calls.append(list(cmd)) or 0, out=lambda *a: None)
    assert code == 0
    assert [c[-2:] for c in calls] == [["addin", "install"], ["config", "create"]]
    assert all(c[1:3] == ["-m", "xlwings.cli"] for c in calls)
    lines = conf.read_text(encoding="utf-8").splitlines()
    assert lines == ['"INTERPRETER_WIN","C:\\\\py\\\\python.exe"', f'"UDF MODULES","{UDF_MODULE}"']


def test_macos_config_location_and_failure_is_reported(tmp_path):
    assert user_config_path("darwin", tmp_path).parts[-4:] == (
        "Containers",
        "com.microsoft.Excel",
        "Data",
        "xlwings.conf",
    )
    msgs = []
    assert install(platform="darwin", home=tmp_path, run=lambda cmd: 3, out=msgs.append) == 3
    assert "failed" in msgs[-1]


def test_update_user_config_creates_the_file(tmp_path):
    p = update_user_config(tmp_path / "x" / "xlwings.conf", {"UDF Modules": UDF_MODULE})
    assert p.read_text(encoding="utf-8") == f'"UDF MODULES","{UDF_MODULE}"\n'
