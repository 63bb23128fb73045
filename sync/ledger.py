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
from .ledger_repair import (LedgerDamaged, cell_warning, loose_number, parse_number, parse_when, rebuild_rows,
                            report_facts, year_of_deadline)
from .ledger_rule import Filing, FilingLog, Penalty
from .xlsx_out import SheetWriter, atomic_write_bytes, workbook_bytes

__all__ = ["LEDGER_NAME", "Ledger", "aside_name"]

LEDGER_NAME = "提交记录.xlsx"
_KEYS = ["who", "report", "period", "filed_at", "deadline", "minutes_late", "penalty",
         "first_filed_at", "revisions", "note", "year", "digest"]   # digest last, in a hidden column
_TIMES = ("filed_at", "deadline", "first_filed_at")
_EXTRA_HEAD = {"first_filed_at": ("首次提交", "First filed"), "revisions": ("修订次数", "Revisions"),
               "digest": ("内容校验", "Digest"), "note": ("备注", "Note"), "year": ("年份", "Year")}


def _all_heads() -> dict[str, str]:
    """Header text (Chinese or English) → key, for reading a ledger whatever its language."""
    out = {}
    for k in _KEYS:
        pair = _EXTRA_HEAD.get(k) or tuple(heads([k], lang)[0] for lang in ("zh", "en"))
        for text in pair:
            out[text] = k
    return out


def _head_text(key: str) -> str:
    return _EXTRA_HEAD[key][0] if key in _EXTRA_HEAD else heads([key], "zh")[0]


def aside_name(now: dt.datetime) -> str:
    """Where a damaged ledger is kept: `提交记录.损坏-20261123-093000.xlsx`."""
    return f"提交记录.损坏-{localize(now):%Y%m%d-%H%M%S}.xlsx"


