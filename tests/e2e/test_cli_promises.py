"""The README's promises about the command line, in real processes where the promise is about a
process (signals, encodings, pipes): every probe gets a documented exit code and a message naming
its cause, never a traceback.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import filelock
import pytest
from rich.cells import cell_len

from followup.sync.cli import main
from followup.sync.demo import run_demo
from followup.sync.errors import FILESYSTEM, INTERRUPTED, LOCKED, NOTHING_READ, PIPE_CLOSED, REJECTED, TERMINATED, USAGE
from followup.sync.pipeline import LOCK_NAME

NOW = "2026-11-25T09:30"


def _cli() -> list[str]:
    exe = Path(sys.executable).with_name("followup")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "followup.sync.cli"]


def _run(args, cwd, env=None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        _cli() + list(args),
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=180,
        env={**os.environ, **(env or {})},
        **kw,
    )


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> Path:
    """The demo's three store workbooks (with their deliberately bad rows)."""
    base = tmp_path_factory.mktemp("promises")
    run_demo(base / "demo")
    return base / "demo" / "stores"


# --- signals ------------------------------------------------------------------------------------


def _interrupt(stores: Path, out: Path, sig: int, after_line: str, delay: float) -> tuple[int, str]:
    """Start a sync, wait until stderr shows `after_line` plus `delay` seconds, send `sig`;
    returns the exit code and stderr (stdout, the summary, is only checked for tracebacks)."""
    proc = subprocess.Popen(
        _cli() + ["sync", "--source", str(stores), "--out", str(out), "--now", NOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if after_line in line:
            break
    time.sleep(delay)
    proc.send_signal(sig)
    out_text, err_text = proc.communicate(timeout=120)
    assert "Traceback" not in out_text
    return proc.returncode, "".join(seen) + err_text


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, INTERRUPTED), (signal.SIGTERM, TERMINATED)])
def test_a_signal_says_what_state_the_reports_are_in_and_it_is_true(sig, code, stores, tmp_path):
    """Whenever the signal lands, the one line it prints matches the report folder: 'nothing
    was filed' → no report on disk, 'filed' → the whole set on disk; never a staging folder."""
    rng = random.Random(int(sig))
    for i in range(6):
        out = tmp_path / f"r{i}"
        rc, text = _interrupt(stores, out, sig, "读取工作簿", rng.uniform(0.0, 1.5))
        assert "Traceback" not in text, text
        weekly = list(out.glob("*/*客户回访记录单.xlsx")) if out.exists() else []
        assert not (out / ".followup-staging").exists()
        if rc == code:
            last = text.strip().splitlines()[-1]  # stderr's last line (a signal in the summary: stdout goes on)
            assert ("Ctrl-C" if sig == signal.SIGINT else "SIGTERM") in last
            if "未写入任何报表" in last:
                assert "nothing was filed" in last and not weekly
            else:
                assert "已完整归档" in last and "were filed" in last and weekly
        else:  # the run finished before the signal: its normal code (the demo has rejected rows)
            assert rc == REJECTED and weekly, (rc, text)


def test_ctrl_c_during_the_read_stops_at_once(stores, tmp_path):
    started = time.monotonic()
    rc, text = _interrupt(stores, tmp_path / "r", signal.SIGINT, "读取工作簿", 0.0)
    assert rc == INTERRUPTED and "未写入任何报表" in text
    assert time.monotonic() - started < 30
    assert not (tmp_path / "r").exists()  # the read comes before the report folder is touched


# --- output that cannot fail a run --------------------------------------------------------------


@pytest.mark.parametrize("env", [{"PYTHONIOENCODING": "ascii"}, {"LC_ALL": "C", "LANG": "C"}])
def test_a_non_utf8_locale_files_the_reports_and_exits_with_the_runs_code(env, stores, tmp_path):
    proc = _run(["sync", "--source", str(stores), "--out", str(tmp_path / "r"), "--now", NOW], tmp_path, env)
    assert proc.returncode == REJECTED, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr and "internal error" not in proc.stderr
    assert list((tmp_path / "r").glob("*/*客户回访记录单.xlsx"))


