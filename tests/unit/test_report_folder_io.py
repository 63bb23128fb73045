"""The report folder's file primitives (`reports.folder`) on real files, links and FIFOs: only
regular files within their bound are read, never through a link and never blocking on a FIFO;
set_aside renames the link itself; the lock is a regular file, exclusive with filelock's."""

from __future__ import annotations

import os
import subprocess
import sys

import filelock
import pytest

from followup.sync.reports.folder import FolderBusy, FolderLock, NotRegular, hash_regular, kind, read_regular, set_aside

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX links and FIFOs")


def test_only_regular_files_within_the_bound_are_read(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"12345")
    assert read_regular(f, 5) == b"12345"
    with pytest.raises(NotRegular, match="5 "):
        read_regular(f, 4)
    link = tmp_path / "link"
    link.symlink_to(f)
    with pytest.raises(NotRegular, match="符号链接"):
        read_regular(link, 100)
    assert hash_regular(link, 100) is None and hash_regular(tmp_path, 100) is None
    with pytest.raises(NotRegular):
        read_regular(tmp_path, 100)
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    assert hash_regular(zero, 1 << 30) is None


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code = (
        "import sys; from pathlib import Path\n"
        "from followup.sync.reports.folder import read_regular, hash_regular, NotRegular\n"
        "p = Path(sys.argv[1])\n"
        "assert hash_regular(p, 100) is None\n"
        "try:\n    read_regular(p, 100)\nexcept NotRegular as e:\n    print('refused', e)\n"
    )
    got = subprocess.run([sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=60)
    assert got.returncode == 0 and got.stdout.startswith("refused"), got.stderr
    assert kind(fifo) == "other"


def test_set_aside_renames_the_link_not_its_target(tmp_path):
    target = tmp_path / "target"
    target.mkdir()
    (target / "x").write_text("x")
    link = tmp_path / "2026"
    link.symlink_to(target, target_is_directory=True)
    aside = set_aside(link)
    assert kind(link) is None and kind(aside) == "link" and (target / "x").read_text() == "x"
    assert aside.name.startswith("2026.已隔离-")
    link.symlink_to(target, target_is_directory=True)
    assert set_aside(link) != aside  # a second one gets its own name
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("2026.")]) == 2


def test_the_lock_is_exclusive_with_filelock_and_never_follows_a_link(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    path = tmp_path / ".lock"
    path.symlink_to(victim)
    lock = FolderLock(path).acquire()
    try:
        assert victim.read_text() == "keep me" and kind(path) == "file"
        assert lock.notes and ".lock" in lock.notes[0]
        with pytest.raises(filelock.Timeout):
            filelock.FileLock(str(path), timeout=0).acquire()
        with pytest.raises(FolderBusy):
            FolderLock(path, timeout=0.2).acquire()
    finally:
        lock.release()
    with FolderLock(path):
        pass
