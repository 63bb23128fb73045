"""A reader crash costs one file, never the run; worker processes end with the sync (issue 20
items 2 and 9).

- `workers.run` on toy functions: an abort, an exit and a hang each become that item's `Crash`,
  the other items' results come back in order, the worker is replaced.
- A real workbook that makes python-calamine abort (the far cell at XFD1048576 with the guard's
  cell limit lifted: calamine asks for ~512 GB and aborts) among good ones, read with one worker
  and with two: that file is a located rejection, every other file is read and filed.
- A real `followup sync` in a subprocess, stopped by SIGTERM or SIGINT while its workers read:
  no worker process is left behind.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from followup.sync.sources.excel import read_sources
from followup.sync.sources.excel.guard import ReadLimits
from followup.sync.sources.excel.workers import Crash, run

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
NOW = dt.datetime(2026, 11, 20, 10, 0)


def _toy(kind: str, value: int) -> int:
    if kind == "abort":
        os.abort()
    if kind == "exit":
        os._exit(3)
    if kind == "hang":
        time.sleep(60)
    return value * 2


@pytest.mark.parametrize("threads", [False, True], ids=["fork", "with a thread alive: forkserver"])
def test_a_crashed_or_stuck_worker_costs_only_its_item(threads):
    items = [("ok", 1), ("abort", 2), ("ok", 3), ("exit", 4), ("hang", 5), ("ok", 6), ("ok", 7)]
    done: list[int] = []
    stop = threading.Event()
    if threads:  # e.g. a live progress bar: forking a process with threads is unsafe
        threading.Thread(target=stop.wait, daemon=True).start()
    for workers in (1, 3):
        done.clear()
        got = run(_toy, items, workers, done.append, timeout=2.0)
        assert got[0] == 2 and got[2] == 6 and got[5] == 12 and got[6] == 14
        assert got[1] == Crash(exitcode=-signal.SIGABRT, signal="SIGABRT")
        assert got[3] == Crash(exitcode=3)
        assert got[4] == Crash(timeout=True)
        assert sorted(done) == list(range(len(items)))
    stop.set()
    assert run(_toy, [], 2) == []


def _good_copies(folder: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        p = folder / f"店{i}.xlsx"
        shutil.copy(CORPUS / "01_good.xlsx", p)
        out.append(p)
    return out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_reader_abort_is_that_files_rejection_and_the_others_are_read(tmp_path, monkeypatch, workers):
    monkeypatch.setenv("FOLLOWUP_WORKERS", workers)
    bomb = tmp_path / "坏.xlsx"
    shutil.copy(CORPUS / "41_far_cell_xfd1048576.xlsx", bomb)
    goods = _good_copies(tmp_path, 4)
    lifted = ReadLimits(max_cells=10**13)  # the guard lets it through: calamine itself aborts
    res = read_sources([tmp_path], now=NOW, limits=lifted)
    assert sorted(s.origin for s in res.stores) == sorted(map(str, goods))
    (r,) = res.rejections
    assert r.file == str(bomb) and r.fatal and r.row is None
    assert "SIGABRT" in r.message and "other files were read" in r.message


def _children(pid: int) -> set[int]:
    out = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.add(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(scope="module")
def big_stores(tmp_path_factory) -> Path:
    """Six workbooks big enough that reading them takes a while (two workers)."""
    from followup.sync.demo import store_sheets, write_store_workbook

    folder = tmp_path_factory.mktemp("big") / "stores"
    days = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
    for i in range(6):
        sheets = store_sheets(f"{i}店", i, "1", n_customers=6000, call_days=days, calls_per_day=600, n_gifts=50, seed=i)
        write_store_workbook(folder / f"{i}店.xlsx", sheets)
    return folder


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_workers_end_with_a_sync_stopped_by_a_signal(big_stores, tmp_path, sig):
    env = {**os.environ, "FOLLOWUP_WORKERS": "2"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "followup.sync.cli", "sync", "--source", str(big_stores), "--out", str(tmp_path / "r")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers |= _children(proc.pid)
        time.sleep(0.01)
    assert len(workers) >= 2, "the sync never started its workers"
    proc.send_signal(sig)  # to the sync's process only, as `kill` does
    _, err = proc.communicate(timeout=60)
    end = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < end:
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    assert not left, f"worker processes left after {sig.name}: {left}"
    assert proc.returncode == 128 + sig and b"Traceback" not in err, (proc.returncode, err.decode(errors="replace"))


HOSTILE = [
    "41_far_cell_xfd1048576.xlsx",
    "61_prefixed_far_cell.xlsx",
    "63_ods_renamed.xlsx",
    "64_libreoffice.ods",
    "65_xlsb_renamed.xlsx",
    "66_xls_dimensions_bomb.xls",
    "67_xls_far_cell.xls",
    "68_xls_header_bomb.xls",
    "69_duplicate_parts.xlsx",
    "72_playbook_path_in_a_cell.xlsx",
]


def test_a_sync_over_every_hostile_family_files_the_good_stores_and_names_each_file(tmp_path):
    """The real command over a folder of the corpus's hostile files and good stores: the run
    ends (exit 1: rows rejected), the reports are filed, and every hostile file is named."""
    stores = tmp_path / "stores"
    stores.mkdir()
    for name in HOSTILE:
        shutil.copy(CORPUS / name, stores / name)
    _good_copies(stores, 3)
    proc = subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", "sync", "--source", str(stores), "--out", str(tmp_path / "r")]
        + ["--week", "2026-W41", "--now", "2026-10-12T09:30", "--lang", "en"],
        env={**os.environ, "FOLLOWUP_WORKERS": "2", "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (tmp_path / "r" / "错误清单.xlsx").exists() and list((tmp_path / "r").rglob("*回访记录单.xlsx"))
    said = proc.stdout + proc.stderr
    assert all(name in said for name in HOSTILE), [n for n in HOSTILE if n not in said]
    assert "Traceback" not in said