def test_a_closed_pipe_ends_quietly_with_141(tmp_path):
    proc = subprocess.Popen(_cli() + ["--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first byte (`| head -0`)
    with proc.stderr:  # closed here: an open pipe is a ResourceWarning, an error in this suite
        err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == PIPE_CLOSED and err == ""


def test_a_closed_pipe_does_not_stop_the_filing(stores, tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen(
        _cli() + ["sync", "--source", str(stores), "--out", str(out), "--now", NOW],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    proc.stdout.close()
    assert proc.wait(timeout=120) == REJECTED  # the run's own code: 141 stands in for 0 only
    assert list(out.glob("*/*客户回访记录单.xlsx")) and (out / "提交记录.xlsx").is_file()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_named_as_stdout(tmp_path):
    with open("/dev/full", "w") as full:
        proc = subprocess.run(_cli() + ["--help"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == FILESYSTEM
    assert "标准输出" in proc.stderr and "standard output" in proc.stderr and "--out" not in proc.stderr


# --- values checked -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--lang", "fr"], "'fr'"),
        (["--lang", "13900000017"], "zh"),
        (["--wait", "-5"], "--wait"),
        (["--week", "1999-W01"], "max_past_weeks"),
        (["--week", "2016-W47"], "--force"),
    ],
)
def test_sync_values_are_checked(args, words, stores, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["sync", "--source", str(stores), "--out", str(out), "--now", NOW, *args]) == USAGE
    err = capsys.readouterr().err
    assert words in err and "13900000017" not in err
    assert not out.exists()


def test_a_bad_lang_in_the_environment_is_named(stores, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_LANG", "xx")
    assert main(["check-name", "11月第3周客户回访记录单.xlsx"]) == USAGE
    assert "FOLLOWUP_LANG" in capsys.readouterr().err


@pytest.mark.parametrize("top", ["0", "-5", "51"])
def test_faq_top_is_checked(top, stores, capsys):
    assert main(["faq", "头晕", "--source", str(stores), "--top", top]) == USAGE


def test_an_old_week_is_filed_with_force(stores, tmp_path):
    out = tmp_path / "r"
    args = ["sync", "--source", str(stores), "--out", str(out), "--now", NOW, "--week", "2026-W01", "--force"]
    assert main(args) == REJECTED
    assert list((out / "2026").glob("1月第1周*"))


# --- one exit-code rule -------------------------------------------------------------------------


def test_rows_rejected_is_1_for_every_command_that_reads_them(stores, tmp_path):
    day = ["--now", NOW]
    for args in (
        ["sync", "--source", str(stores), "--out", str(tmp_path / "r"), *day],
        ["today", "--source", str(stores), "--date", "2026-11-24"],
        ["sms", "export", "--source", str(stores), "--date", "2026-11-24", "--out", str(tmp_path / "sms")],
        ["history", "K0100003", "--source", str(stores)],
        ["demo", "--dir", str(tmp_path / "demo"), *day],
    ):
        assert main(args) == REJECTED, args


# --- messages -----------------------------------------------------------------------------------


def test_config_mistakes_name_the_cause(tmp_path, capsys):
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "dup.toml").write_text(
        '[[stores]]\nname = "一店"\ngroup = "1"\n[[stores]]\nname = "一店"\ngroup = "1"\n', encoding="utf-8"
    )
    assert main(["sync", "-c", str(tmp_path / "empty.toml")]) == NOTHING_READ
    assert "[sources]" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()  # an exit-5 run creates nothing
    assert main(["sync", "-c", str(tmp_path / "folder.toml")]) == USAGE
    err = capsys.readouterr().err
    assert "文件夹" in err and "is a folder" in err and "UTF-8" not in err
    assert main(["sync", "-c", str(tmp_path / "dup.toml")]) == USAGE
    err = capsys.readouterr().err
    assert "一店" in err and "PosixPath" not in err and "{" not in err


@pytest.mark.parametrize("command", [["faq", "头晕"], ["history", "C1"], ["feedback-form", "--complaint", "T1"]])
def test_a_missing_source_is_named_as_missing(command, tmp_path, capsys):
    assert main([*command, "--source", str(tmp_path / "nowhere")]) == NOTHING_READ
    err = capsys.readouterr().err
    assert "nowhere" in err and "source not found" in err and "归档" not in err


def test_a_missing_service_account_names_the_option(tmp_path, capsys):
    report = tmp_path / "11月第3周客户回访记录单.xlsx"
    report.write_bytes(b"")
    code = main(["gsheets", "upload", str(report), "--folder", "x", "--service-account", str(tmp_path / "sa.json")])
    assert code == USAGE
    assert "--service-account" in capsys.readouterr().err


def test_wait_says_it_is_waiting(stores, tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    with filelock.FileLock(str(out / LOCK_NAME)):
        proc = _run(["sync", "--source", str(stores), "--out", str(out), "--wait", "1", "--now", NOW], tmp_path)
    assert proc.returncode == LOCKED
    assert "最多等待 1 秒" in proc.stderr


def test_the_week_header_has_both_ends(stores, tmp_path, capsys):
    main(["sync", "--source", str(stores), "--out", str(tmp_path / "r"), "--now", NOW])
    assert re.search(r"同步周: 11月第3周 \(2026-11-16 ~ 2026-11-22\)", capsys.readouterr().out)


def test_addin_without_its_extra_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "xlwings", None)  # as if `followup[addin]` were not installed
    for name in [m for m in sys.modules if m.startswith("followup.addin.make_vba")]:
        monkeypatch.delitem(sys.modules, name)
    assert main(["addin", "vba", "--check"]) == USAGE
    assert "followup[addin]" in capsys.readouterr().err


def test_help_fits_80_columns_without_cutting_words():
    commands = [
        [],
        ["sync"],
        ["today"],
        ["check-name"],
        ["demo"],
        ["excuse"],
        ["calendar"],
        ["templates"],
        ["faq"],
        ["history"],
        ["feedback-form"],
        ["sms", "export"],
        ["addin", "vba"],
        ["addin", "lite"],
        ["gsheets", "init"],
        ["gsheets", "upload"],
        ["gsheets", "appsscript"],
    ]
    for args in commands:
        proc = _run([*args, "--help"], Path.cwd(), {"COLUMNS": "80"})
        assert proc.returncode == 0, args
        lines = proc.stdout.splitlines()
        assert all(cell_len(line) <= 80 for line in lines), args
        assert "…" not in proc.stdout, (args, [line for line in lines if "…" in line])


def test_the_day_list_console_shows_channels_and_flags_apart(stores, capsys):
    assert main(["today", "--source", str(stores), "--date", "2026-11-24"]) == REJECTED
    out = capsys.readouterr().out
    assert "方式" in out and "标记" in out and "号码无效" in out
    for line in out.splitlines():  # a table row: its first cell is the channel, nothing else
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if len(cells) >= 8 and cells[0] and cells[0] not in ("方式",):  # the task tables (not the hard cases')
            assert cells[0] in ("电话", "短信", "到店"), line
