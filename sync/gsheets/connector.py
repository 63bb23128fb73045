"""How Google Sheets plugs into `run_sync`: a source reader and a write-back step.

    from followup.sync.gsheets.connector import install
    install()        # register_source(read_gsheets): run_sync now reads config.sources.gsheets

`read_gsheets(config)` reads every configured spreadsheet (incrementally) and keeps the
connector for `write_back(result, config)`, which writes each spreadsheet's computed block
from `result.tables` (store name → followup_table) after the pipeline computed them.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Callable

from followup.sync.model import ReadResult

from .client import client_for
from .source import GSheetsSource
from .state import STATE_FILE
from .writeback import WriteResult

__all__ = ["read_gsheets", "write_back", "install", "CLIENT_FACTORY", "last_source"]

# Tests and the bench swap this for a client of the loopback fake.
CLIENT_FACTORY: list[Callable[[Any], Any]] = [lambda config: client_for(config)]
_LAST: dict[int, GSheetsSource] = {}
_LOCK = threading.Lock()


def _state_path(config) -> Path:
    """The cache holds customer rows (phones too), so it stays out of the report folder, which is
    a shared place: per user, in FOLLOWUP_STATE_DIR or the platform's local state folder, one file
    per report folder."""
    base = os.environ.get("FOLLOWUP_STATE_DIR") or os.environ.get("LOCALAPPDATA") or \
        os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    digest = hashlib.sha256(str(Path(config.report_dir).resolve()).encode()).hexdigest()[:16]
    return Path(base) / "followup" / f"{Path(STATE_FILE).stem.lstrip('.')}-{digest}.json"


def read_gsheets(config, now=None) -> ReadResult:
    """The source reader for `register_source`: nothing configured → an empty ReadResult."""
    keys = list(getattr(config.sources, "gsheets", []) or [])
    if not keys:
        return ReadResult()
    from .errors import GSheetsError
    from followup.sync.model import Rejection
    try:
        client = CLIENT_FACTORY[0](config)
    except GSheetsError as e:
        return ReadResult(rejections=[Rejection("Google Sheets", "", None, None, None, str(e))])
    source = GSheetsSource(client, keys, state=_state_path(config), playbook=config.playbook,
                           now=None if now is None else now.replace(tzinfo=None))
    result = source.read()
    with _LOCK:
        _LAST[id(config)] = source
    return result


def last_source(config) -> GSheetsSource | None:
    with _LOCK:
        return _LAST.get(id(config))


def write_back(result, config) -> WriteResult:
    """After `compute_tables`: write the computed columns back; problems join the result's list."""
    with _LOCK:
        source = _LAST.pop(id(config), None)
    if source is None:
        return WriteResult()
    out = source.write_back(result.tables)
    extra = getattr(result, "extra_rejections", None)
    if extra is not None:
        extra.extend(out.rejections)
    return out


def install() -> None:
    """Register the reader with the pipeline (idempotent)."""
    from followup.sync.pipeline import register_source, register_writer

    register_source(read_gsheets)
    register_writer(write_back)
