"""The submission ledger `提交记录.xlsx`: who filed which report, when, how late, what penalty.

The ledger is a workbook in the report folder (the spreadsheet stays the system of record);
it is read back with python-calamine and rewritten atomically.

The rows and the penalty rule (SPEC §3.6) are in `ledger_rule`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from followup.sync.deadline import localize

from .i18n import heads
from .ledger_repair import (
    LedgerDamaged,
    cell_warning,
    loose_number,
    parse_number,
    parse_when,
    rebuild_rows,
    report_facts,
    year_of_deadline,
)
from .ledger_rule import Excuse, Filing, FilingLog, Penalty, Revision, minutes_late
from .xlsx_out import SheetWriter, atomic_write_bytes, workbook_bytes

__all__ = ["LEDGER_NAME", "Ledger", "aside_name"]

LEDGER_NAME = "提交记录.xlsx"
_KEYS = [
    "who",
    "report",
    "period",
    "filed_at",
    "deadline",
    "minutes_late",
    "penalty",
    "first_who",
    "first_filed_at",
    "revisions",
    "note",
    "year",
    "digest",
]  # digest last, in a hidden column
_TIMES = ("filed_at", "deadline", "first_filed_at")
EXCUSE_SHEETS = ("提前说明", "Excuses")  # 002 「确有特殊情况无法完成的必须提前说明」
_EXCUSE_HEAD = (("报告", "说明", "登记时间", "登记人"), ("Report", "Reason", "Recorded at", "Recorded by"))
REVISION_SHEETS = ("修订记录", "Revisions")  # who filed each revision, when (appears with the first revision)
_REVISION_HEAD = (
    ("报表", "年份", "修订", "提交人", "提交时间"),
    ("Report", "Year", "Revision", "Filed by", "Filed at"),
)
_EXTRA_HEAD = {
    "first_who": ("首次提交人", "First filed by"),
    "first_filed_at": ("首次提交", "First filed"),
    "revisions": ("修订次数", "Revisions"),
    "digest": ("内容校验", "Digest"),
    "note": ("备注", "Note"),
    "year": ("年份", "Year"),
}


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


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
    `problems`), rewritten by `save` (or `to_bytes` for a set filed by `followup.sync.reports.filing`).

    Columns are found by their header (Chinese or English), so a ledger from before the 年份
    column, or with its columns moved, still reads; a row without a year takes it from its deadline."""

    def __init__(self, path: Path, penalty=None, lang: str = "zh"):
        self.path = Path(path)
        self.penalty = Penalty.of(penalty)
        self.lang = lang
        self.problems: list = []  # Rejection warnings: bad cells, damage, rebuild
        self.damaged: str | None = None  # why the file could not be used at all
        self.rows: list[Filing] = []
        self.kept: list[tuple[int, dict]] = []  # rows that are no filing, kept as they stand: (place, cells)
        if self.path.exists():
            try:
                self.rows = self._load()
            except LedgerDamaged as e:
                self.damaged = str(e)
        self.excuses: list[Excuse] = self._load_excuses() if self.path.exists() and not self.damaged else []
        if self.path.exists() and not self.damaged:
            self._load_revisions()

    def _load_revisions(self) -> None:
        """The 修订记录 sheet: each report's revisions (who filed which, when), attached to its row.
        A row of the sheet without a usable number or time is skipped with a warning; a report
        whose sheet rows do not reach its revision count keeps its latest filing from its own row."""
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(self.path))
            name = next((n for n in wb.sheet_names if n in REVISION_SHEETS), None)
            values = wb.get_sheet_by_name(name).to_python() if name else []
        except Exception:  # noqa: BLE001 - the filings sheet was read; the history falls back to its cells
            return
        found: dict[tuple[str, int | None], dict[int, Revision]] = {}
        for n, rec in enumerate(values[1:], start=2):
            rec = list(rec) + [""] * (5 - len(rec))
            report, year, number, who, at = rec[:5]
            if _blank(report):
                continue
            try:
                when, num = parse_when(at), parse_number(number)
                yr = parse_number(year) if not _blank(year) else None
            except ValueError:
                when = num = None
            if when is None or num is None or num < 1:
                self.problems.append(
                    cell_warning(
                        self.path,
                        cast(str, name),
                        n,
                        _REVISION_HEAD[0][4],
                        at,
                        ("修订次数或时间无法识别,此行未使用", "unreadable revision or time: the row is not used"),
                    )
                )
                continue
            key = (str(report).strip(), int(yr) if yr is not None else None)
            found.setdefault(key, {})[int(num)] = Revision(int(num), "" if who is None else str(who), when)
        for i, row in enumerate(self.rows):
            got = found.get((row.report, row.year)) or found.get((row.report, None))
            if not got:
                continue
            history = tuple(got[k] for k in sorted(got) if k <= row.revisions)
            if not history or history[0].number != 1:
                history = (row.revisions_filed[0],) + history
            if history[-1].number < row.revisions:
                history += (Revision(row.revisions, row.who, row.filed_at),)
            self.rows[i] = replace(row, history=history)

    def _load_excuses(self) -> list[Excuse]:
        """The 提前说明 sheet: one row per excuse (a row typed in by hand counts too); a row
        without a report name or a usable time is skipped with a warning."""
        from python_calamine import CalamineWorkbook

        try:
            wb = CalamineWorkbook.from_path(str(self.path))
            name = next((n for n in wb.sheet_names if n in EXCUSE_SHEETS), None)
            values = wb.get_sheet_by_name(name).to_python() if name else []
        except Exception:  # noqa: BLE001 - the filings sheet was read; a broken excuse sheet is empty
            return []
        out: list[Any] = []
        for n, rec in enumerate(values[1:], start=2):
            rec = list(rec) + [""] * (4 - len(rec))
            report, reason, at, who = rec[:4]
            if report in (None, ""):
                continue
            try:
                when = parse_when(at)
            except ValueError:
                when = None
            if when is None:
                self.problems.append(
                    cell_warning(
                        self.path,
                        cast(str, name),
                        n,
                        _EXCUSE_HEAD[0][2],
                        at,
                        ("登记时间无法识别,此说明未使用", "unreadable time: the excuse is not used"),
                    )
                )
                continue
            out.append(Excuse(str(report).strip(), str(reason or "").strip(), when, str(who or "")))
        return out

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
        """The filings of the sheet. A fully blank row is dropped; a row without a report name (or
        without any usable date) is never dropped: its report is taken from the report file whose
        content matches its digest, or else the row is kept as it stands (`kept`); either way a
        warning names the row and column."""
        out: list[Any] = []
        for n, rec in enumerate(values[1:], start=2):
            d = {k: (rec[i] if i < len(rec) else "") for k, i in cols.items()}
            if all(_blank(v) for v in rec):
                continue

            def warn(key, value, what, n=n):
                self.problems.append(cell_warning(self.path, sheet, n, _head_text(key), value, what))

            if _blank(d.get("report")):
                name = self._report_of(d, out)
                if name is None:
                    warn(
                        "report", "", ("报表名为空,此行原样保留", "the report name is empty; the row is kept as it is")
                    )
                    self.kept.append((len(out), d))
                    continue
                warn("report", "", (f"已按内容校验恢复为 {name}", f"restored as {name} from its digest"))
                d["report"] = name
            row = self._row(d, warn)
            if row is None:
                self.kept.append((len(out), d))
            else:
                out.append(row)
        return out

    def _report_of(self, d: dict, rows: list[Filing]) -> str | None:
        """The report file in the folder whose sha256 is the row's digest, unless another row has it."""
        digest = str(d.get("digest") or "").strip()
        if not digest:
            return None
        from .filing import year_dirs

        for folder in year_dirs(self.path.parent):
            for path in sorted(folder.glob("*.xlsx")):
                if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                    year = int(folder.name)
                    if any(r.same_report(path.name, year) for r in rows):
                        return None
                    if _blank(d.get("year")):
                        d["year"] = year
                    return path.name
        return None

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
                year = int(parse_number(d["year"]))  # type: ignore[arg-type]  # None → TypeError, caught
            except (ValueError, TypeError):
                warn("year", d["year"], ("已按截止时间推算", "taken from the deadline"))
        if when["deadline"] is None and year is not None:
            facts = report_facts(report, year)
            when["deadline"] = facts[2] if facts else None
        filed = when["filed_at"] or when["first_filed_at"] or when["deadline"]
        deadline = when["deadline"] or filed
        if filed is None:
            warn(
                "filed_at",
                d.get("filed_at"),
                ("此行缺少可用的日期,原样保留", "the row has no usable date; it is kept as it is"),
            )
            return None
        deadline = cast(dt.datetime, deadline)  # `filed` is set, so is `deadline`
        if year is None:
            year = year_of_deadline(deadline)
        late = self._number(d, "minutes_late", warn, None)
        if late is None:
            late = minutes_late(filed, deadline)  # SPEC §3.7: to the second, minutes rounded up
        who, first_who = str(d.get("who") or ""), str(d.get("first_who") or "")
        revisions = int(self._number(d, "revisions", warn, 1) or 1)
        history: tuple[Revision, ...] = ()
        if first_who:  # the first filing's filer recorded: the first and the latest revision from the row
            first = Revision(1, first_who, when["first_filed_at"] or filed)
            history = (first,) + ((Revision(revisions, who, filed),) if revisions > 1 else ())
        return Filing(
            who,
            report,
            str(d.get("period") or ""),
            filed,
            deadline,
            int(late),
            self._number(d, "penalty", warn, 0),
            when["first_filed_at"],
            revisions,
            str(d.get("digest") or ""),
            str(d.get("note") or ""),
            "stored",
            year=year,
            history=history,
        )

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
            warn(
                key,
                value,
                (
                    "已按其他列推算" if default is None else f"按 {default} 处理",
                    "derived from the other cells" if default is None else f"read as {default}",
                ),
            )
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
        from followup.sync.model import Rejection

        self.problems.append(
            Rejection(
                str(self.path),
                "(文件)",
                None,
                None,
                None,
                f"提交记录已损坏({self.damaged}),原文件另存为 {copy.name if copy else '-'},已按磁盘上的报表重建 "
                f"{len(self.rows)} 行,原有罚款记录请对照另存的文件 (the ledger was damaged; it was kept aside and rebuilt "
                f"from the reports on disk; check past penalties against the kept copy)",
                fatal=False,
            )
        )
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
            sw.tables.append((0, len(self.rows) + len(self.kept)))
            sw.line(headers, f["head"])
            for i, r in enumerate(self.rows + [None]):
                for _, cells in (k for k in self.kept if k[0] == i or (r is None and k[0] > i)):
                    for c, key in enumerate(_KEYS):
                        value = cells.get(key)
                        timed = key in _TIMES and isinstance(value, dt.datetime)
                        sw.cell(sw.row, c, None if _blank(value) else value, f["datetime_s"] if timed else None)
                    sw.row += 1
                if r is None:
                    break
                values = {
                    "who": r.who,
                    "report": r.report,
                    "period": r.period,
                    "filed_at": r.filed_at,
                    "deadline": r.deadline,
                    "minutes_late": r.minutes_late,
                    "penalty": r.penalty,
                    "first_who": r.first_who,
                    "first_filed_at": r.first_filed_at or r.filed_at,
                    "revisions": r.revisions,
                    "note": r.note,
                    "digest": r.digest,
                    "year": r.year if r.year is not None else year_of_deadline(r.deadline),
                }
                for c, key in enumerate(_KEYS):
                    value = values[key]
                    if key in _TIMES:
                        sw.cell(sw.row, c, wall(cast(dt.datetime, value)), f["datetime_s"])
                    else:
                        sw.cell(sw.row, c, value)
                sw.row += 1
            for key in _TIMES:
                sw.widths[_KEYS.index(key)] = 20
            sw.hidden.add(_KEYS.index("digest"))
            sw.alert_when(1, sw.row - 1, _KEYS.index("minutes_late"), ">", 0)  # late filings in red
            sw.finish(freeze=1)
            if any(r.revisions > 1 for r in self.rows):  # the sheet appears with the first revision
                rw = SheetWriter(wb, REVISION_SHEETS[1 if lang == "en" else 0], f)
                head = list(_REVISION_HEAD[1 if lang == "en" else 0])
                revised = [r for r in self.rows if r.revisions > 1]
                rw.tables.append((0, sum(len(r.revisions_filed) for r in revised)))
                rw.line(head, f["head"])
                for r in revised:
                    year = r.year if r.year is not None else year_of_deadline(r.deadline)
                    for rev in r.revisions_filed:
                        rw.line([r.report, year, rev.number, rev.who])
                        rw.cell(rw.row - 1, 4, wall(rev.filed_at), f["datetime_s"])
                rw.widths[4] = 20
                rw.finish(freeze=1)
            if not getattr(self, "excuses", []):
                return  # the sheet appears with the first excuse (or a 提前说明 sheet added by hand)
            ew = SheetWriter(wb, EXCUSE_SHEETS[1 if lang == "en" else 0], f)
            ew.line(list(_EXCUSE_HEAD[1 if lang == "en" else 0]), f["head"])
            for e in getattr(self, "excuses", []):
                ew.cell(ew.row, 0, e.report)
                ew.cell(ew.row, 1, e.reason)
                ew.cell(ew.row, 2, wall(e.recorded_at), f["datetime_s"])
                ew.cell(ew.row, 3, e.who)
                ew.row += 1
            ew.widths[2] = 20
            ew.finish(freeze=1)

        return workbook_bytes(
            localize(first).replace(tzinfo=None),
            fill,
            title="提交记录",
            page=("提交记录" if lang != "en" else "Filings", ""),
            lang=lang,
        )

    def excerpt(self, since: dt.datetime, until: dt.datetime) -> list[Filing]:
        """Late rows filed in [since, until) — for the monthly summary."""
        return [r for r in self.rows if r.late and since <= r.filed_at < until]
