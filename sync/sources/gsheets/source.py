"""Google Sheets as a system of record: read every store's spreadsheet, write the computed block back.

Request budget (per sync):
- one Drive `files.list` for all spreadsheets (Drive's query language has no "id in (…)" term,
  so the listing asks for the spreadsheets the account can see, shared drives included
  (`corpora=allDrives`), paged 1,000 at a time, and keeps the configured keys); a spreadsheet whose `modifiedTime` did not move costs
  **zero** Sheets calls: its values come from the state file (see `state.py`);
- a changed spreadsheet costs one `spreadsheets.get` with the grid data (every tab, its id and
  the computed columns' developer metadata; effective values = UNFORMATTED_VALUE) and, only when
  a computed cell must change, a re-read of 客户 plus one `values:batchUpdateByDataFilter` (RAW)
  into the sync's own tagged columns: ≤ 3 (plus one `spreadsheets.batchUpdate` the first time,
  tagging those columns). The sync after a write re-reads that spreadsheet once (verify).

See writeback.py for how writes follow their columns and how the 核对编号 echo makes rows that
moved after the re-read visible and repaired by the next sync.

The reading lives in read.py (parsing in stores.py), the writing back in writeback.py (the 客户
grid's layout in layout.py); `GSheetsSource` combines the two halves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import gspread
import pandas as pd

from followup.sync.model import ReadResult, StoreData
from followup.sync.validate import parse_workbook
from followup.udfs.table import followup_table

from .read import Book, SheetsReader
from .state import SyncState
from .writeback import SheetsWriter, WriteResult

__all__ = ["GSheetsSource", "default_compute"]


def default_compute(playbook: str | None = None) -> Callable[[StoreData, dt.date], pd.DataFrame]:
    """A store's followup_table (it ignores the readers' extra columns such as `_row`)."""

    def compute(store: StoreData, today: dt.date) -> pd.DataFrame:
        return followup_table(store.customers, store.calls, store.playbook or playbook or "optometry", today)

    return compute


class GSheetsSource(SheetsReader, SheetsWriter):
    """One sync's view of the configured spreadsheets: `read()` (read.py) then `write_back(tables)`
    (writeback.py)."""

    kind = "gsheets"

    def __init__(
        self,
        client: gspread.Client,
        keys: Iterable[str],
        *,
        state: SyncState | str | Path | None = None,
        playbook: str | None = None,
        now: dt.datetime | None = None,
        progress: Callable[[str], None] | None = None,
        parse: Callable | None = None,
    ):
        self.client = client
        self.http = client.http_client
        self.keys = list(dict.fromkeys(keys))
        self.state = state if isinstance(state, SyncState) else SyncState.load(state)
        self.playbook, self.now = playbook, now
        self.progress = progress or (lambda message: None)
        self.parse = parse or parse_workbook
        self.books: dict[str, Book] = {}

    # ------------------------------------------------------------------ one call for everything
    def sync(
        self, today: dt.date, compute: Callable[[StoreData, dt.date], pd.DataFrame] | None = None
    ) -> tuple[ReadResult, WriteResult]:
        """read → followup_table per store → write_back (the path `run_sync` takes, in one call)."""
        compute = compute or default_compute(self.playbook)
        read = self.read()
        tables = {}
        for book in self.books.values():
            if book.store is not None:
                tables[book.origin] = compute(book.store, today)
        return read, self.write_back(tables)
