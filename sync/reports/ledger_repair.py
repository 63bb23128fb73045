"""Reading a ledger that people may have edited, and rebuilding one that is damaged.

- A bad cell (`约5分钟` typed into 逾期分钟, text in a date cell) becomes a warning naming the
  ledger's row and column; the row is kept with a value derived from the others: minutes late
  from the filing time and the deadline (or the one number in the text), a date from the
  report's name and year, a revision count of 1. The filing goes on.
- No row is dropped but a fully blank one (`Ledger._rows`): an empty 报表 cell is restored from
  the report file whose sha256 is the row's digest; a row that still names no report or has no
  usable date (a hand-added note) is written back as it stands. Each is a warning with its row.
- A damaged ledger (not a workbook, truncated, no sheet with the ledger's columns, over a bound
  of the workbook guard, a link, FIFO or device) is kept aside — a regular file copied as
  `提交记录.损坏-<time>.xlsx`, anything else renamed to `提交记录.xlsx.已隔离-<time>`, never read
  or followed — and rebuilt from the reports on disk: one row per regular report file in a real
  year folder, filed at the file's modification time, digest of its bytes, no fine (a rebuild
  never invents fines; the damaged copy keeps what was there).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import cast

from followup.sync.deadline import localize
from followup.sync.model import Rejection

from .ledger_rule import Filing

__all__ = [
    "parse_when",
    "parse_number",
    "loose_number",
    "cell_warning",
    "report_facts",
    "year_of_deadline",
    "rebuild_rows",
    "LedgerDamaged",
]

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class LedgerDamaged(Exception):
    """The ledger cannot be used at all; the message says why (Chinese, then English)."""


def parse_when(value) -> dt.datetime | None:
    """A ledger timestamp: ISO text (as written), an Excel date or serial, or common date text.
    Raises ValueError when the cell holds something else."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return localize(value)
    if isinstance(value, dt.date):
        return localize(dt.datetime.combine(value, dt.time()))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:
            raise ValueError(value)
        return localize(_EXCEL_EPOCH + dt.timedelta(days=float(value)))
    text = str(value).strip()
    try:
        return localize(dt.datetime.fromisoformat(text))
    except ValueError:
        pass
    from dateutil import parser

    try:
        return localize(parser.parse(text.replace("年", "-").replace("月", "-").replace("日", " ")))
    except (ValueError, OverflowError, parser.ParserError):
        raise ValueError(value) from None


def parse_number(value) -> float | None:
    """A number cell (a number, or text that is exactly a number); anything else raises ValueError."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).strip())


def loose_number(value) -> float | None:
    """The one number inside a text (`约5分钟` → 5), or None."""
    found = _NUMBER.findall(str(value))
    return float(found[0]) if len(found) == 1 else None


def year_of_deadline(deadline: dt.datetime) -> int:
    """The year of a report from its deadline: weekly ones are due the Monday after the week
    (its Thursday is 4 days earlier), monthly ones the 2nd of the next month."""
    return (deadline.date() - dt.timedelta(days=4)).year


def report_facts(name: str, year: int) -> tuple[str, str, dt.datetime] | None:
    """(kind, period, deadline) of a report file name in a year, or None when it is no report name."""
    from followup.udfs.calendar import REPORT_KINDS, report_deadline, week_label
    from followup.udfs.names import check_report_name, guess_kind

    try:
        check = check_report_name(name, year)
    except Exception:  # noqa: BLE001 - any odd name is simply not a report
        return None
    if not check.ok:
        return None
    m = cast(re.Match, re.match(r"^(\d+)月(?:第(\d+)周)?(.*)\.xlsx$", name))  # a checked report name
    month, week, words = int(m.group(1)), m.group(2), m.group(3)
    kind = guess_kind(words, week is not None)  # the engine's kinds (REPORT_KINDS), as check-name does
    if REPORT_KINDS[kind]["period"] == "month":
        return kind, f"{month}月", localize(report_deadline(kind, dt.date(year, month, 15)))
    first = dt.date(year, month, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 7 * (int(week) - 1))
    return kind, week_label(thursday), localize(report_deadline(kind, thursday))


def rebuild_rows(out_dir: Path) -> list[Filing]:
    """Ledger rows for the report files in the year folders of `out_dir` (see module docstring)."""
    from .filing import year_dirs
    from .folder import hash_regular, kind

    rows = []
    for folder in year_dirs(out_dir):
        year = int(folder.name)
        for path in sorted(folder.glob("*.xlsx")):
            facts = report_facts(path.name, year)
            if facts is None or kind(path) != "file":  # a link is never followed
                continue
            digest = hash_regular(path, 256 << 20)
            if digest is None:
                continue
            _, period, deadline = facts
            filed = localize(dt.datetime.fromtimestamp(path.lstat().st_mtime).replace(microsecond=0))
            late = max(0, int((filed - deadline).total_seconds() // 60))
            rows.append(
                Filing(
                    "",
                    path.name,
                    period,
                    filed,
                    deadline,
                    late,
                    0,
                    filed,
                    1,
                    digest,
                    "由报表文件重建 (rebuilt from the report file)",
                    "stored",
                    year=year,
                )
            )
    rows.sort(key=lambda r: (r.year, r.deadline, r.report))
    return rows


def cell_warning(path: Path, sheet: str, row: int, column: str | None, value, what: tuple[str, str]) -> Rejection:
    return Rejection(
        str(path),
        sheet,
        row,
        column,
        str(value),
        f"提交记录中的这个单元格无法识别,{what[0]} (a ledger cell cannot be read; {what[1]})",
        fatal=False,
    )
