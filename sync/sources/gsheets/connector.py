"""Google Sheets as a `followup.sync.sources.Source` of `run_sync`: read, then write back.

The only way a sync reads and writes Google Sheets (run_sync, the tests and bench/gsheets.py
alike):

    from followup.sync.sources import sources_for
    run_sync(config, now)                                   # sources_for(config) includes it
    GoogleSheetsSource.from_config(config, client_factory=lambda cfg: my_client)   # tests

`read(now)` reads every configured spreadsheet (incrementally, through `source.Spreadsheets`)
and keeps that reader on the instance for `write_back(result)`, which writes each spreadsheet's
plan from `result.tables` (store name → followup_table) after the pipeline computed them.
Nothing is registered or kept at module level: one instance is one sync's view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from followup.sync.model import ReadResult, Rejection

from .client import client_for
from .source import Spreadsheets
from .state import STATE_FILE, SyncState
from .writeback import WriteResult

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["GoogleSheetsSource"]


def _state_path(config: Config) -> Path:
    """The cache holds customer rows (phones too), so it stays out of the report folder, which is
    a shared place: per user, in FOLLOWUP_STATE_DIR or the platform's local state folder, one file
    per report folder."""
    base = (
        os.environ.get("FOLLOWUP_STATE_DIR")
        or os.environ.get("LOCALAPPDATA")
        or os.environ.get("XDG_STATE_HOME")
        or Path.home() / ".local" / "state"
    )
    digest = hashlib.sha256(str(Path(config.report_dir).resolve()).encode()).hexdigest()[:16]
    return Path(base) / "followup" / f"{Path(STATE_FILE).stem.lstrip('.')}-{digest}.json"


def _sheet_progress(progress: Callable[..., None], n: int) -> Callable[[str], None]:
    """The reader's one-message-per-spreadsheet progress as steps of the run's progress."""
    done = 0

    def tell(message: str) -> None:
        nonlocal done
        done += 1
        progress("read_sheet", done, n, message)

    return tell


class GoogleSheetsSource:
    """The spreadsheets of `config.sources.gsheets`. `client_factory(config) -> gspread.Client`:
    by default the client the config asks for (`client.client_for`); a credentials problem
    becomes a rejection of this source, the other sources go on."""

    name = "Google Sheets"

    def __init__(
        self,
        config: Config,
        keys,
        *,
        client_factory: Callable[[Any], Any] | None = None,
        state: SyncState | str | Path | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        self.config = config
        self.keys = list(keys)
        self.client_factory = client_factory or client_for
        self.state_path = state  # default: the per-user state file of `_state_path(config)`
        self.progress = progress  # one message per spreadsheet read
        # or the run's progress callback (`from_config(progress=…)`): ("read_sheet", i, n, message)
        self.run_progress: Callable[..., None] | None = None
        self.reader: Spreadsheets | None = None  # the last read, until its write-back
        self.writes: list[WriteResult] = []  # every write-back's outcome, in order

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        client_factory: Callable[[Any], Any] | None = None,
        state: SyncState | str | Path | None = None,
        progress: Callable[..., None] | None = None,
    ) -> GoogleSheetsSource:
        """`progress`: the run's progress callback (`run_sync(progress=…)`); it is told
        ("read_sheet", i, n, message) as each spreadsheet is read."""
        source = cls(config, config.sources.gsheets, client_factory=client_factory, state=state)
        source.run_progress = progress
        return source

    def read(self, now: dt.datetime | None) -> ReadResult:
        self.reader = None
        if not self.keys:
            return ReadResult()
        from .errors import GSheetsError

        try:
            client = self.client_factory(self.config)
        except GSheetsError as e:
            return ReadResult(rejections=[Rejection("Google Sheets", "", None, None, None, str(e))])
        self.reader = Spreadsheets(
            client,
            self.keys,
            state=self.state_path if self.state_path is not None else _state_path(self.config),
            progress=self.progress if self.run_progress is None else _sheet_progress(self.run_progress, len(self.keys)),
            playbook=self.config.playbook,
            now=None if now is None else now.replace(tzinfo=None),
        )
        return self.reader.read()

    def write_back(self, result) -> list[Rejection]:
        """After `compute_tables`: write each spreadsheet's plan; returns the problems met."""
        reader, self.reader = self.reader, None
        if reader is None:
            return []
        out = reader.write_back(result.tables)
        self.writes.append(out)
        return list(out.rejections)
