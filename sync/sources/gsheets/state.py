"""What the Google Sheets connector remembers between syncs: `.followup-gsheets.json`.

Decision (issue "Google Sheets as a system of record"): the state is a small JSON file in the
user's local state folder (see `connector._state_path`; never the shared report folder), not a
hidden key in the 设置 sheet — reading a key from a sheet would cost a
Sheets call per spreadsheet, which is exactly what an unchanged spreadsheet must not cost.
The spreadsheets stay the system of record: per spreadsheet the file holds only

- `modifiedTime` as Drive listed it *before* the last read (so an edit made during or after
  that read always looks newer and triggers a re-read). The sync's own write is never trusted
  as the sheet's state: a write moves modifiedTime, so the next sync reads the spreadsheet
  again (one request) and only then records the listed time — an agent's edit made between
  the read and the write is always seen;
- what the write needs without a read: tab ids and sizes, 客户's lookup formula, the plan
  tab's title (`sheet_ids`, `sizes`, `formulas`, `plan_title`);
- `grids`: the cell values of that read, with the sync's own write applied, so that an
  unchanged spreadsheet still feeds the weekly reports at zero Sheets calls. The cache is
  valid exactly while Drive's modifiedTime says the spreadsheet is unchanged; deleting the
  file only makes the next sync read everything again. It holds customer data (phones
  included), like the spreadsheets themselves: the file is written with mode 0600.

The file is validated on load (pydantic): `null`, `[]`, wrong types or missing keys → the
cache is discarded with a warning (`SyncState.warning`) and every spreadsheet is read in full.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = ["SheetState", "SyncState", "STATE_FILE"]

STATE_FILE = ".followup-gsheets.json"
VERSION = 2  # 1: the earlier design (values written into 客户 by position)


@dataclass
class SheetState:
    title: str = ""
    modified_time: str = ""
    grids: dict[str, list[list[Any]]] = field(default_factory=dict)
    sheet_ids: dict[str, int] = field(default_factory=dict)  # tab title → sheetId
    sizes: dict[str, list[int]] = field(default_factory=dict)  # tab title → [rowCount, columnCount]
    formulas: dict[str, str] = field(default_factory=dict)  # "row,col" of 客户 → the sync's formula
    plan_title: str | None = None
    columns: dict[str, list[str]] = field(default_factory=dict)  # earlier design's tags (to convert)
    rules: list[int] = field(default_factory=list)  # earlier design's rule indexes (to convert)

    @classmethod
    def of(cls, book: Any, modified_time: str) -> SheetState:
        """What a read or write of `book` (read.Book) leaves to remember."""
        return cls(
            book.title,
            modified_time,
            book.grids,
            dict(book.sheet_ids),
            {t: list(v) for t, v in book.sizes.items()},
            {f"{r},{c}": f for (r, c), f in book.formulas.items()},
            book.plan_title,
            {str(c): list(v) for c, v in book.columns.items()},
            list(book.rules),
        )

    def restore(self, book: Any) -> None:
        """Fill `book` (read.Book) from the cache of an unchanged spreadsheet."""
        book.sheet_ids = dict(self.sheet_ids)
        book.sizes = {t: list(v) for t, v in self.sizes.items()}
        book.formulas = {
            (int(k.split(",")[0]), int(k.split(",")[1])): f for k, f in self.formulas.items() if k.count(",") == 1
        }
        book.plan_title = self.plan_title
        book.columns = {int(c): list(v) for c, v in self.columns.items() if c.isdigit()}
        book.rules = list(self.rules)


_Cell = Union[bool, int, float, str, None]  # noqa: UP007 - a runtime alias: X | Y of None needs 3.10's types.UnionType


class _SheetModel(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    title: str
    modified_time: str
    grids: dict[str, list[list[_Cell]]]
    sheet_ids: dict[str, int] = {}
    sizes: dict[str, list[int]] = {}
    formulas: dict[str, str] = {}
    plan_title: str | None = None
    columns: dict[str, list[str]] = {}
    rules: list[int] = []


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    version: int
    spreadsheets: dict[str, _SheetModel]


@dataclass
class SyncState:
    path: Path | None = None
    sheets: dict[str, SheetState] = field(default_factory=dict)
    warning: str = ""  # set when a damaged cache was discarded

    @classmethod
    def load(cls, path: str | Path | None) -> SyncState:
        if path is None:
            return cls()
        p = Path(path)
        if p.is_dir() or not p.suffix:
            p = p / STATE_FILE
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, ValueError):
            return cls(p)  # no file or an unreadable one: read everything, nothing is lost
        try:
            model = _FileModel.model_validate_json(text)
        except (ValidationError, ValueError) as e:
            first: dict[str, Any] = dict(e.errors()[0]) if isinstance(e, ValidationError) and e.errors() else {}
            where = ".".join(str(x) for x in first.get("loc", ())) or "-"
            return cls(
                p,
                warning=f"缓存文件已损坏,已丢弃并全部重新读取 (the Google Sheets cache was damaged "
                f"[{where}: {first.get('type', 'json')}]: discarded, every spreadsheet is read "
                f"again)",
            )
        if model.version != VERSION:  # the earlier design's cache: read everything once, nothing lost
            return cls(p)
        return cls(p, {k: SheetState(**v.model_dump()) for k, v in model.spreadsheets.items()})

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": VERSION, "spreadsheets": {k: asdict(v) for k, v in self.sheets.items()}}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".gsheets-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, ensure_ascii=False, default=str)
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
