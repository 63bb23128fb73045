"""One sync's view of the configured spreadsheets: read (read.py), then write the plan (writeback.py).

`Spreadsheets` is the engine under the `Source` port `connector.GoogleSheetsSource`, the only
way a sync reads and writes Google Sheets; it is not a pipeline of its own (it computes nothing).

Request budget (per sync):
- one Drive `files.list` for all spreadsheets (Drive's query language has no "id in (…)" term,
  so the listing asks for the spreadsheets the account can see, shared drives included
  (`corpora=allDrives`), paged 1,000 at a time, and keeps the configured keys); a spreadsheet
  whose `modifiedTime` did not move costs **zero** Sheets calls: its values come from the state
  file (see `state.py`);
- a changed spreadsheet costs one `spreadsheets.get` with the grid data and, only when its plan
  (or the lookup formula) must change, one `spreadsheets.batchUpdate`: ≤ 2. The sync after a
  write reads that spreadsheet once more (its own write moved the modified time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

import gspread

from followup.sync.validate import parse_workbook

from .read import Book, SheetsReader
from .state import SyncState
from .writeback import SheetsWriter

__all__ = ["Spreadsheets"]


class Spreadsheets(SheetsReader, SheetsWriter):
    """`read()` (read.py) then `write_back(tables)` (writeback.py), over one gspread client."""

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
