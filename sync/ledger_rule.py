"""The ledger's rows and its penalty rule, apart from the workbook they are kept in (`ledger`).

Decisions (SPEC §3.6 "10 元 the first time, doubled for each repeat"):
- One row per report: its year (the year of the month in its name, SPEC §3.7) and its file
  name (the name carries the month and week). Re-filing identical content
  (a re-run) changes nothing: the first filing time stands, nothing is charged twice.
- Re-filing *changed* content updates the row (`filed_at`, revision count, digest). If the row
  was on time and the new filing is after the deadline, it becomes late and is charged then
  (the department received the final version late); a row already charged is never charged again.
- A penalty is charged per late *occasion*: the same person missing the same deadline with
  several reports (the weekly callback and gift records share Monday 12:00) pays once.
  The amount is `first × factor^n`, n = that person's earlier charged occasions whose filing
  lies within `window_days` before this one (defaults 10 元, ×2, 365 days).
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass, field, replace

from .deadline import localize

__all__ = ["Filing", "Penalty", "FilingLog", "current_user"]


def current_user() -> str:
    for var in ("FOLLOWUP_USER", "USER", "USERNAME"):
        if os.environ.get(var):
            return os.environ[var]
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database
        return "unknown"


@dataclass(frozen=True)
class Penalty:
    first: float = 10
    factor: float = 2
    window_days: int = 365

    @classmethod
    def of(cls, value) -> "Penalty":
        if value is None:
            return cls()
        if isinstance(value, Penalty):
            return value
        get = value.get if isinstance(value, dict) else (lambda k, d: getattr(value, k, d))
        return cls(get("first", 10), get("factor", 2), get("window_days", 365))


@dataclass(frozen=True)
class Filing:
    who: str
    report: str
    period: str
    filed_at: dt.datetime
    deadline: dt.datetime
    minutes_late: int = 0
    penalty: float = 0
    first_filed_at: dt.datetime | None = None
    revisions: int = 1
    digest: str = ""
    note: str = ""
    status: str = field(default="new", compare=False)  # new | unchanged | revised (this run only)
    year: int | None = None                             # the report's year folder

    def same_report(self, report: str, year: int | None) -> bool:
        return self.report == report and (year is None or self.year is None or self.year == year)

    @property
    def late(self) -> bool:
        return self.minutes_late > 0


class FilingLog:
    """The filings (`rows`) under one penalty rule: what a late occasion costs, and recording one."""

    rows: list[Filing]
    penalty: Penalty

    def amount(self, who: str, now: dt.datetime) -> float:
        """The penalty a new late occasion of `who` at `now` costs."""
        since = now - dt.timedelta(days=self.penalty.window_days)
        occasions = {r.deadline for r in self.rows
                     if r.who == who and r.penalty > 0 and since < r.filed_at <= now}
        return round(self.penalty.first * self.penalty.factor ** len(occasions), 2)

    def _charge(self, who: str, deadline: dt.datetime, now: dt.datetime) -> tuple[float, str]:
        if any(r.who == who and r.deadline == deadline and r.penalty > 0 for r in self.rows):
            return 0, "同一截止时间已计罚 (same deadline already charged)"
        return self.amount(who, now), ""

    def record(self, report: str, period: str, deadline: dt.datetime, digest: str,
               now: dt.datetime, who: str | None = None, year: int | None = None) -> Filing:
        """Record one filing at `now`; returns the row as it now stands (see module decisions).
        `year`: the report's year (None matches the name alone)."""
        who = who or current_user()
        now, deadline = localize(now), localize(deadline)
        late = max(0, int((now - deadline).total_seconds() // 60))
        for i, old in enumerate(self.rows):
            if not old.same_report(report, year):
                continue
            if old.digest == digest:
                return replace(old, status="unchanged")
            row = replace(old, filed_at=now, revisions=old.revisions + 1, digest=digest, status="revised")
            if late and not old.late:
                penalty, note = self._charge(who, deadline, now)
                row = replace(row, minutes_late=late, penalty=penalty, note=note, who=who)
            self.rows[i] = row
            return row
        penalty, note = self._charge(who, deadline, now) if late else (0, "")
        row = Filing(who, report, period, now, deadline, late, penalty, now, 1, digest, note, year=year)
        self.rows.append(row)
        return row
