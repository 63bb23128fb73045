"""The submission ledger `提交记录.xlsx`: who filed which report, when, how late, what penalty.

The ledger is a workbook in the report folder (the spreadsheet stays the system of record);
it is read back with python-calamine and rewritten atomically.

Decisions (SPEC §3.6 "10 元 the first time, doubled for each repeat"):
- One row per report file name (the name carries the period). Re-filing identical content
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
from pathlib import Path

from .deadline import localize
from .i18n import heads
from .xlsx_out import SheetWriter, build_workbook

__all__ = ["LEDGER_NAME", "Filing", "Penalty", "Ledger", "current_user"]

LEDGER_NAME = "提交记录.xlsx"
_KEYS = ["who", "report", "period", "filed_at", "deadline", "minutes_late", "penalty",
         "first_filed_at", "revisions", "digest", "note"]
_EXTRA_HEAD = {"first_filed_at": ("首次提交", "First filed"), "revisions": ("修订次数", "Revisions"),
               "digest": ("内容校验", "Digest"), "note": ("备注", "Note")}


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

    @property
    def late(self) -> bool:
        return self.minutes_late > 0


def _dt(text) -> dt.datetime | None:
    if text in (None, ""):
        return None
    if isinstance(text, dt.datetime):
        return localize(text)
    return localize(dt.datetime.fromisoformat(str(text)))


def _num(v) -> float:
    return 0 if v in (None, "") else float(v)


class Ledger:
    def __init__(self, path: Path, penalty=None, lang: str = "zh"):
        self.path = Path(path)
        self.penalty = Penalty.of(penalty)
        self.lang = lang
        self.rows: list[Filing] = self._load() if self.path.exists() else []

    def _load(self) -> list[Filing]:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(self.path))
        values = wb.get_sheet_by_index(0).to_python()
        out = []
        for rec in values[1:]:
            rec = list(rec) + [""] * (len(_KEYS) - len(rec))
            d = dict(zip(_KEYS, rec))
            if not d["report"]:
                continue
            out.append(Filing(str(d["who"]), str(d["report"]), str(d["period"]), _dt(d["filed_at"]),
                              _dt(d["deadline"]), int(_num(d["minutes_late"])), _num(d["penalty"]),
                              _dt(d["first_filed_at"]), int(_num(d["revisions"]) or 1), str(d["digest"]),
                              str(d["note"]), "stored"))
        return out

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
               now: dt.datetime, who: str | None = None) -> Filing:
        """Record one filing at `now`; returns the row as it now stands (see module decisions)."""
        who = who or current_user()
        now, deadline = localize(now), localize(deadline)
        late = max(0, int((now - deadline).total_seconds() // 60))
        for i, old in enumerate(self.rows):
            if old.report != report:
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
        row = Filing(who, report, period, now, deadline, late, penalty, now, 1, digest, note)
        self.rows.append(row)
        return row

    def save(self) -> Path:
        lang = self.lang
        headers = heads(_KEYS[:7], lang) + [_EXTRA_HEAD[k][1 if lang == "en" else 0] for k in _KEYS[7:]]
        first = min((r.first_filed_at or r.filed_at for r in self.rows), default=dt.datetime(2000, 1, 1))

        def fill(wb, f):
            sw = SheetWriter(wb, "提交记录" if lang != "en" else "Filings", f)
            sw.line(headers, f["head"])
            for r in self.rows:  # timestamps as ISO text: exact round trip, tz included
                sw.line([r.who, r.report, r.period, r.filed_at.isoformat(), r.deadline.isoformat(),
                         r.minutes_late, r.penalty, (r.first_filed_at or r.filed_at).isoformat(),
                         r.revisions, r.digest, r.note])
            sw.finish(freeze=1)

        build_workbook(self.path, first.replace(tzinfo=None), fill, title="提交记录")
        return self.path

    def excerpt(self, since: dt.datetime, until: dt.datetime) -> list[Filing]:
        """Late rows filed in [since, until) — for the monthly summary."""
        return [r for r in self.rows if r.late and since <= r.filed_at < until]