class Ledger(FilingLog):
    """The ledger workbook: loaded on creation (a damaged one is noted in `damaged`, bad cells in
    `problems`), rewritten by `save` (or `to_bytes` for a set filed by `followup.sync.filing`).

    Columns are found by their header (Chinese or English), so a ledger from before the 年份
    column, or with its columns moved, still reads; a row without a year takes it from its deadline."""

    def __init__(self, path: Path, penalty=None, lang: str = "zh"):
        self.path = Path(path)
        self.penalty = Penalty.of(penalty)
        self.lang = lang
        self.problems: list = []          # Rejection warnings: bad cells, damage, rebuild
        self.damaged: str | None = None   # why the file could not be used at all
        self.rows: list[Filing] = []
        if self.path.exists():
            try:
                self.rows = self._load()
            except LedgerDamaged as e:
                self.damaged = str(e)

    def _load(self) -> list[Filing]:
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(self.path))
            names = list(wb.sheet_names)
            order = sorted(range(len(names)), key=lambda i: names[i] not in ("提交记录", "Filings"))
            sheets = [(names[i], wb.get_sheet_by_index(i).to_python()) for i in order]
        except Exception as e:  # noqa: BLE001 - any failure to open means the file is damaged
            raise LedgerDamaged(f"无法打开 (cannot be opened: {type(e).__name__})") from None
        known = _all_heads()
        for name, values in sheets:
            if not values:
                continue
            cols = {known[str(h).strip()]: i for i, h in enumerate(values[0]) if str(h).strip() in known}
            if "report" in cols and ("filed_at" in cols or "deadline" in cols):
                return self._rows(name, values, cols)
        raise LedgerDamaged("没有提交记录的列(报表、提交时间、截止时间) (no sheet with the ledger's columns)")

    def _rows(self, sheet: str, values: list, cols: dict[str, int]) -> list[Filing]:
        out = []
        for n, rec in enumerate(values[1:], start=2):
            d = {k: (rec[i] if i < len(rec) else "") for k, i in cols.items()}
            if d.get("report") in (None, ""):
                continue
            row = self._row(d, lambda key, value, what: self.problems.append(cell_warning(
                self.path, sheet, n, _head_text(key), value, what)))
            if row is not None:
                out.append(row)
        return out

    def _row(self, d: dict, warn) -> Filing | None:
        report = str(d["report"]).strip()
        when = {}
        for key in ("filed_at", "deadline", "first_filed_at"):
            try:
                when[key] = parse_when(d.get(key))
            except ValueError:
                when[key] = None
                warn(key, d.get(key), ("已按其他列推算", "derived from the other cells"))
        year = None
        if d.get("year") not in (None, ""):
            try:
                year = int(parse_number(d["year"]))
            except (ValueError, TypeError):
                warn("year", d["year"], ("已按截止时间推算", "taken from the deadline"))
        if when["deadline"] is None and year is not None:
            facts = report_facts(report, year)
            when["deadline"] = facts[2] if facts else None
        filed = when["filed_at"] or when["first_filed_at"] or when["deadline"]
        deadline = when["deadline"] or filed
        if filed is None:
            warn("filed_at", d.get("filed_at"), ("此行缺少可用的日期,已跳过", "the row has no usable date and was skipped"))
            return None
        if year is None:
            year = year_of_deadline(deadline)
        late = self._number(d, "minutes_late", warn, None)
        if late is None:
            late = max(0, int((filed - deadline).total_seconds() // 60))
        return Filing(str(d.get("who") or ""), report, str(d.get("period") or ""), filed, deadline, int(late),
                      self._number(d, "penalty", warn, 0), when["first_filed_at"],
                      int(self._number(d, "revisions", warn, 1) or 1), str(d.get("digest") or ""),
                      str(d.get("note") or ""), "stored", year=year)

    @staticmethod
    def _number(d: dict, key: str, warn, default):
        value = d.get(key)
        try:
            got = parse_number(value)
            return default if got is None else got
        except ValueError:
            loose = loose_number(value)
            if loose is not None:
                warn(key, value, (f"按 {loose:g} 处理", f"read as {loose:g}"))
                return loose
            warn(key, value, ("已按其他列推算" if default is None else f"按 {default} 处理",
                              "derived from the other cells" if default is None else f"read as {default}"))
            return default

    def rebuild(self, out_dir: Path, now: dt.datetime) -> Path | None:
        """Replace the rows by the reports on disk (`ledger_repair.rebuild_rows`), keeping a copy
        of the damaged file beside it (one copy per distinct content); returns the copy."""
        from .xlsx_out import atomic_write_bytes

        copy = None
        if self.path.is_file():
            data = self.path.read_bytes()
            same = [p for p in sorted(self.path.parent.glob("提交记录.损坏-*.xlsx")) if p.read_bytes() == data]
            copy = same[0] if same else atomic_write_bytes(self.path.parent / aside_name(now), data)
        self.rows = rebuild_rows(out_dir)
        from .model import Rejection

        self.problems.append(Rejection(
            str(self.path), "(文件)", None, None, None,
            f"提交记录已损坏({self.damaged}),原文件另存为 {copy.name if copy else '-'},已按磁盘上的报表重建 "
            f"{len(self.rows)} 行,原有罚款记录请对照另存的文件 (the ledger was damaged; it was kept aside and rebuilt "
            f"from the reports on disk; check past penalties against the kept copy)", fatal=False))
        return copy

    def save(self) -> Path:
        """Write the ledger on its own (atomically); the sync files it with its reports instead."""
        return atomic_write_bytes(self.path, self.to_bytes())

    def to_bytes(self) -> bytes:
        """The ledger workbook: times as Excel date-times (Asia/Shanghai wall time, to the second),
        numbers as numbers, the sha256 digest in the last column, hidden; prints on one page wide."""
        lang = self.lang
        headers = heads(_KEYS[:7], lang) + [_EXTRA_HEAD[k][1 if lang == "en" else 0] for k in _KEYS[7:]]
        first = min((r.first_filed_at or r.filed_at for r in self.rows), default=dt.datetime(2000, 1, 1))

        def wall(when: dt.datetime) -> dt.datetime:
            return localize(when).replace(tzinfo=None, microsecond=0)

        def fill(wb, f):
            sw = SheetWriter(wb, "提交记录" if lang != "en" else "Filings", f)
            sw.tables.append((0, len(self.rows)))
            sw.line(headers, f["head"])
            for r in self.rows:
                values = {"who": r.who, "report": r.report, "period": r.period, "filed_at": r.filed_at,
                          "deadline": r.deadline, "minutes_late": r.minutes_late, "penalty": r.penalty,
                          "first_filed_at": r.first_filed_at or r.filed_at, "revisions": r.revisions,
                          "note": r.note, "digest": r.digest,
                          "year": r.year if r.year is not None else year_of_deadline(r.deadline)}
                for c, key in enumerate(_KEYS):
                    value = values[key]
                    if key in _TIMES:
                        sw.cell(sw.row, c, wall(value), f["datetime_s"])
                    else:
                        sw.cell(sw.row, c, value)
                sw.row += 1
            for key in _TIMES:
                sw.widths[_KEYS.index(key)] = 20
            sw.hidden.add(_KEYS.index("digest"))
            sw.finish(freeze=1)

        return workbook_bytes(localize(first).replace(tzinfo=None), fill, title="提交记录",
                              page=("提交记录" if lang != "en" else "Filings", ""))

    def excerpt(self, since: dt.datetime, until: dt.datetime) -> list[Filing]:
        """Late rows filed in [since, until) — for the monthly summary."""
        return [r for r in self.rows if r.late and since <= r.filed_at < until]
