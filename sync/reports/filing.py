"""Filing a run's outputs as one set: staged, committed by a manifest, then moved in (SPEC §3.6, §3.7).

Layout of the report folder:

    <report folder>/<year>/11月第3周客户回访记录单.xlsx   the reports: exact names, one folder per year
    <report folder>/提交记录.xlsx                          the ledger (one, with a 年份/year column)
    <report folder>/错误清单.xlsx                          the rejected rows of the latest run
    <report folder>/.followup-staging/                    a set being filed (gone when the run ends)

The year of a report is the year of the month in its name (the month that holds the week's
Thursday): 2026-12-28…2027-01-03 is `12月第5周` and goes to `2026/`, 2027-01-04… to `2027/`.

How a set is filed (`commit`): every output is written in full (fsync) into the staging folder
— inside the report folder, so every move is a rename on one file system — then a manifest
listing each destination and its sha256 is written and renamed into place: that rename is the
commit point. Then each staged file is moved over its destination (`os.replace`) and files the
set removes (a stale 错误清单.xlsx) are deleted; last the manifest and the staging folder go.

Recovery rule (`recover`, run under the lock before anything else): a staging folder *with* a
manifest is rolled forward (the remaining moves and deletions are done; each step is
idempotent), a staging folder *without* one is rolled back (deleted: nothing had been moved
yet, so the previous set is intact). Stray `.*.tmp` files of an interrupted atomic write are
deleted. So after a crash at any moment and the next run's recovery, the folder holds either
the complete previous set or the complete new one.

Checkpoints: `commit` and `recover` call the module function `checkpoint(step)` between every
two file-system steps and in the middle of each staged file's bytes. It does nothing; it is the
seam a fault-injection test replaces (`tests/integration/test_filing_kill.py` swaps in a function
that SIGKILLs the process at the n-th call, in a forked child or through `tests/kill_entry.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Output", "commit", "recover", "STAGING", "MANIFEST", "year_dirs", "checkpoint"]

STAGING = ".followup-staging"
MANIFEST = "manifest.json"
_YEAR = re.compile(r"^\d{4}$")


def checkpoint(step: str = "") -> None:
    """Between two file-system steps of a filing (`step` names the one just done): nothing.
    Looked up as a module global at each call, so a test may replace it (see the docstring)."""


@dataclass(frozen=True)
class Output:
    """One file of a set: `rel` is its path under the report folder ("2026/…xlsx");
    `data` None means the set removes that file."""

    rel: str
    data: bytes | None

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else ""


def year_dirs(out_dir: Path) -> list[Path]:
    """The year folders (`2026/`) of a report folder, sorted."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    return sorted(p for p in out_dir.iterdir() if p.is_dir() and _YEAR.match(p.name))


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    half = len(data) // 2
    with open(path, "wb") as fh:
        fh.write(data[:half])
        fh.flush()
        checkpoint("bytes")
        fh.write(data[half:])
        fh.flush()
        os.fsync(fh.fileno())


def commit(out_dir: Path, outputs: list[Output]) -> None:
    """File `outputs` as one set (see the module docstring). Call `recover` first, under the lock."""
    out_dir = Path(out_dir)
    staging = out_dir / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    checkpoint("staging")
    entries = []
    for i, o in enumerate(outputs):
        staged = None
        if o.data is not None:
            staged = f"{i:02d}.part"
            _write(staging / staged, o.data)
            checkpoint("staged")
        entries.append({"dest": o.rel, "staged": staged, "sha256": o.digest})
    tmp = staging / (MANIFEST + ".tmp")
    _write(tmp, json.dumps({"version": 1, "files": entries}, ensure_ascii=False, indent=1).encode("utf-8"))
    _fsync_dir(staging)
    checkpoint("manifest written")
    os.replace(tmp, staging / MANIFEST)  # the commit point
    _fsync_dir(staging)
    checkpoint("committed")
    _apply(out_dir, entries)


def _apply(out_dir: Path, entries: list[dict]) -> None:
    """Move the staged files in and delete the removed ones; idempotent (a re-run after a crash
    finishes the job). Then drop the manifest and the staging folder."""
    staging = out_dir / STAGING
    touched = set()
    for e in entries:
        dest = out_dir / e["dest"]
        if e["staged"]:
            src = staging / e["staged"]
            if src.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dest)
                touched.add(dest.parent)
                checkpoint("moved")
        elif dest.exists():
            dest.unlink()
            touched.add(dest.parent)
            checkpoint("deleted")
    for folder in touched:
        _fsync_dir(folder)
    (staging / MANIFEST).unlink()
    checkpoint("manifest removed")
    shutil.rmtree(staging, ignore_errors=True)


def _manifest(staging: Path) -> list[dict] | None:
    try:
        data = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
        entries = data["files"]
        for e in entries:  # paths stay inside the report folder
            if Path(e["dest"]).is_absolute() or ".." in Path(e["dest"]).parts:
                return None
        return entries
    except (OSError, ValueError, KeyError, TypeError):
        return None


def recover(out_dir: Path) -> list[str]:
    """Finish (manifest present) or roll back (no manifest) an interrupted filing, delete stray
    temporary files; returns what was done, as messages (Chinese, then English)."""
    out_dir = Path(out_dir)
    notes: list[str] = []
    staging = out_dir / STAGING
    if staging.is_dir():
        entries = _manifest(staging) if (staging / MANIFEST).is_file() else None
        if entries is not None:
            _apply(out_dir, entries)
            notes.append(
                "上次同步在归档途中中断,已完成那一组报表的归档 "
                "(the previous sync was interrupted while filing; its report set was completed)"
            )
        else:
            shutil.rmtree(staging, ignore_errors=True)
            notes.append(
                "上次同步在归档前中断,未完成的文件已删除,原有报表未改动 "
                "(the previous sync was interrupted before filing; its partial files were removed, "
                "the filed reports are unchanged)"
            )
    for folder in [out_dir] + year_dirs(out_dir):
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob(".*.tmp")):
            try:
                p.unlink()
            except OSError:
                continue
            notes.append(f"已删除中断留下的临时文件 (removed a temporary file left by a crash): {p.name}")
    return notes
