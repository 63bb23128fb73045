"""The ledger's rows and its penalty rule, apart from the workbook they are kept in (`ledger`).

Decisions (SPEC §3.6 "10 元 the first time, doubled for each repeat"):
- One row per report: its year (the year of the month in its name, SPEC §3.7) and its file
  name (the name carries the month and week). Re-filing identical content
  (a re-run) changes nothing: the first filing time stands, nothing is charged twice.
- Re-filing *changed* content updates the row (`filed_at`, revision count, digest, and `who`:
  the filer of the revision shown) and adds a `Revision` to its history (who filed each
  revision and when; the first filing is kept: `first_filed_at`, `first_who`). If the row
  was on time and the new filing is after the deadline, it becomes late and is charged then
  (the department received the final version late); a row already charged is never charged again.
- A penalty is charged per late *occasion*: the same person missing the same deadline with
  several reports (the weekly callback and gift records share Monday 12:00) pays once.
  The amount is `first × factor^n`, n = that person's earlier charged occasions whose filing
  lies within `window_days` before this one (defaults 10 元, ×2, 365 days).
- Lateness is decided to the second and shown in whole minutes rounded up (SPEC §3.7).
- An excuse for a report recorded before its deadline (002 「确有特殊情况无法完成的必须提前说明」)
  waives the fine of that report; the row says so in its note. One recorded after the deadline
  is kept but waives nothing.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass, field, replace

from followup.sync.deadline import localize, minutes_late

__all__ = ["Filing", "Revision", "Penalty", "FilingLog", "Excuse", "current_user", "minutes_late"]


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
    def of(cls, value) -> Penalty:
        if value is None:
            return cls()
        if isinstance(value, Penalty):
            return value
        get = value.get if isinstance(value, dict) else (lambda k, d: getattr(value, k, d))
        return cls(get("first", 10), get("factor", 2), get("window_days", 365))


@dataclass(frozen=True)
class Revision:
    """One filing of a report's content: its number (1 = the first filing), who filed it, when."""

    number: int
    who: str
    filed_at: dt.datetime


@dataclass(frozen=True, slots=True)  # slots: a ledger of 10⁶ filings is held in memory
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
    year: int | None = None  # the report's year folder
    history: tuple[Revision, ...] = field(default=(), compare=False)  # every revision, first filing first

    @property
    def revisions_filed(self) -> tuple[Revision, ...]:
        """Who filed each revision and when; a row without a recorded history gets the first
        filing and (when revised) the latest, both from its own cells."""
        if self.history:
            return self.history
        first = Revision(1, self.who, self.first_filed_at or self.filed_at)
        if self.revisions > 1:
            return (first, Revision(self.revisions, self.who, self.filed_at))
        return (first,)

    @property
    def first_who(self) -> str:
        return self.revisions_filed[0].who

    @property
    def charged_to(self) -> str:
        """Who the row's penalty belongs to: the filer of its first filing after the deadline
        (the occasion that was charged), else the row's filer."""
        late = next((r for r in self.revisions_filed if r.filed_at > self.deadline), None)
        return late.who if late is not None and late.who else self.who

    def same_report(self, report: str, year: int | None) -> bool:
        return self.report == report and (year is None or self.year is None or self.year == year)

    @property
    def late(self) -> bool:
        return self.minutes_late > 0


def previous_deadline(report: str, deadline: dt.datetime) -> dt.datetime | None:
    """The deadline of the last report with the same file name before `deadline` (names repeat
    yearly: 11月第3周 comes back next November), or None when `report` is no report name."""
    from followup.udfs.calendar import REPORT_KINDS, report_deadline, report_name

    deadline = localize(deadline)
    day = deadline.date() - dt.timedelta(days=7)
    for _ in range(53 * 8):  # a 5th week may skip years; 8 years is far more than any gap
        for kind in REPORT_KINDS:
            if report_name(kind, day) == report:
                due = localize(report_deadline(kind, day))
                if due < deadline:
                    return due
        day -= dt.timedelta(days=7)
    return None


@dataclass(frozen=True)
class Excuse:
    report: str  # the exact report file name it is for
    reason: str
    recorded_at: dt.datetime
    who: str = ""


class FilingLog:
    """The filings (`rows`) under one penalty rule: what a late occasion costs, and recording one."""

    rows: list[Filing]
    penalty: Penalty
    excuses: list[Excuse]

    def excuse_for(self, report: str, deadline: dt.datetime) -> Excuse | None:
        """The first excuse for `report` recorded no later than its deadline, any time before it
        (SPEC §3.7) — but after the same-named report of an earlier year was due, which it was for."""
        mine = [e for e in getattr(self, "excuses", []) or [] if e.report == report]
        if not mine:
            return None
        deadline = localize(deadline)
        since = previous_deadline(report, deadline)
        return next(
            (
                e
                for e in mine
                if (since is None or since < localize(e.recorded_at)) and localize(e.recorded_at) <= deadline
            ),
            None,
        )

    def add_excuse(self, report: str, reason: str, now: dt.datetime, who: str | None = None) -> Excuse:
        if not hasattr(self, "excuses") or self.excuses is None:
            self.excuses = []
        ex = Excuse(report, reason.strip(), localize(now), who or current_user())
        self.excuses.append(ex)
        return ex

    def amount(self, who: str, now: dt.datetime) -> float:
        """The penalty a new late occasion of `who` at `now` costs."""
        since = now - dt.timedelta(days=self.penalty.window_days)
        occasions = {
            r.deadline for r in self.rows if r.charged_to == who and r.penalty > 0 and since < r.filed_at <= now
        }
        return round(self.penalty.first * self.penalty.factor ** len(occasions), 2)

    def _charge(self, who: str, deadline: dt.datetime, now: dt.datetime, report: str = "") -> tuple[float, str]:
        ex = self.excuse_for(report, deadline) if report else None
        if ex is not None:
            return 0, f"已提前说明,免罚:{ex.reason} (excused in advance: no penalty)"
        if any(r.charged_to == who and r.deadline == deadline and r.penalty > 0 for r in self.rows):
            return 0, "同一截止时间已计罚 (same deadline already charged)"
        return self.amount(who, now), ""

    def record(
        self,
        report: str,
        period: str,
        deadline: dt.datetime,
        digest: str,
        now: dt.datetime,
        who: str | None = None,
        year: int | None = None,
    ) -> Filing:
        """Record one filing at `now`; returns the row as it now stands (see module decisions).
        `year`: the report's year (None matches the name alone)."""
        who = who or current_user()
        now, deadline = localize(now), localize(deadline)
        late = minutes_late(now, deadline)
        for i, old in enumerate(self.rows):
            if not old.same_report(report, year):
                continue
            if old.digest == digest:
                return replace(old, status="unchanged")
            history = old.revisions_filed + (Revision(old.revisions + 1, who, now),)
            row = replace(
                old,
                who=who,
                filed_at=now,
                revisions=old.revisions + 1,
                digest=digest,
                status="revised",
                history=history,
            )
            if late and not old.late:
                penalty, note = self._charge(who, deadline, now, report)
                row = replace(row, minutes_late=late, penalty=penalty, note=note)
            self.rows[i] = row
            return row
        penalty, note = self._charge(who, deadline, now, report) if late else (0, "")
        row = Filing(
            who,
            report,
            period,
            now,
            deadline,
            late,
            penalty,
            now,
            1,
            digest,
            note,
            year=year,
            history=(Revision(1, who, now),),
        )
        self.rows.append(row)
        return row
