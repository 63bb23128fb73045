"""What the Google Sheets connector remembers between syncs: `.followup-gsheets.json`.

Decision (issue "Google Sheets as a system of record"): the state is a small JSON file in the
user's local state folder (see `connector._state_path`; never the shared report folder), not a
hidden key in the 设置 sheet — reading a key from a sheet would cost a
Sheets call per spreadsheet, which is exactly what an unchanged spreadsheet must not cost.
The spreadsheets stay the system of record: per spreadsheet the file holds only

- `modifiedTime` as Drive listed it *before* the last read (so an edit made during or after
  that read always looks newer and triggers a re-read), whether the sync itself wrote last
  (`wrote`), and whether nothing else changed between its read and its write (`clean`);
- `grids`: the cell values of that read, with the sync's own write applied, so that an
  unchanged spreadsheet still feeds the weekly reports at zero Sheets calls. The cache is
  valid exactly while Drive's modifiedTime says the spreadsheet is unchanged; deleting the
  file only makes the next sync read everything again. It holds customer data (phones
  included), like the spreadsheets themselves: the file is written with mode 0600.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["SheetState", "SyncState", "STATE_FILE"]

STATE_FILE = ".followup-gsheets.json"


@dataclass
class SheetState:
    title: str = ""
    modified_time: str = ""
    wrote: bool = False
    clean: bool = True
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)


@dataclass
class SyncState:
    path: Path | None = None
    sheets: dict[str, SheetState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path | None) -> "SyncState":
        if path is None:
            return cls()
        p = Path(path)
        if p.is_dir() or not p.suffix:
            p = p / STATE_FILE
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
            sheets = {k: SheetState(**v) for k, v in raw.get("spreadsheets", {}).items()}
        except (OSError, ValueError, TypeError):
            sheets = {}   # no file or an unreadable one: read everything, nothing is lost
        return cls(p, sheets)

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "spreadsheets": {k: asdict(v) for k, v in self.sheets.items()}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".gsheets-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, default=str)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
