"""Property: whatever argument list a user types, `followup` answers with a message and an exit
code of the documented set — never a traceback. Driven in-process through the real entry point
`main()` (the console script calls it); see tests/e2e/test_cli_errors.py for real subprocesses.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from followup.sync.cli import main
from followup.sync.errors import EXIT_CODES

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

COMMANDS = [
    [],
    ["sync"],
    ["today"],
    ["check-name"],
    ["demo"],
    ["templates"],
    ["gsheets"],
    ["gsheets", "init"],
    ["gsheets", "upload"],
    ["gsheets", "appsscript"],
    ["addin"],
    ["addin", "bogus"],
    ["faq"],
    ["history"],
    ["feedback-form"],
    ["sms", "export"],
    ["excuse"],
    ["nosuchcommand"],
]
VALUE_OPTIONS = [
    "--source",
    "-s",
    "--out",
    "-o",
    "--config",
    "-c",
    "--week",
    "--date",
    "-d",
    "--now",
    "--wait",
    "--lang",
    "--dir",
    "--playbook",
    "--title",
    "--folder",
    "--service-account",
    "--top",
    "--complaint",
    "--report",
    "--reason",
]
FLAGS = ["--help", "--version", "--bogus", "-x", "--", "-"]
TEXTS = [
    "",
    "47",
    "2026-W47",
    "2026-W99",
    "明天",
    "2026-11-24",
    "abc",
    "-1",
    "1e9",
    "nan",
    "zh",
    "en",
    "fr",
    "retail",
    "nope",
    "11月第3周客户回访记录单.xlsx",
    "'; rm -rf /",
    "13812345678",
    "\x00",
    "😀" * 3,
]


@pytest.fixture
def paths(tmp_path) -> dict[str, str]:
    (tmp_path / "file.txt").write_text("not a workbook, not a folder", encoding="utf-8")
    (tmp_path / "bad.toml").write_text("playbook = [oops\n", encoding="utf-8")
    (tmp_path / "dir").mkdir()
    (tmp_path / "stores").mkdir()
    (tmp_path / "stores" / "一店.xlsx").write_bytes((CORPUS / "01_good.xlsx").read_bytes())
    (tmp_path / "unreadable.toml").write_text('playbook = "optometry"\n', encoding="utf-8")
    return {
        "file": str(tmp_path / "file.txt"),
        "missing": str(tmp_path / "missing" / "x"),
        "dir": str(tmp_path / "dir"),
        "stores": str(tmp_path / "stores"),
        "toml": str(tmp_path / "bad.toml"),
        "workbook": str(tmp_path / "stores" / "一店.xlsx"),
        "unreadable": str(tmp_path / "unreadable.toml"),
        "below_file": str(tmp_path / "file.txt" / "reports"),
    }


def _argv(draw, paths: dict[str, str]) -> list[str]:
    argv = list(draw(st.sampled_from(COMMANDS)))
    token = st.one_of(
        st.tuples(
            st.sampled_from(VALUE_OPTIONS), st.one_of(st.sampled_from(TEXTS), st.sampled_from(sorted(paths.values())))
        ),
        st.tuples(st.sampled_from(VALUE_OPTIONS)),  # a value option with its value missing
        st.tuples(st.sampled_from(FLAGS)),
        st.tuples(st.sampled_from(TEXTS + sorted(paths.values()))),  # stray positional
    )
    for t in draw(st.lists(token, max_size=5)):
        argv.extend(t)
    return argv


@pytest.fixture
def unreadable(paths, monkeypatch):
    """As root chmod cannot make a file unreadable: reading `unreadable.toml` raises PermissionError."""
    real = Path.read_text
    target = Path(paths["unreadable"])

    def read_text(self, *a, **k):
        if Path(self) == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real(self, *a, **k)

    monkeypatch.setattr(Path, "read_text", read_text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_argument_list_gets_a_documented_exit_code(data, paths, unreadable, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    argv = _argv(data.draw, paths)
    if argv[:1] == ["demo"] and "--dir" not in argv:
        argv += ["--dir", paths["file"]]  # keep the examples fast: the demo itself is tested elsewhere
    if argv[:1] == ["templates"]:
        argv += ["--out", paths["below_file"]]  # likewise: fails at the first write
    code = main(argv)
    event(f"exit {code}")
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, (argv, out + err)
    assert code in EXIT_CODES, (argv, code, out + err)
    if code != 0:
        assert err.strip() or out.strip(), argv  # every failure says something


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_sync_and_today_with_any_paths(data, paths, unreadable, tmp_path, monkeypatch, capsys):
    """Well-formed command lines whose paths are files, folders, missing or unreadable."""
    monkeypatch.chdir(tmp_path)
    some_path = st.sampled_from(sorted(paths.values()))
    cmd = data.draw(st.sampled_from(["sync", "today"]))
    argv = [cmd]
    for p in data.draw(st.lists(some_path, min_size=0, max_size=2)):
        argv += ["--source", p]
    if data.draw(st.booleans()):
        argv += ["--config", data.draw(some_path)]
    if cmd == "sync":
        argv += ["--out", data.draw(st.one_of(some_path, st.just(str(tmp_path / "reports"))))]
        argv += data.draw(
            st.sampled_from([[], ["--week", "2026-W47"], ["--week", "47"], ["--now", "2026-11-23T10:00"]])
        )
    else:
        argv += data.draw(st.sampled_from([[], ["--date", "2026-11-24"], ["--date", "明天"]]))
    code = main(argv)
    event(f"exit {code}")
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, (argv, out + err)
    assert code in EXIT_CODES, (argv, code, out + err)
