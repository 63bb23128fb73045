"""The submission ledger `提交记录.xlsx`: who filed which report, when, how late, what penalty.

The ledger is a workbook in the report folder (the spreadsheet stays the system of record);
it is read back with python-calamine and rewritten atomically.

The rows and the penalty rule (SPEC §3.6) are in `ledger_rule`.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from .deadline import localize
from .i18n import heads
from .ledger_rule import Excuse, Filing, FilingLog, Penalty
from .xlsx_out import SheetWriter, build_workbook

__all__ = ["LEDGER_NAME", "Ledger"]

LEDGER_NAME = "提交记录.xlsx"
_KEYS = ["who", "report", "period", "filed_at", "deadline", "minutes_late", "penalty",
         "first_filed_at", "revisions", "digest", "note"]
EXCUSE_SHEETS = ("提前说明", "Excuses")   # 002 「确有特殊情况无法完成的必须提前说明」
_EXCUSE_HEAD = (("报告", "说明", "登记时间", "登记人"), ("Report", "Reason", "Recorded at", "Recorded by"))
_EXTRA_HEAD = {"first_filed_at": ("首次提交", "First filed"), "revisions": ("修订次数", "Revisions"),
               "digest": ("内容校验", "Digest"), "note": ("备注", "Note")}


def _dt(text) -> dt.datetime | None:
    if text in (None, ""):
        return None
    if isinstance(text, dt.datetime):
        return localize(text)
    return localize(dt.datetime.fromisoformat(str(text)))


def _num(v) -> float:
    return 0 if v in (None, "") else float(v)


class Ledger(FilingLog):
    """The ledger workbook: loaded on creation, written by `save`."""

    def __init__(self, path: Path, penalty=None, lang: str = "zh"):
        self.path = Path(path)
        self.penalty = Penalty.of(penalty)
        self.lang = lang
        self.rows: list[Filing] = self._load() if self.path.exists() else []
        self.excuses: list[Excuse] = self._load_excuses() if self.path.exists() else []

    def _load_excuses(self) -> list[Excuse]:
        """The 提前说明 sheet: one row per excuse (a row typed in by hand counts too)."""
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(self.path))
        name = next((n for n in wb.sheet_names if n in EXCUSE_SHEETS), None)
        if name is None:
            return []
        out = []
        for rec in wb.get_sheet_by_name(name).to_python()[1:]:
            rec = list(rec) + [""] * (4 - len(rec))
            report, reason, at, who = rec[:4]
            if not report or at in (None, ""):
                continue
            try:
                when = _dt(at)
            except ValueError:
                continue
            out.append(Excuse(str(report).strip(), str(reason or "").strip(), when, str(who or "")))
        return out

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
            ew = SheetWriter(wb, EXCUSE_SHEETS[1 if lang == "en" else 0], f)
            ew.line(list(_EXCUSE_HEAD[1 if lang == "en" else 0]), f["head"])
            for e in self.excuses:
                ew.line([e.report, e.reason, e.recorded_at.isoformat(), e.who])
            ew.finish(freeze=1)

        build_workbook(self.path, first.replace(tzinfo=None), fill, title="提交记录")
        return self.path

    def excerpt(self, since: dt.datetime, until: dt.datetime) -> list[Filing]:
        """Late rows filed in [since, until) — for the monthly summary."""
        return [r for r in self.rows if r.late and since <= r.filed_at < until]
