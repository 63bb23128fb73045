"""The `followup` entry point: every mistake or machine fault is one message and a documented exit
code, never a traceback — through the real entry point, in-process and in real subprocesses.

Tests run as root, where chmod cannot make a folder unwritable or a file unreadable: those
faults are injected as the PermissionError / OSError(ENOSPC) the OS would raise.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from followup.sync.cli import app, main
from followup.sync.errors import FILESYSTEM, INTERNAL, USAGE

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PLACEHOLDER = re.compile(r"<(bool|str|int|float|path|file|dir|list\[[^\]]*\]|[a-z_]+\[[^\]]*\])>", re.I)


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("followup")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "followup.sync.cli"]


def run(args: list[str], cwd: Path, env: dict | None = None, prefix: list[str] | None = None):
    proc = subprocess.run(
        (prefix or _cli()) + args,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def stores(tmp_path) -> Path:
    d = tmp_path / "stores"
    d.mkdir()
    (d / "一店.xlsx").write_bytes((CORPUS / "01_good.xlsx").read_bytes())
    return d


# --- the list: in-process through main(), a few through a real subprocess ---------------


@pytest.mark.parametrize(
    "args, code",
    [
        (["--version"], 0),
        ([], USAGE),  # bare `followup`: the help
        (["check-name"], USAGE),  # missing argument
        (["sync", "--bogus"], USAGE),  # unknown option
        (["sync", "--week"], USAGE),  # option without its value
        (["sync", "--wait", "abc"], USAGE),  # wrong type
        (["gsheets"], USAGE),
        (["gsheets", "init", "--title", "x"], USAGE),  # no service-account key: a config error
    ],
)
def test_usage_mistakes_give_a_message_not_a_traceback(args, code, capsys):
    rc = main(args)
    out = "".join(capsys.readouterr())
    assert rc == code, out
    assert "Traceback" not in out
    assert out.strip()


def test_usage_mistakes_in_a_real_process(tmp_path):
    for args, code in ((["--version"], 0), (["sync", "--week"], USAGE), ([], USAGE)):
        rc, out = run(args, tmp_path)
        assert rc == code and "Traceback" not in out and out.strip(), (args, out)


def test_version_is_the_installed_one(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"followup {version('followup')}"


def test_usage_message_is_bilingual(capsys):
    assert main(["sync", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "没有这个选项" in err and "No such option: --bogus" in err and "--help" in err
    assert main(["sync", "--week"]) == 2
    err = capsys.readouterr().err
    assert "--week" in err and "requires an argument" in err


def test_render_help_and_bad_arguments(tmp_path):
    prefix = [sys.executable, "-m", "followup.templates.render"]
    rc, out = run(["--help"], tmp_path, prefix=prefix)
    assert rc == 0 and "用法 / usage" in out and "Traceback" not in out
    rc, out = run(["--out"], tmp_path, prefix=prefix)
    assert rc == 2 and "Traceback" not in out
    rc, out = run(["missing.xlsx", "--out", str(tmp_path)], tmp_path, prefix=prefix)
    assert rc == 4 and "missing.xlsx" in out and "Traceback" not in out


@pytest.mark.parametrize(
    "args, zh, en",
    [
        (["sync", "--week", "47"], "应为 ISO 周", "expected an ISO week"),
        (["today", "--date", "明天"], "应为日期", "expected a date"),
    ],
)
def test_bad_value_says_each_language_once(args, zh, en, stores, capsys):
    assert main(args + ["--source", str(stores)]) == 2
    err = capsys.readouterr().err
    assert err.count(zh) == 1 and err.count(en) == 1, err


# --- file-system faults → 4 with the path and the fix ---------------------------------------


def test_out_pointing_at_a_file(stores, tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("not a folder", encoding="utf-8")
    rc, out = run(["sync", "--source", str(stores), "--out", str(target)], tmp_path)
    assert rc == FILESYSTEM, out
    assert str(target) in out and "--out" in out and "Traceback" not in out


def test_out_below_a_file(stores, tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("not a folder", encoding="utf-8")
    rc, out = run(["sync", "--source", str(stores), "--out", str(target / "reports")], tmp_path)
    assert rc == FILESYSTEM and str(target) in out and "Traceback" not in out, out


def test_planted_lock_symlink_is_set_aside_and_its_target_untouched(stores, tmp_path):
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    (out_dir / ".followup-sync.lock").symlink_to(victim)
    rc, out = run(["sync", "--source", str(stores), "--out", str(out_dir)], tmp_path)
    assert rc in (0, 1), out  # the sync goes on (1: rows were rejected)
    assert ".followup-sync.lock" in out and "符号链接" in out and "symbolic link" in out
    assert "Traceback" not in out
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not (out_dir / ".followup-sync.lock").is_symlink()
    assert [p for p in out_dir.iterdir() if p.is_symlink()][0].resolve() == victim.resolve()  # renamed aside
    assert list(out_dir.glob("*/*.xlsx"))


# A fault injected at the OS layer of a real `followup` process (root ignores chmod):
# "readonly" refuses every write, create or mkdir inside the report folder as a read-only
# folder would (EACCES); "enospc" fails every fsync with ENOSPC as a full disk does.
_INJECT = """
import builtins, errno, io, os, sys
kind, out = os.environ["FOLLOWUP_TEST_FAULT"], os.path.realpath(os.environ["FOLLOWUP_TEST_OUT"])
def inside(p):
    try:
        p = os.path.realpath(os.fsdecode(os.fspath(p)))
    except TypeError:
        return False
    return p == out or p.startswith(out + os.sep)
def refuse(p):
    raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(os.fspath(p)))
