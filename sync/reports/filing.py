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

The folder is untrusted input (`folder`): the manifest is read only as a regular file, and every
entry is checked before any is acted on — a destination is an `.xlsx` file in the report folder
or a year folder (resolved path inside the report folder), a staged file a `NN.part` of the
staging folder that is a regular file matching its sha256. A manifest that fails sets the whole
staging folder aside (renamed `.followup-staging.已隔离-<time>`), untouched, with a message naming
it; the sync goes on. Year folders, the staging folder and destinations that are links (or a
folder where a file belongs) are set aside, never written through.

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
from pathlib import Path, PurePosixPath

from .folder import NotRegular, aside_note, ensure_real_dir, hash_regular, kind, read_regular, set_aside

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
    """The year folders (`2026/`) of a report folder, sorted: real folders only (a link named
    like a year is never followed)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    return sorted(p for p in out_dir.iterdir() if _YEAR.match(p.name) and kind(p) == "dir")


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


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
MANIFEST_MAX_BYTES = 1 << 20  # a manifest lists a handful of files
STAGED_MAX_BYTES = 1 << 30  # a staged file is hashed (in pieces) before it is moved in
_STAGED = re.compile(r"^\d{2,6}\.part$")
_SHA = re.compile(r"^[0-9a-f]{64}$")


def _write(path: Path, data: bytes) -> None:
    half = len(data) // 2
    with os.fdopen(os.open(path, _CREATE, 0o666), "wb") as fh:  # new (umask applies): nothing planted is followed
        fh.write(data[:half])
        fh.flush()
        checkpoint("bytes")
        fh.write(data[half:])
        fh.flush()
        os.fsync(fh.fileno())


def _clear_staging(out_dir: Path, notes: list[str]) -> Path:
    """A fresh, empty staging folder; whatever was there is removed (our own folder) or, when it
    is no real folder, set aside."""
    staging = out_dir / STAGING
    k = kind(staging)
    if k == "dir":
        shutil.rmtree(staging)  # never follows a link inside it
    elif k is not None:
        aside = set_aside(staging)
        notes.append(aside_note(staging, aside, k))
    staging.mkdir()
    return staging


def commit(out_dir: Path, outputs: list[Output]) -> list[str]:
    """File `outputs` as one set (see the module docstring). Call `recover` first, under the lock.
    Returns notes on anything found in the way and set aside (Chinese, then English)."""
    out_dir = Path(out_dir)
    notes: list[str] = []
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = _clear_staging(out_dir, notes)
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
    notes += _apply(out_dir, entries)
    return notes


def _dest(out_dir: Path, rel: str, notes: list[str], make: bool) -> Path | None:
    """The destination of an entry, its folder made a real folder (`make`; else None when it is
    none) and whatever non-file sits at its place set aside (so a rename never goes through a
    link, nor over a folder)."""
    parts = PurePosixPath(rel).parts
    if len(parts) == 1:
        folder = out_dir
    elif make:
        folder = ensure_real_dir(out_dir, parts[0], notes)
    elif kind(out_dir / parts[0]) == "dir":
        folder = out_dir / parts[0]
    else:
        return None
    dest = folder / parts[-1]
    k = kind(dest)
    if k in ("dir", "other"):
        aside = set_aside(dest)
        notes.append(aside_note(dest, aside, k))
    return dest


def _apply(out_dir: Path, entries: list[dict]) -> list[str]:
    """Move the staged files in and delete the removed ones; idempotent (a re-run after a crash
    finishes the job). Then drop the manifest and the staging folder. `entries` are checked
    (`_manifest`): destinations inside the report folder, staged files inside the staging folder."""
    staging = out_dir / STAGING
    notes: list[str] = []
    touched = set()
    for e in entries:
        src = staging / e["staged"] if e["staged"] else None
        dest = _dest(out_dir, e["dest"], notes, make=src is not None and kind(src) == "file")
        if dest is None:
            continue
        if src is not None:
            if kind(src) == "file":
                os.replace(src, dest)
                touched.add(dest.parent)
                checkpoint("moved")
        elif kind(dest) in ("file", "link"):
            dest.unlink()  # a link is removed itself, its target is untouched
            touched.add(dest.parent)
            checkpoint("deleted")
    for folder in touched:
        _fsync_dir(folder)
    (staging / MANIFEST).unlink()
    checkpoint("manifest removed")
    shutil.rmtree(staging, ignore_errors=True)
    return notes


class BadManifest(Exception):
    """The staging folder's manifest cannot be trusted; the message (Chinese, then English) says why."""


def _bad(entry, zh: str, en: str) -> BadManifest:
    shown = json.dumps(entry, ensure_ascii=False)[:200] if entry is not None else ""
    return BadManifest(f"{zh}{(': ' + shown) if shown else ''} ({en})")


