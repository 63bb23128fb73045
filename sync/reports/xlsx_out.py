"""Writing report workbooks: values only, text stays text, phones masked, atomic and reproducible.

Every report is built in memory with XlsxWriter, then written to a temporary file in the
destination folder and moved into place with `os.replace`: a crash at any point leaves the
previous report untouched and no temporary file behind. The workbook's creation date is a
fixed value supplied by the caller (derived from the period), so re-running a sync on the
same data gives byte-identical files.

Privacy (SPEC §3.5) is enforced here, below every report: `build_workbook` hands `fill` a
workbook whose worksheets pass every string cell, sheet name, comment, chart title and series
name, and the document properties through `mask_phones_in_text`, and write an integer that
reads as a mobile number as its masked text. Report code cannot write a phone number in clear.
Sheet names cannot hold `*`, so their masks use `＊` (`138＊＊＊＊5678`). The one exception is a
`PhoneField` value: the phone column of a workbook that legitimately carries the full number
(an agent's own day list), written as it is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from followup.udfs.privacy import MOBILE, mask_phones_in_text

__all__ = [
    "atomic_write_bytes",
    "build_workbook",
    "workbook_bytes",
    "SheetWriter",
    "fixed_created",
    "PhoneField",
    "current_umask",
    "file_mode",
    "text_width",
    "STATES",
    "is_state",
    "footer_text",
]

_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "in_memory": True,
    "default_date_format": "yyyy-mm-dd",
}


def fixed_created(day: dt.date) -> dt.datetime:
    """The creation timestamp stamped into a report: noon of the period's first day."""
    return dt.datetime(day.year, day.month, day.day, 12, 0, 0)


