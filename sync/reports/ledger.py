"""The submission ledger `提交记录.xlsx`: who filed which report, when, how late, what penalty.

The ledger is a workbook in the report folder (the spreadsheet stays the system of record);
it is rewritten atomically. The report folder is untrusted input, so the ledger is read only as
a regular file (never through a link, never a FIFO or device) of at most `LEDGER_MAX_BYTES`,
through the workbook guard the store workbooks pass (`sources.excel.guard.inspect_zip`, with
`LEDGER_LIMITS`), then row by row from the zip (`ledger_xml`: memory grows with the rows kept,
not with the sheet's used range). Anything else makes it damaged: kept aside and rebuilt.

The rows and the penalty rule (SPEC §3.6) are in `ledger_rule`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from followup.sync.deadline import localize
from followup.sync.sources.excel.guard import ReadLimits

from .folder import NotRegular, hash_regular, kind, read_regular, set_aside
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

__all__ = ["LEDGER_NAME", "Ledger", "aside_name", "LEDGER_MAX_BYTES", "LEDGER_LIMITS"]

LEDGER_NAME = "提交记录.xlsx"
LEDGER_MAX_BYTES = 256 << 20  # the file; a ledger of 10⁶ filings is about 60–100 MB
# The guard's bounds for the ledger: it is read as a stream, so its cells are bounded only to
# keep a planted used range (a cell at XFD1048576) out; 2·10⁶ rows × 20 columns.
LEDGER_LIMITS = ReadLimits(max_cells=40_000_000, max_uncompressed_mb=2048, max_compression_ratio=200)
_MAX_COLUMNS = 64  # cells further right are no ledger column and are not read
REPORT_MAX_BYTES = 256 << 20  # a report file hashed to match a ledger row
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
        self.excuses: list[Excuse] = []
        if kind(self.path) is not None:
            try:
                book = self._open()
                self.rows = self._load(book)
            except LedgerDamaged as e:
                self.damaged = str(e)
            else:
                self.excuses = self._load_excuses(book)
                self._load_revisions(book)

    def _load_revisions(self, book) -> None:
        """The 修订记录 sheet: each report's revisions (who filed which, when), attached to its row.
        A row of the sheet without a usable number or time is skipped with a warning; a report
        whose sheet rows do not reach its revision count keeps its latest filing from its own row."""
        name = next((n for n in book.sheet_names if n in REVISION_SHEETS), None)
        try:
            values = list(book.rows(name))[1:] if name else []  # after the header row
        except Exception:  # noqa: BLE001 - the filings sheet was read; the history falls back to its cells
            return
        found: dict[tuple[str, int | None], dict[int, Revision]] = {}
        for n, rec in values:
            rec = list(rec[:5]) + [""] * (5 - len(rec[:5]))
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

    def _open(self):
        """The ledger's workbook, read as described in the module docstring (LedgerDamaged otherwise)."""
        import zipfile

        from followup.sync.sources.excel.guard import LimitExceeded, inspect_zip

        from .ledger_xml import LedgerBook

        try:
            data, st = read_regular(self.path, LEDGER_MAX_BYTES, with_stat=True)
        except NotRegular as e:
            raise LedgerDamaged(f"不是可读取的普通文件 (not a readable regular file): {e}") from None
        except OSError as e:
            raise LedgerDamaged(f"无法读取 (cannot be read: {e.strerror or type(e).__name__})") from None
        try:
            inspect_zip(self.path, LEDGER_LIMITS)
            now = os.lstat(self.path)
            if (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) != (
                st.st_dev,
                st.st_ino,
                st.st_size,
                st.st_mtime_ns,
            ):
                raise LedgerDamaged("读取期间被替换或修改 (replaced or changed while being read)")
            return LedgerBook(data)
        except LimitExceeded as e:
            raise LedgerDamaged(str(e)) from None
        except LedgerDamaged:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, OSError) as e:
            raise LedgerDamaged(f"无法打开 (cannot be opened: {type(e).__name__})") from None

    def _load_excuses(self, book) -> list[Excuse]:
        """The 提前说明 sheet: one row per excuse (a row typed in by hand counts too); a row
        without a report name or a usable time is skipped with a warning."""
        name = next((n for n in book.sheet_names if n in EXCUSE_SHEETS), None)
        values: list = []
        try:
            if name:
                values = list(book.rows(name))[1:]  # after the header row
        except Exception:  # noqa: BLE001 - the filings sheet was read; a broken excuse sheet is empty
            return []
        out: list[Any] = []
        for n, rec in values:
            rec = list(rec[:4]) + [""] * (4 - len(rec[:4]))
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

    def _load(self, book) -> list[Filing]:
        names = list(book.sheet_names)
        names.sort(key=lambda n: n not in ("提交记录", "Filings"))
        known = _all_heads()
        try:
            for name in names:
                rows = book.rows(name)
                first = next(rows, None)
                if first is None:
                    continue
                head = first[1][:_MAX_COLUMNS]
                cols = {known[str(h).strip()]: i for i, h in enumerate(head) if str(h).strip() in known}
                if "report" in cols and ("filed_at" in cols or "deadline" in cols):
                    return self._rows(name, rows, cols)
        except LedgerDamaged:
            raise
        except Exception as e:  # noqa: BLE001 - any failure to read the rows means the file is damaged
            raise LedgerDamaged(f"无法读取 (cannot be read: {type(e).__name__})") from None
        raise LedgerDamaged("没有提交记录的列(报表、提交时间、截止时间) (no sheet with the ledger's columns)")

    def _rows(self, sheet: str, values, cols: dict[str, int]) -> list[Filing]:
        """The filings of the sheet (`values`: (row number, cells) of its rows after the header,
        blank rows left out). A row without a report name (or without any usable date) is never
        dropped: its report is taken from the report file whose content matches its digest, or
        else the row is kept as it stands (`kept`); either way a warning names the row and column."""
        out: list[Any] = []
        texts: dict[str, str] = {}  # one copy of each repeated text (who, period, note): memory
        for n, rec in values:
            d = {k: (rec[i] if i < len(rec) else "") for k, i in cols.items()}
            if all(_blank(v) for v in rec):
                continue
            for key in ("who", "period", "note"):
                v = d.get(key)
                if isinstance(v, str):
                    d[key] = texts.setdefault(v, v)

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
                if kind(path) == "file" and hash_regular(path, REPORT_MAX_BYTES) == digest:
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
        k = kind(self.path)
        if k == "file":
            try:
                data: bytes | None
                data, st = read_regular(self.path, LEDGER_MAX_BYTES, with_stat=True)
            except OSError:
                data = None  # too big to copy (or replaced meanwhile): renamed aside instead
            if data is None:
                copy = set_aside(self.path, localize(now).replace(tzinfo=None))
            else:
                digest = hashlib.sha256(data).hexdigest()
                same = [
                    p
                    for p in sorted(self.path.parent.glob("提交记录.损坏-*.xlsx"))
                    if kind(p) == "file"
                    and p.lstat().st_size == len(data)
                    and hash_regular(p, LEDGER_MAX_BYTES) == digest
                ]
                copy = (
                    same[0]
                    if same
                    else atomic_write_bytes(self.path.parent / aside_name(now), data, mode=st.st_mode & 0o777)
                )  # the copy keeps the ledger's permissions
        elif k is not None:  # a link, FIFO, device or folder: renamed aside, never read or followed
            copy = set_aside(self.path, localize(now).replace(tzinfo=None))
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
