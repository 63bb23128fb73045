"""Hostile report folders (issue 20): what a colleague with write access to the shared report
folder can plant there — manifests naming files outside, links for year folders, the staging
folder, the ledger, the lock and aside copies, FIFOs, a far-cell or zip-bomb ledger, malformed
manifest entries — against the real `followup sync` in a subprocess with a timeout (a FIFO or
/dev/zero would hang it). Real files, real symbolic links, real FIFOs.

Done when, for every case: the sync finishes (exit 0, or 1 for the store's rejected rows); not one
file outside the report folder is read into it, moved, written or deleted (the outside folder is
byte- and mode-identical, nothing new in it); no regular file in the report folder holds an outside
file's bytes; the planted thing is named in the output; the week's reports are filed in a real
year folder."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from followup.sync.config import Config
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.pipeline import run_sync
from followup.sync.reports import LEDGER_NAME, Ledger
from followup.sync.reports.filing import MANIFEST, STAGING

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX links and FIFOs")

NOW = dt.datetime(2026, 11, 23, 9, 30)
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
NAMES = ["11月第3周客户回访记录单.xlsx", "11月第3周礼品回访记录单.xlsx", "11月客户回访汇总表.xlsx"]
SECRET = b"secret: the team lead's private notes 13812345678\n"


def _store(folder: Path) -> Path:
    sheets = store_sheets("一店", 1, "2", n_customers=15, call_days=WEEK, calls_per_day=4, n_gifts=3, seed=7)
    return write_store_workbook(folder / "一店.xlsx", sheets)


def _snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder` without following links: kind, mode, bytes' digest or link target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                out[p.relative_to(folder).as_posix()] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[p.relative_to(folder).as_posix()] = ("file", st.st_mode, hashlib.sha256(p.read_bytes()).digest())
            else:
                out[p.relative_to(folder).as_posix()] = ("other", st.st_mode)
    return out


def _regular_digests(folder: Path) -> set[bytes]:
    return {
        hashlib.sha256((Path(d) / n).read_bytes()).digest()
        for d, _, files in os.walk(folder)
        for n in files
        if stat.S_ISREG((Path(d) / n).lstat().st_mode)
    }


@pytest.fixture()
def world(tmp_path: Path):
    """(report folder filed once, outside folder with a 0600 secret and a private workbook)."""
    _store(tmp_path / "stores")
    cfg = Config.default(sources=[tmp_path / "stores"], out=tmp_path / "reports")
    run_sync(cfg, NOW, who="小刘")
    outside = tmp_path / "outside"
    (outside / "2026").mkdir(parents=True)
    secret = outside / "secret.txt"
    secret.write_bytes(SECRET)
    secret.chmod(0o600)
    wb = openpyxl.Workbook()
    wb.active.append(["工资", "13812345678"])
    wb.save(outside / "private.xlsx")
    (outside / "2026" / "victim.xlsx").write_bytes(b"a file outside")
    (outside / "2026" / ".keep.abc.tmp").write_bytes(b"not a crash leftover of ours")
    return tmp_path / "reports", outside, tmp_path


def _manifest(out: Path, entries, raw: bytes | None = None) -> None:
    staging = out / STAGING
    staging.mkdir(exist_ok=True)
    data = raw if raw is not None else json.dumps({"version": 1, "files": entries}).encode()
    (staging / MANIFEST).write_bytes(data)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _year_link(out: Path, outside: Path) -> str:
    real = out / "2026"
    for p in real.iterdir():
        p.unlink()
    real.rmdir()
    real.symlink_to(outside / "2026", target_is_directory=True)
    return "2026"


def _far_cell_ledger(out: Path, outside: Path) -> str:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "提交记录"
    ws.append(["提交人", "报表", "期间", "提交时间", "截止时间"])
    ws["XFD1048576"] = "x"
    (out / LEDGER_NAME).unlink()
    wb.save(out / LEDGER_NAME)
    return "XFD1048576"


def _bomb_ledger(out: Path, outside: Path) -> str:
    (out / LEDGER_NAME).unlink()
    with zipfile.ZipFile(out / LEDGER_NAME, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="提交记录" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", b"<worksheet><sheetData>" + b"<row/>" * 6_000_000 + b"</sheetData>")
    return "压缩"


def _fifo(path: Path) -> None:
    if path.exists() or path.is_symlink():
        path.unlink()
    os.mkfifo(path)


# Each case plants something and returns a text the output must contain (naming what was found).
CASES: dict[str, Callable[[Path, Path], str]] = {
    "manifest_absolute_staged": lambda out, o: (
        _manifest(out, [{"dest": "leak.xlsx", "staged": str(o / "secret.txt"), "sha256": _sha(SECRET)}]),
        STAGING,
    )[1],
    "manifest_dotdot_staged": lambda out, o: (
        _manifest(out, [{"dest": "2026/leak.xlsx", "staged": "../../outside/secret.txt", "sha256": _sha(SECRET)}]),
        STAGING,
    )[1],
    "manifest_dest_outside": lambda out, o: (
        _manifest(out, [{"dest": "../outside/planted.xlsx", "staged": "00.part", "sha256": _sha(b"x")}]),
        (out / STAGING / "00.part").write_bytes(b"x"),
        STAGING,
    )[2],
    "manifest_delete_through_year_link": lambda out, o: (
        _year_link(out, o),
        _manifest(out, [{"dest": "2026/victim.xlsx", "staged": None, "sha256": ""}]),
        STAGING,
    )[2],
    "manifest_staged_is_a_number": lambda out, o: (
        _manifest(out, [{"dest": "2026/x.xlsx", "staged": 5, "sha256": ""}]),
        STAGING,
    )[1],
    "manifest_dest_is_a_year_folder": lambda out, o: (
        _manifest(out, [{"dest": "2026", "staged": None, "sha256": ""}]),
        STAGING,
    )[1],
    "manifest_not_json": lambda out, o: (_manifest(out, None, raw=b"\x00{not json"), STAGING)[1],
    "manifest_files_not_a_list": lambda out, o: (_manifest(out, None, raw=b'{"files": 5}'), STAGING)[1],
    "manifest_is_a_fifo": lambda out, o: ((out / STAGING).mkdir(), _fifo(out / STAGING / MANIFEST), STAGING)[2],
    "manifest_is_a_link": lambda out, o: (
        (out / STAGING).mkdir(),
        (out / STAGING / MANIFEST).symlink_to(o / "secret.txt"),
        STAGING,
    )[2],
    "staged_file_is_a_link": lambda out, o: (
        _manifest(out, [{"dest": "2026/leak.xlsx", "staged": "00.part", "sha256": _sha(SECRET)}]),
        (out / STAGING / "00.part").symlink_to(o / "secret.txt"),
        STAGING,
    )[2],
    "staged_digest_mismatch": lambda out, o: (
        _manifest(out, [{"dest": "2026/" + NAMES[0], "staged": "00.part", "sha256": _sha(b"other")}]),
        (out / STAGING / "00.part").write_bytes(b"planted report"),
        STAGING,
    )[2],
    "staging_folder_is_a_link": lambda out, o: (
        (o / "stage").mkdir(),
        (o / "stage" / MANIFEST).write_text(
            json.dumps({"files": [{"dest": "leak.xlsx", "staged": "../secret.txt", "sha256": _sha(SECRET)}]})
        ),
        (out / STAGING).symlink_to(o / "stage", target_is_directory=True),
        STAGING,
    )[3],
    "year_folder_is_a_link": lambda out, o: _year_link(out, o),
    "flat_report_through_year_link": lambda out, o: (
        _year_link(out, o),
        openpyxl.Workbook().save(out / "11月第1周客户回访记录单.xlsx"),  # a flat report of 2026
        "2026",
    )[2],
    "ledger_is_a_link": lambda out, o: (
        (out / LEDGER_NAME).unlink(),
        (out / LEDGER_NAME).symlink_to(o / "private.xlsx"),
        LEDGER_NAME,
    )[2],
    "ledger_is_a_fifo": lambda out, o: (_fifo(out / LEDGER_NAME), LEDGER_NAME)[1],
    "ledger_far_cell": _far_cell_ledger,
    "ledger_zip_bomb": _bomb_ledger,
    "aside_copy_is_dev_zero": lambda out, o: (
        (out / LEDGER_NAME).write_bytes(b"damaged"),
        (out / "提交记录.损坏-20260101-000000.xlsx").symlink_to("/dev/zero"),
        LEDGER_NAME,
    )[2],
    "report_is_dev_zero_on_rebuild": lambda out, o: (
        (out / LEDGER_NAME).write_bytes(b"damaged"),
        (out / "2026" / "11月第2周客户回访记录单.xlsx").symlink_to("/dev/zero"),
        LEDGER_NAME,
    )[2],
    "lock_is_a_link": lambda out, o: (
        (out / ".followup-sync.lock").unlink(missing_ok=True),
        (out / ".followup-sync.lock").symlink_to(o / "secret.txt"),
        ".followup-sync.lock",
    )[2],
    "lock_is_a_fifo": lambda out, o: (_fifo(out / ".followup-sync.lock"), ".followup-sync.lock")[1],
    "error_list_is_a_folder": lambda out, o: (
        (out / "错误清单.xlsx").unlink(),
        (out / "错误清单.xlsx").mkdir(),
        (out / "错误清单.xlsx" / "keep.txt").write_text("x"),
        "错误清单.xlsx",
    )[3],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_report_folder(world, case):
    out, outside, tmp = world
    token = CASES[case](out, outside)
    before = _snapshot(outside)
    outside_bytes = _regular_digests(outside)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "followup.sync.cli",
            "sync",
            "--source",
            str(tmp / "stores"),
            "--out",
            str(out),
            "--now",
            "2026-11-23T14:00",
        ],
        capture_output=True,
        text=True,
        cwd=tmp,
        env={**os.environ, "FOLLOWUP_USER": "小刘", "COLUMNS": "200"},
        timeout=180,
    )
    said = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), said
    assert "Traceback" not in said
    assert _snapshot(outside) == before  # nothing outside read into, moved, written or deleted
    assert not (_regular_digests(out) & outside_bytes)  # no outside file's bytes in the report folder
    assert not (out / STAGING).exists()
    assert (out / "2026").is_dir() and not (out / "2026").is_symlink()
    for name in NAMES:
        assert stat.S_ISREG((out / "2026" / name).lstat().st_mode)
    assert stat.S_ISREG((out / LEDGER_NAME).lstat().st_mode)
    assert Ledger(out / LEDGER_NAME).damaged is None
    if case.startswith(("ledger_", "aside_", "report_is")):
        errors = openpyxl.load_workbook(out / "错误清单.xlsx", read_only=True)
        text = " ".join(str(c) for ws in errors.worksheets for row in ws.iter_rows(values_only=True) for c in row)
        assert "提交记录已损坏" in text and token in text + said, text[:2000]
    else:
        assert token in said, said


def test_bad_manifest_is_set_aside_untouched_and_named(world):
    """The staging folder with an untrusted manifest is renamed aside as it is (for inspection),
    the message names it and the staging folder, and the next sync files normally."""
    out, outside, tmp = world
    _manifest(out, [{"dest": "2026/x.xlsx", "staged": 5, "sha256": ""}])
    cfg = Config.default(sources=[tmp / "stores"], out=out)
    res = run_sync(cfg, NOW, who="小刘")
    asides = [p for p in out.iterdir() if p.name.startswith(STAGING + ".已隔离-")]
    assert len(asides) == 1 and (asides[0] / MANIFEST).is_file()
    note = next(n for n in res.notices if "manifest" in n)
    assert str(out / STAGING) in note and asides[0].name in note and '"staged": 5' in note
    assert run_sync(cfg, NOW, who="小刘").notices == []  # nothing left to recover


def test_genuine_interrupted_set_still_rolls_forward(world):
    """The checks never refuse what commit writes: a real manifest half applied is finished."""
    from followup.sync.reports.filing import Output, commit, recover

    out, _, _ = world
    import followup.sync.reports.filing as filing

    def crash(step=""):
        if step == "moved":
            raise KeyboardInterrupt

    orig, filing.checkpoint = filing.checkpoint, crash
    try:
        with pytest.raises(KeyboardInterrupt):
            commit(out, [Output("2026/" + NAMES[0], b"new weekly"), Output("2027/" + NAMES[1], b"new gift")])
    finally:
        filing.checkpoint = orig
    notes = recover(out)
    assert (out / "2027" / NAMES[1]).read_bytes() == b"new gift" and not (out / STAGING).exists()
    assert not any("已隔离" in n for n in notes)


def _excuse(out: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", "excuse", "--report", "weekly", "--week", "2026-W48"]
        + ["--reason", "门店盘点", "--out", str(out), "--now", "2026-11-25T10:00", "--who", "小刘"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_excuse_keeps_a_damaged_ledger_aside(world):
    """`excuse` on a damaged ledger: the file is copied aside and the ledger rebuilt from the
    reports on disk with the excuse added — never replaced by an excuse-only ledger."""
    out, _, tmp = world
    damaged = b"PK\x03\x04 truncated ledger"
    (out / LEDGER_NAME).write_bytes(damaged)
    proc = _excuse(out, tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    copies = sorted(out.glob("提交记录.损坏-*.xlsx"))
    assert [c.read_bytes() for c in copies] == [damaged]
    led = Ledger(out / LEDGER_NAME)
    assert sorted(r.report for r in led.rows) == sorted(NAMES)  # rebuilt from the reports on disk
    assert [e.report for e in led.excuses] == ["11月第4周客户回访记录单.xlsx"]
    assert "提交记录已损坏" in proc.stdout + proc.stderr


def test_excuse_recovers_an_interrupted_filing_first(world):
    """After a sync died between its commit and its moves, `excuse` finishes that filing first,
    so the excuse is written into the new ledger and no later roll-forward overwrites it."""
    from followup.sync.reports.filing import Output, commit

    out, _, tmp = world
    import followup.sync.reports.filing as filing

    new_ledger = Ledger(out / LEDGER_NAME)
    new_ledger.rows = new_ledger.rows[:1]  # the interrupted set's ledger: recognisably different
    data = new_ledger.to_bytes()

    def crash(step=""):
        if step == "committed":
            raise KeyboardInterrupt

    orig, filing.checkpoint = filing.checkpoint, crash
    try:
        with pytest.raises(KeyboardInterrupt):
            commit(out, [Output(LEDGER_NAME, data)])
    finally:
        filing.checkpoint = orig
    assert (out / STAGING / MANIFEST).is_file()
    proc = _excuse(out, tmp)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (out / STAGING).exists()
    led = Ledger(out / LEDGER_NAME)
    assert len(led.rows) == 1 and [e.reason for e in led.excuses] == ["门店盘点"]
    cfg = Config.default(sources=[tmp / "stores"], out=out)
    run_sync(cfg, NOW, who="小刘")
    assert [e.reason for e in Ledger(out / LEDGER_NAME).excuses] == ["门店盘点"]