def current_umask() -> int:
    """The process's umask, read without changing it where the system tells it (Linux
    /proc/self/status); elsewhere set and restored at once (os.umask has no read-only form)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode any program creating a file here would give it: 0o666 less the umask (0644 under 022)."""
    return 0o666 & ~current_umask()


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> Path:
    """Write `data` to `path` through a temp file in the same folder and `os.replace`. The file
    gets the folder's normal permissions (`file_mode`), not mkstemp's private 0600, unless `mode`
    says otherwise (0o600 for files that hold full phone numbers)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, file_mode() if mode is None else mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


class PhoneField(str):
    """A phone number in its own field, written in full: only for the column an agent dials from
    in their own workbook (SPEC §3.5). Every other text is masked."""

    __slots__ = ()


class _MaskedWorksheet(Worksheet):
    """Every string written to a cell (write, write_string, write_row, frames) is masked (each
    distinct text once per sheet: a report repeats its store names, states and purposes)."""

    def __init__(self) -> None:
        super().__init__()
        self._masked: dict[str, str] = {}

    def _write_string(self, row, col, string, cell_format=None):
        if type(string) is not PhoneField:
            shown = self._masked.get(string)
            if shown is None:
                shown = self._masked[string] = mask_phones_in_text(string)
            string = shown
        return super()._write_string(row, col, str(string), cell_format)

    def _write_number(self, row, col, number, cell_format=None):
        if (
            isinstance(number, (int, float))
            and 1e10 <= number < 2e10
            and float(number).is_integer()
            and MOBILE.match(str(int(number)))
        ):
            return super()._write_string(row, col, mask_phones_in_text(str(int(number))), cell_format)
        return super()._write_number(row, col, number, cell_format)

    def write_rich_string(self, row, col, *args):
        return super().write_rich_string(row, col, *[mask_phones_in_text(a) if isinstance(a, str) else a for a in args])

    def write_comment(self, row, col, comment, options=None):
        return super().write_comment(row, col, mask_phones_in_text(comment), options)

    def set_header(self, header="", options=None, margin=None):
        return super().set_header(_masked_codes(header), options, margin)

    def set_footer(self, footer="", options=None, margin=None):
        return super().set_footer(_masked_codes(footer), options, margin)


def _masked_codes(text: str) -> str:
    """A page header/footer masked between its `&` codes, so a code such as `&L` never joins a number."""
    return "".join(
        part if part.startswith("&") else mask_phones_in_text(part) for part in re.split(r"(&[A-Za-z])", text)
    )


def _masked_names(options):
    """A chart/axis/title options dict with its literal `name` masked (cell references kept)."""
    if isinstance(options, dict) and isinstance(options.get("name"), str):
        return {**options, "name": mask_phones_in_text(options["name"])}
    return options


class _MaskedWorkbook(xlsxwriter.Workbook):
    """The workbook `fill` receives: sheet names, properties and charts masked too."""

    worksheet_class = _MaskedWorksheet

    def add_worksheet(self, name=None, worksheet_class=None):
        name = None if name is None else mask_phones_in_text(name).replace("*", "＊")
        return super().add_worksheet(name, worksheet_class)

    def add_chartsheet(self, name=None, chartsheet_class=None):
        name = None if name is None else mask_phones_in_text(name).replace("*", "＊")
        return super().add_chartsheet(name, chartsheet_class)

    def set_properties(self, properties) -> None:
        super().set_properties({k: mask_phones_in_text(v) if isinstance(v, str) else v for k, v in properties.items()})

    def add_chart(self, options):
        chart = super().add_chart(options)
        if chart is not None:
            for method in ("set_title", "add_series", "set_x_axis", "set_y_axis", "set_x2_axis", "set_y2_axis"):
                original = getattr(chart, method)
                setattr(chart, method, lambda opts=None, _f=original: _f(_masked_names(opts)))
        return chart


def build_workbook(
    path: Path, created: dt.datetime, fill: Callable[[xlsxwriter.Workbook, dict], None], title: str = ""
) -> bytes:
    """Build a workbook in memory with `fill(workbook, formats)`, write it atomically; returns its bytes."""
    data = workbook_bytes(created, fill, title)
    atomic_write_bytes(path, data)
    return data


def workbook_bytes(
    created: dt.datetime,
    fill: Callable[[xlsxwriter.Workbook, dict], None],
    title: str = "",
    page: tuple[str, str] | None = None,
    lang: str = "zh",
) -> bytes:
    """Build a workbook in memory with `fill(workbook, formats)`; returns its bytes (nothing written).
    `page`: (report name, period) printed in every sheet's page header (default: `title`, no period);
    `lang`: the language of the page footer and the colour legend (zh: Chinese only)."""
    buf = io.BytesIO()
    wb = _MaskedWorkbook(buf, _OPTIONS)
    wb.set_properties({"title": title, "author": "followup", "created": created})
    wb.set_calc_mode("auto")
    top = {"valign": "top"}  # every cell top-aligned: a row whose text wraps still reads as one line of figures
    formats = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "caption": wb.add_format({"bold": True, "font_size": 11, **top}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, **top}),
        "head_pct": wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "num_format": "0.0%", "text_wrap": True, **top}
        ),
        "date": wb.add_format({"num_format": "yyyy-mm-dd", **top}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm", **top}),
        "datetime_s": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", **top}),
        "pct": wb.add_format({"num_format": "0.0%", **top}),
        "center": wb.add_format({"align": "center", **top}),
        "warn": wb.add_format({"font_color": "#C00000", "bold": True, **top}),
        "note": wb.add_format({"italic": True, "font_color": "#595959"}),
        "wrap": wb.add_format({"text_wrap": True, **top}),
        "top": wb.add_format(top),
        "box": wb.add_format({"border": 1, "border_color": "#BFBFBF"}),
        # the states a manager scans for (STATES): dark red bold on light red, bordered — a grey
        # print still shows them (grey cell, bold text)
        "alert": wb.add_format(
            {"bold": True, "font_color": ALERT_FONT, "bg_color": ALERT_FILL, "border": 1, "border_color": "#BFBFBF"}
        ),
        "page": page or (title, ""),
        "lang": lang,
    }
    with _collector_paused():  # a cell is a small tuple: tens of thousands, no cycles among them
        fill(wb, formats)
        wb.close()
    return buf.getvalue()


@contextlib.contextmanager
def _collector_paused():
    """Python's cycle collector paused while a workbook is built: otherwise it walks every object
    of the sync (the stores read, the tables) again and again as the cells pile up — a third of
    the weekly record's time. Restored (and free to collect) as soon as the workbook is done."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


ALERT_FILL, ALERT_FONT = "#FFC7CE", "#9C0006"
# The states a manager scans for (issue 23): a table cell holding one of these texts is shown in
# the "alert" colours by a conditional format (so a value typed in later is coloured too), and the
# page footer names them. Exact texts; the PREFIX ones also when followed by more (号码无效,请先核实…).
STATES = {
    "zh": ("未达标", "不均衡", "逾期", "高", "号码无效", "未核查"),
    "en": ("below target", "uneven", "overdue", "high", "invalid number", "not checked"),
}
STATE_PREFIX = ("号码无效", "invalid number")
LEGEND = {
    "zh": "红底 = 需处理: 未达标、不均衡、逾期、优先级高、号码无效、未核查",
    "en": "Red = needs attention: below target, uneven, overdue, high priority, invalid number, not checked",
}
_ALL_STATES = {t for texts in STATES.values() for t in texts}


def is_state(value: object) -> bool:
    """Whether a cell text is one of the alert states (see STATES)."""
    if type(value) is not str and not isinstance(value, str):
        return False
    return value in _ALL_STATES or value.startswith(STATE_PREFIX)