real_os_open, real_open, real_mkdir, real_fsync = os.open, builtins.open, os.mkdir, os.fsync
def os_open(p, flags, *a, **k):
    if kind == "readonly" and inside(p) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
        refuse(p)
    return real_os_open(p, flags, *a, **k)
def open_(f, mode="r", *a, **k):
    if kind == "readonly" and not isinstance(f, int) and inside(f) and any(c in mode for c in "wax+"):
        refuse(f)
    return real_open(f, mode, *a, **k)
def mkdir(p, *a, **k):
    if kind == "readonly" and inside(p) and os.path.realpath(os.fspath(p)) != out:
        refuse(p)
    return real_mkdir(p, *a, **k)
def fsync(fd):
    if kind == "enospc":
        raise OSError(errno.ENOSPC, "No space left on device")
    return real_fsync(fd)
os.open, builtins.open, io.open, os.mkdir, os.fsync = os_open, open_, open_, mkdir, fsync
from followup.sync.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    "fault, zh, en",
    [
        ("readonly", "没有权限", "permission denied"),
        ("enospc", "磁盘已满", "disk full"),
    ],
)
def test_write_faults_in_a_real_process(fault, zh, en, stores, tmp_path):
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    rc, out = run(
        ["sync", "--source", str(stores), "--out", str(out_dir)],
        tmp_path,
        env={"FOLLOWUP_TEST_FAULT": fault, "FOLLOWUP_TEST_OUT": str(out_dir)},
        prefix=[sys.executable, "-c", _INJECT],
    )
    assert rc == FILESYSTEM, out
    assert zh in out and en in out and str(out_dir) in out and "--out" in out
    assert "Traceback" not in out
    assert not list(out_dir.rglob("*.xlsx"))  # nothing half-filed
    assert not list(out_dir.rglob("*.part"))  # the staged files are cleared now, not at the next run


def test_unreadable_config_is_a_clear_error(tmp_path, monkeypatch, capsys):
    cfg = tmp_path / "followup.toml"
    cfg.write_text('playbook = "optometry"\n', encoding="utf-8")
    real = Path.read_text

    def read_text(self, *a, **k):
        if self == cfg:
            raise PermissionError(errno.EACCES, "Permission denied", str(cfg))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", read_text)
    code = main(["sync", "--config", str(cfg)])
    err = capsys.readouterr().err
    assert code in (USAGE, FILESYSTEM) and str(cfg) in err and "Traceback" not in err


def test_a_bug_is_one_line_and_code_70(stores, tmp_path, monkeypatch, capsys):
    import followup.sync.pipeline as pipeline

    def boom(*a, **k):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "run_sync", boom)
    assert main(["sync", "--source", str(stores), "--out", str(tmp_path / "r")]) == INTERNAL
    err = capsys.readouterr().err
    assert "内部错误" in err and "internal error ZeroDivisionError" in err and "Traceback" not in err


def test_lock_held_is_3(stores, tmp_path, capsys):
    import filelock

    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    with filelock.FileLock(str(out_dir / ".followup-sync.lock")):
        assert main(["sync", "--source", str(stores), "--out", str(out_dir)]) == 3
    assert str(out_dir) in capsys.readouterr().err


def test_gsheets_bad_key_file_is_a_config_error(tmp_path, capsys):
    key = tmp_path / "sa.json"
    key.write_text("{not json", encoding="utf-8")
    assert main(["gsheets", "init", "--title", "x", "--service-account", str(key)]) == USAGE
    err = capsys.readouterr().err
    assert "服务账号" in err and "service-account" in err and str(key) not in err


# --- help ------------------------------------------------------------------------------------


def _command_paths() -> list[list[str]]:
    import typer.main

    from followup.sync.cli import load_plugins
    from followup.sync.cli.help import polish

    load_plugins()
    polish(app)
    paths: list[list[str]] = []

    def walk(cmd, prefix):
        paths.append(prefix)
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, prefix + [name])

    walk(typer.main.get_command(app), [])
    return paths


def test_help_of_every_command_is_bilingual_without_type_placeholders(capsys):
    paths = _command_paths()
    assert ["gsheets", "upload"] in paths and ["sync"] in paths and ["addin", "vba"] in paths
    for path in paths:
        assert main(path + ["--help"]) == 0, path
        out = capsys.readouterr().out
        assert not PLACEHOLDER.search(out), (path, PLACEHOLDER.search(out).group(0), out)
        flat = re.sub(r"[\s│]+", "", out)  # help text wraps inside the panels
        assert "显示本帮助并退出" in flat and "showthishelpandexit" in flat, path
        assert re.search(r"[\u4e00-\u9fff]", out) and re.search(r"[a-z]{4}", out), path


# --- progress --------------------------------------------------------------------------------


def test_plain_progress_names_each_workbook_when_piped(tmp_path):
    d = tmp_path / "stores"
    d.mkdir()
    names = [f"店{i}.xlsx" for i in range(5)]
    for n in names:
        (d / n).write_bytes((CORPUS / "01_good.xlsx").read_bytes())
    rc, out = run(["sync", "--source", str(d), "--out", str(tmp_path / "r")], tmp_path, env={"FOLLOWUP_WORKERS": "2"})
    assert rc in (0, 1), out
    lines = [ln for ln in out.splitlines() if "已读取工作簿" in ln]
    assert len(lines) == 5 and {ln.rsplit(": ", 1)[1] for ln in lines} == set(names)
    assert [ln.split()[-2] for ln in lines] == [f"{i}/5:" for i in range(1, 6)]
    for step in ("计算回访计划与配额", "归档周回访记录单", "归档礼品回访记录单", "归档月度汇总表", "更新提交记录"):
        assert step in out
