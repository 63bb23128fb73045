"""The engine's caches are bounded and see edited files: a user's playbook is read again after it
changes (path, size and modification time are its key), and the compiled tables of table mode
keep the last few playbooks only."""

from __future__ import annotations

import os

from followup.udfs.playbook import get_playbook, load_playbook
from followup.udfs.table import compiled

PLAYBOOK = """\
name = "mine"
title = "我的方案"
extends = "optometry"

[classes.A]
title = "{title}"
"""


def test_an_edited_user_playbook_is_read_again(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(PLAYBOOK.format(title="甲类客户"), encoding="utf-8")
    first = get_playbook(str(path))
    assert first.classes["A"].title == "甲类客户"
    assert get_playbook(str(path)) is first  # unchanged: cached
    path.write_text(PLAYBOOK.format(title="甲类老客户"), encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a later save, even within one tick
    again = get_playbook(str(path))
    assert again.classes["A"].title == "甲类老客户" and again is not first
    assert get_playbook("optometry") is get_playbook("optometry")  # built-ins: cached by name


def test_compiled_tables_keep_the_last_playbooks_only():
    books = [load_playbook("retail") for _ in range(compiled._CACHE_SIZE * 2)]  # distinct objects
    tables = [compiled.compile_playbook(pb) for pb in books]
    assert len(compiled._CACHE) == compiled._CACHE_SIZE
    assert compiled.compile_playbook(books[-1]) is tables[-1]  # the newest are still cached
    assert compiled.compile_playbook(books[0]) is not tables[0]  # the oldest were dropped, rebuilt
    assert len(compiled._CACHE) == compiled._CACHE_SIZE