def _check_dest(out_dir: Path, e: dict) -> None:
    dest = e.get("dest")
    if not isinstance(dest, str) or not dest or "\\" in dest or "\x00" in dest:
        raise _bad(e, "目标不是文件名", "the destination is not a file name")
    parts = PurePosixPath(dest).parts
    name = parts[-1] if parts else ""
    if (
        PurePosixPath(dest).is_absolute()
        or len(parts) not in (1, 2)
        or (len(parts) == 2 and not _YEAR.match(parts[0]))
        or name.startswith(".")
        or not name.lower().endswith(".xlsx")
        or len(name.encode("utf-8", "surrogateescape")) > 200
    ):
        raise _bad(
            e,
            "目标只能是报表文件夹或其年份文件夹中的 .xlsx 文件",
            "a destination may only be an .xlsx file in the report folder or one of its year folders",
        )
    root = out_dir.resolve()
    if not (out_dir / dest).resolve().is_relative_to(root):
        raise _bad(e, "目标指向报表文件夹之外", "the destination resolves outside the report folder")


def _check_staged(staging: Path, e: dict) -> None:
    staged, digest = e.get("staged"), e.get("sha256")
    if staged is None:
        if digest not in ("", None):
            raise _bad(e, "删除项不应带校验值", "a deletion carries no digest")
        return
    if not isinstance(staged, str) or not _STAGED.match(staged):
        raise _bad(e, "暂存项只能是暂存文件夹中的文件", "a staged entry may only name a file in the staging folder")
    if not isinstance(digest, str) or not _SHA.match(digest):
        raise _bad(e, "缺少有效的 sha256 校验值", "no valid sha256 digest")
    src = staging / staged
    if not src.resolve().is_relative_to(staging.resolve()):
        raise _bad(e, "暂存项指向暂存文件夹之外", "the staged file resolves outside the staging folder")
    k = kind(src)
    if k is None:
        return  # moved in already (a roll-forward continues where it stopped)
    if k != "file":
        raise _bad(e, "暂存项不是普通文件", "the staged entry is not a regular file")
    if hash_regular(src, STAGED_MAX_BYTES) != digest:
        raise _bad(e, "暂存文件的内容与校验值不符", "the staged file does not match its digest")


def _manifest(out_dir: Path, staging: Path) -> list[dict]:
    """The manifest's entries, every one checked before anything is done (BadManifest otherwise)."""
    try:
        data = json.loads(read_regular(staging / MANIFEST, MANIFEST_MAX_BYTES).decode("utf-8"))
    except NotRegular as e:
        raise BadManifest(f"清单文件不可用 (the manifest cannot be used): {e}") from None
    except (OSError, ValueError) as e:
        raise BadManifest(f"清单文件无法读取 (the manifest cannot be read): {type(e).__name__}") from None
    entries = data.get("files") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise _bad(None, "清单没有文件列表", "the manifest has no list of files")
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) - {"dest", "staged", "sha256"}:
            raise _bad(entry, "清单项格式不对", "a malformed manifest entry")
        _check_dest(out_dir, entry)
        _check_staged(staging, entry)
        key = PurePosixPath(entry["dest"]).as_posix().casefold()
        if key in seen:
            raise _bad(entry, "同一目标出现两次", "the same destination twice")
        seen.add(key)
    return entries


def recover(out_dir: Path) -> list[str]:
    """Finish (manifest present) or roll back (no manifest) an interrupted filing, delete stray
    temporary files; returns what was done, as messages (Chinese, then English).

    Nothing found is trusted (`folder`): a staging folder that is a link is set aside; a manifest
    that names anything but files of the staging folder and .xlsx destinations inside the report
    folder (checked on resolved paths, every entry before any is acted on) sets the whole staging
    folder aside, untouched, with a message naming it; the sync then goes on."""
    out_dir = Path(out_dir)
    notes: list[str] = []
    staging = out_dir / STAGING
    k = kind(staging)
    if k not in (None, "dir"):
        aside = set_aside(staging)
        notes.append(aside_note(staging, aside, k))
    elif k == "dir":
        has_manifest = kind(staging / MANIFEST) is not None
        try:
            entries = _manifest(out_dir, staging) if has_manifest else None
        except BadManifest as e:
            aside = set_aside(staging)
            notes.append(
                f"暂存文件夹 {staging} 中的归档清单不可信({e}),未按它移动或删除任何文件,"
                f"整个暂存文件夹已改名为 {aside.name} 留待检查 "
                f"(the filing manifest in the staging folder {staging} cannot be trusted; no file was moved or "
                f"deleted by it, and the whole staging folder was renamed to {aside.name} for inspection)"
            )
        else:
            if entries is not None:
                notes += _apply(out_dir, entries)
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
        if kind(folder) != "dir":
            continue
        for p in sorted(folder.glob(".*.tmp")):
            if kind(p) not in ("file", "link"):
                continue
            try:
                p.unlink()  # a link is removed itself, its target is untouched
            except OSError:
                continue
            notes.append(f"已删除中断留下的临时文件 (removed a temporary file left by a crash): {p.name}")
    return notes
