"""SIGKILL at random moments of a sync never leaves a mixed report set.

Setup: a report folder holding a good set ("old": three reports, the ledger and an error list,
filed from source A), and source B whose set ("new") differs in every file, charges a late fine
and removes the error list. Each round copies the old folder and runs the sync over it from
source B in a child process that dies by SIGKILL:

- at a chosen checkpoint: the child replaces `followup.sync.reports.filing.checkpoint` (a no-op
  seam called between every two file-system steps of a filing and in the middle of each staged
  file's bytes) by one that kills the process at its n-th call (`fakes/kill_at.install`); n is
  drawn at random among all the checkpoints a run passes (counted first);
- or after a random delay, killed from outside by the test (`os.kill`);
- every fifth round is killed a second time at one of the first checkpoints of the next run
  (inside its recovery).

The children are forked from the test process (everything already imported: ~0.2 s a round);
three more rounds run the real command line in a fresh interpreter through
`tests/fakes/kill_at.py N sync …` (the `followup` command with the hook installed first).
After each kill the folder is recovered as the next run does first (`filing.recover`) and must
hold exactly the old set or exactly the new set (sha256 of every file, temp and staging files
included, so none may be left); then a normal run must give exactly the new set.
The seed is `FOLLOWUP_KILL_SEED` (printed on failure).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakes import kill_at

import followup.sync.reports.filing as filing
from followup.sync.config import Config
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.pipeline import LOCK_NAME, run_sync
from followup.sync.reports import LEDGER_NAME, Ledger

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL") or sys.platform == "win32", reason="needs SIGKILL and fork"),
    # Python >= 3.12 warns when a multi-threaded process forks; the forked children here only run
    # the sync and exit (os._exit), never touching a lock another thread of the test process held.
    pytest.mark.filterwarnings("ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"),
]

OLD_NOW = dt.datetime(2026, 11, 23, 9, 30)
NEW_NOW = dt.datetime(2026, 11, 23, 14, 0)  # after the deadline: the new set charges a fine
WEEK = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]
SEED = int(os.environ.get("FOLLOWUP_KILL_SEED", "20261123"))
HOOK_ROUNDS, TIMED_ROUNDS, CLI_ROUNDS = 24, 8, 3


def _cfg(src: Path, out: Path) -> Config:
    return Config.default(sources=[src], out=out)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


class Sets:
    def __init__(self, base: Path):
        self.base = base
        self.src_a, self.src_b = base / "a", base / "b"
        for src, seed, bad in ((self.src_a, 7, True), (self.src_b, 8, False)):
            sheets = store_sheets(
                "一店", 1, "2", n_customers=12, call_days=WEEK, calls_per_day=4, n_gifts=3, seed=seed, bad_rows=bad
            )
            write_store_workbook(src / "一店.xlsx", sheets)
        self.old_dir = base / "old"
        run_sync(_cfg(self.src_a, self.old_dir), OLD_NOW, who="小刘")
        self.old = snapshot(self.old_dir)
        new_dir = base / "new"
        shutil.copytree(self.old_dir, new_dir)
        steps = []
        orig = filing.checkpoint
        filing.checkpoint = lambda step="": steps.append(step)
        try:
            started = time.perf_counter()
            res = run_sync(_cfg(self.src_b, new_dir), NEW_NOW, who="小刘")
            self.duration = time.perf_counter() - started
        finally:
            filing.checkpoint = orig
        self.steps = len(steps)
        self.new = snapshot(new_dir)
        assert any(f.penalty for f in res.filings)
        for name in ("old", "new"):  # each set is consistent: the ledger's digests are its reports'
            folder = base / name
            for r in Ledger(folder / LEDGER_NAME).rows:
                assert r.digest == hashlib.sha256((folder / str(r.year) / r.report).read_bytes()).hexdigest()

    def round_dir(self, i: int) -> Path:
        out = self.base / f"round{i:02d}"
        shutil.copytree(self.old_dir, out)
        return out


@pytest.fixture(scope="module")
def sets(tmp_path_factory) -> Sets:
    s = Sets(tmp_path_factory.mktemp("kill"))
    assert set(s.old) != set(s.new) or s.old != s.new
    assert all(s.old.get(k) != v for k, v in s.new.items())  # every file of the new set differs
    assert "错误清单.xlsx" in s.old and "错误清单.xlsx" not in s.new
    assert s.steps >= 10
    return s


def _child(src: str, out: str, point: int) -> None:
    """Forked: run the sync; the hook kills this process at checkpoint `point` (0: never)."""
    if point:
        kill_at.install(point)
    try:
        run_sync(_cfg(Path(src), Path(out)), NEW_NOW, who="小刘")
    except BaseException:  # noqa: BLE001 - reported through the exit code
        os._exit(3)
    os._exit(0)


def _fork(sets: Sets, out: Path, point: int = 0) -> multiprocessing.Process:
    p = multiprocessing.get_context("fork").Process(target=_child, args=(str(sets.src_b), str(out), point))
    p.start()
    return p


def _check(sets: Sets, out: Path, what: str) -> str:
    filing.recover(out)
    got = snapshot(out)
    assert got in (sets.old, sets.new), f"{what}: mixed set (seed {SEED}): " + ", ".join(
        f"{k}={'old' if sets.old.get(k) == v else 'new' if sets.new.get(k) == v else 'other'}"
        for k, v in sorted(got.items())
    )
    state = "old" if got == sets.old else "new"
    run_sync(_cfg(sets.src_b, out), NEW_NOW, who="小刘")  # the next normal run files the new set
    assert snapshot(out) == sets.new, f"{what}: the run after recovery (seed {SEED})"
    return state


def test_sigkill_at_random_points_leaves_old_or_new_set(sets):
    rng = random.Random(SEED)
    points = rng.sample(range(1, sets.steps + 1), min(HOOK_ROUNDS, sets.steps))
    points += [rng.randint(1, sets.steps) for _ in range(HOOK_ROUNDS - len(points))]
    outcomes = []
    for i, point in enumerate(points):
        out = sets.round_dir(i)
        p = _fork(sets, out, point)
        p.join(60)
        assert p.exitcode == -signal.SIGKILL, f"checkpoint {point}: exit {p.exitcode}"
        if i % 5 == 4:  # killed again, early in the next run (its recovery)
            again = _fork(sets, out, rng.randint(1, 3))
            again.join(60)
            assert again.exitcode in (-signal.SIGKILL, 0)
        outcomes.append(_check(sets, out, f"checkpoint {point}/{sets.steps}"))
    for j in range(TIMED_ROUNDS):
        out = sets.round_dir(HOOK_ROUNDS + j)
        p = _fork(sets, out)
        time.sleep(rng.uniform(0, sets.duration * 1.3))
        if p.is_alive():
            os.kill(p.pid, signal.SIGKILL)
        p.join(60)
        outcomes.append(_check(sets, out, f"timed kill {j}"))
    assert len(outcomes) >= 30
    assert {"old", "new"} <= set(outcomes)  # kills landed both before and after the commit point


def test_sigkill_through_the_command_line(sets):
    rng = random.Random(SEED + 1)
    for i in range(CLI_ROUNDS):
        out = sets.round_dir(100 + i)
        point = rng.randint(1, sets.steps)
        env = {**os.environ, "FOLLOWUP_USER": "小刘", "FOLLOWUP_WORKERS": "1"}
        proc = subprocess.run(
            [
                sys.executable,
                kill_at.__file__,
                str(point),
                "sync",
                "--source",
                str(sets.src_b),
                "--out",
                str(out),
                "--now",
                NEW_NOW.isoformat(),
            ],
            env=env,
            capture_output=True,
            timeout=120,
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr.decode(errors="replace")
        _check(sets, out, f"command line, checkpoint {point}")