def footer_text(lang: str, legend: bool = False) -> str:
    """The page footer: page x of y in the report's language only; the colour legend at its left."""
    pages = "&CPage &P of &N" if lang == "en" else "&C第 &P 页 / 共 &N 页"
    return (f"&L{_page_text(LEGEND['en' if lang == 'en' else 'zh'])}" if legend else "") + pages


WRAP_AT = 40  # a column is at most this wide; longer texts wrap inside it
_PORTRAIT_WIDTH = 95  # column-width units that fit an A4 portrait page at 100 %


_WIDE = re.compile("[\u2e81-\U0010ffff]")  # CJK and other wide characters: two units each


def _raw_width(text: str) -> int:
    return 2 + len(text) + (0 if text.isascii() else len(_WIDE.findall(text)))


def text_width(text: str) -> float:
    """Column width for a text: CJK (and other wide) characters count double; `WRAP_AT` at most."""
    return min(WRAP_AT, _raw_width(text))


_LINE_HEIGHT = 15  # points per line of 11 pt text


def _page_text(text: str) -> str:
    return mask_phones_in_text(str(text)).replace("&", "&&")  # the page header shows the title: masked too


class SheetWriter:
    """Writes values, never formulas: every text through `write_string`."""

    def __init__(self, wb: xlsxwriter.Workbook, name: str, formats: dict):
        self.ws = wb.add_worksheet(name)
        self.f = formats
        self.row = 0
        self.widths: dict[int, float] = {}
        self.tables: list[tuple[int, int]] = []  # (header row, data rows) of each frame
        self.boxes: list[tuple[int, int, int]] = []  # (header row, data rows, columns) to draw borders on
        self.landscape = False  # set when something wide (a chart) is placed
        self.hidden: set[int] = set()  # columns kept in the file but not shown or printed
        self.long: dict[tuple[int, int], int] = {}  # (row, col) → width of a text longer than WRAP_AT
        self.alerts: list[tuple[int, int, int, int]] = []  # ranges whose state texts are coloured (STATES)
        self.seen_state = False  # a state text was written: the footer carries the legend
        self.extra: list[tuple[tuple[int, int, int, int], dict]] = []  # further conditional formats (numbers)

    def cell(self, r: int, c: int, value, fmt=None) -> None:
        write, value, fmt, width = self._op(value, fmt)
        if isinstance(value, str) and is_state(value):
            self.seen_state = True
            self.alerts.append((r, c, r, c))
        if write is not None:
            write(r, c, value, fmt)
        if width:
            self._width(c, width)
            if width >= WRAP_AT and fmt is None:
                self.long[(r, c)] = _raw_width(value) + 2 * value.count("\n") * WRAP_AT

    def _op(self, value, fmt):
        """How one value is written: (worksheet method or None, value, format, column width or 0). The
        methods are the worksheet's undecorated ones (no A1-notation parsing per cell); masking is in
        `_MaskedWorksheet._write_string` / `_write_number`, below them."""
        ws, f = self.ws, self.f
        if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return (ws._write_blank if fmt is not None else None), None, fmt, 0
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=None)
            is_midnight = value.time() == dt.time()
            return ws._write_datetime, value, fmt or (f["date"] if is_midnight else f["datetime"]), 17
        if isinstance(value, dt.date):
            return ws._write_datetime, dt.datetime.combine(value, dt.time()), fmt or f["date"], 11
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return ws._write_boolean, bool(value), fmt, 0
        if isinstance(value, (int, float)) or hasattr(value, "dtype"):
            try:  # 6 decimals at most: no long digit runs that look like phone numbers
                number = float(value)
                return ws._write_number, (number if number.is_integer() else round(number, 6)), fmt, 0
            except (TypeError, ValueError):
                return ws._write_string, str(value), fmt, 0
        text = value if type(value) is PhoneField else str(value)
        return ws._write_string, text, fmt, text_width(text)

    def _width(self, c: int, w: float) -> None:
        if w > self.widths.get(c, 8):
            self.widths[c] = w

    def line(self, values: Iterable, fmt=None) -> int:
        for c, v in enumerate(values):
            self.cell(self.row, c, v, fmt)
        self.row += 1
        return self.row - 1

    def title(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.f["title"])
        self.row += 2

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.f["note"])
        self.row += 1

    def caption(self, text: str) -> None:
        """The name of the table that follows, on the line above its header."""
        self.ws.write_string(self.row, 0, text, self.f["caption"])
        self.row += 1

    def alert_when(self, first: int, last: int, col: int, criteria: str, value) -> None:
        """Colour the cells of a number column in the alert colours when `criteria value` holds
        (e.g. minutes late `>` 0); the footer then carries the legend."""
        if last >= first:
            self.extra.append(((first, col, last, col), {"type": "cell", "criteria": criteria, "value": value}))
            self.seen_state = True

    def frame(self, df: pd.DataFrame, headers: list[str] | None = None, formats: dict | None = None) -> tuple[int, int]:
        """Header row + one row per frame row; returns (first data row, last data row).

        Prepared column by column (text cells straight to `write_string`, each distinct text
        measured once), then written row by row in the order `cell` would write them."""
        self.tables.append((self.row, len(df)))
        self.boxes.append((self.row, len(df), len(df.columns)))
        if len(df):
            self.alerts.append((self.row + 1, 0, self.row + len(df), len(df.columns) - 1))
        self.line(headers or [str(c) for c in df.columns], self.f["head"])
        first = self.row
        formats = formats or {}
        columns = []
        for c, name in enumerate(df.columns):
            fmt = self.f.get(formats.get(name, ""), None)
            write_string, op = self.ws._write_string, self._op
            values = df.iloc[:, c].tolist()
            ops = [(write_string, v, fmt, 0) if type(v) is str else op(v, fmt) for v in values]
            texts = {v: _raw_width(v) for v in dict.fromkeys(v for v in values if type(v) is str)}
            if not self.seen_state and any(is_state(v) for v in texts):
                self.seen_state = True
            self._width(c, max([w for _, _, _, w in ops if w] + [min(WRAP_AT, w) for w in texts.values()], default=0))
            if fmt is None:
                for r, v in enumerate(values, start=first):
                    if type(v) is str and texts[v] >= WRAP_AT:
                        self.long[(r, c)] = texts[v] + 2 * v.count("\n") * WRAP_AT
            columns.append(ops)
        for r, cells in enumerate(zip(*columns), start=first):
            for c, (write, value, fmt, _) in enumerate(cells):
                if write is not None:
                    write(r, c, value, fmt)
        self.row = first + len(df)
        return first, self.row - 1

    def finish(self, freeze: int | None = None, breaks: Iterable[int] = ()) -> None:
        """Column widths (a column at the cap wraps its texts), frozen rows and the print setup:
        A4, fit to one page wide (as many pages down as needed), landscape when wider than a
        portrait page, the largest table's header row repeated on every page, page breaks before
        the rows in `breaks`, page header (report, sheet, period) and footer (page x / y)."""
        ws = self.ws
        for c, w in self.widths.items():
            ws.set_column(c, c, w, self.f["wrap"] if w >= WRAP_AT else None, {"hidden": c in self.hidden})
        for c in self.hidden - set(self.widths):
            ws.set_column(c, c, None, None, {"hidden": True})
        if freeze is not None:
            ws.freeze_panes(freeze, 0)
        lines: dict[int, int] = {}  # wrapped texts: rows as tall as their lines (Excel and LibreOffice alike)
        for (r, c), width in self.long.items():
            col = self.widths.get(c, 8.43)
            if col >= WRAP_AT and c not in self.hidden:
                lines[r] = max(lines.get(r, 1), math.ceil((width - 2) / max(1.0, col)))  # width less its padding
        for r, n in sorted(lines.items()):
            if n > 1:
                ws.set_row(r, n * _LINE_HEIGHT, self.f["wrap"])  # the whole row top-aligned
        alert = self.f["alert"]
        if self.seen_state:  # the alert states first: where a viewer applies one rule per cell, theirs wins
            for rng in self.alerts:
                for text in STATES["en" if self.f.get("lang") == "en" else "zh"]:
                    rule = (
                        {"type": "text", "criteria": "begins with", "value": text}
                        if text in STATE_PREFIX
                        else {"type": "cell", "criteria": "==", "value": f'"{text}"'}
                    )
                    ws.conditional_format(*rng, {**rule, "format": alert})
        for rng, rule in self.extra:
            ws.conditional_format(*rng, {**rule, "format": alert})
        for head, n, width in self.boxes:  # thin cell borders on every table, printed: adjacent values stay apart
            if n and width:
                ws.conditional_format(
                    head + 1, 0, head + n, width - 1, {"type": "formula", "criteria": "=TRUE", "format": self.f["box"]}
                )
        ws.set_paper(9)
        total = sum(self.widths.get(c, 8.43) for c in range(max(self.widths, default=-1) + 1) if c not in self.hidden)
        if self.landscape or total > _PORTRAIT_WIDTH:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
        if self.tables and max(n for _, n in self.tables) > 0:  # an empty table's header is not repeated
            head = max(self.tables, key=lambda t: t[1])[0]
            ws.repeat_rows(head)
        rows = sorted({int(r) for r in breaks if r > 0})
        if rows:
            ws.set_h_pagebreaks(rows)
        name, period = self.f.get("page", ("", ""))
        ws.set_header(f"&L{_page_text(name)}&C&A&R{_page_text(period)}", {"margin": 0.3})
        ws.set_footer(footer_text(self.f.get("lang", "zh"), self.seen_state), {"margin": 0.3})
