"""Writing report workbooks: values only, text stays text, phones masked, atomic and reproducible.

Every report is built in memory with XlsxWriter, then written to a temporary file in the
destination folder and moved into place with `os.replace`: a crash at any point leaves the
previous report untouched and no temporary file behind. The workbook's creation date is a
fixed value supplied by the caller (derived from the period), so re-running a sync on the
same data gives byte-identical files.
"""
from __future__ import annotations

import datetime as dt
import io
import math
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd
import xlsxwriter

__all__ = ["atomic_write_bytes", "build_workbook", "workbook_bytes", "SheetWriter", "fixed_created"]

_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
            "in_memory": True, "default_date_format": "yyyy-mm-dd"}


def fixed_created(day: dt.date) -> dt.datetime:
    """The creation timestamp stamped into a report: noon of the period's first day."""
    return dt.datetime(day.year, day.month, day.day, 12, 0, 0)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` through a temp file in the same folder and `os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def build_workbook(path: Path, created: dt.datetime, fill: Callable[["xlsxwriter.Workbook", dict], None],
                   title: str = "") -> bytes:
    """Build a workbook in memory with `fill(workbook, formats)`, write it atomically; returns its bytes."""
    data = workbook_bytes(created, fill, title)
    atomic_write_bytes(path, data)
    return data


def workbook_bytes(created: dt.datetime, fill: Callable[["xlsxwriter.Workbook", dict], None],
                   title: str = "") -> bytes:
    """Build a workbook in memory with `fill(workbook, formats)`; returns its bytes (nothing written)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, _OPTIONS)
    wb.set_properties({"title": title, "author": "followup", "created": created})
    wb.set_calc_mode("auto")
    formats = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "pct": wb.add_format({"num_format": "0.0%"}),
        "warn": wb.add_format({"font_color": "#C00000", "bold": True}),
        "note": wb.add_format({"italic": True, "font_color": "#595959"}),
    }
    fill(wb, formats)
    wb.close()
    return buf.getvalue()


def _text_width(text: str) -> float:
    """Column width for a text: CJK characters count double; 50 at most."""
    return min(50, 2 + sum(2 if ord(ch) > 0x2E80 else 1 for ch in text))


class SheetWriter:
    """Writes values, never formulas: every text through `write_string`."""

    def __init__(self, wb: "xlsxwriter.Workbook", name: str, formats: dict):
        self.ws = wb.add_worksheet(name)
        self.f = formats
        self.row = 0
        self.widths: dict[int, float] = {}

    def cell(self, r: int, c: int, value, fmt=None) -> None:
        write, value, fmt, width = self._op(value, fmt)
        if write is not None:
            write(r, c, value, fmt)
        if width:
            self._width(c, width)

    def _op(self, value, fmt):
        """How one value is written: (worksheet method or None, value, format, column width or 0)."""
        ws, f = self.ws, self.f
        if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return (ws.write_blank if fmt is not None else None), None, fmt, 0
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=None)
            is_midnight = value.time() == dt.time()
            return ws.write_datetime, value, fmt or (f["date"] if is_midnight else f["datetime"]), 16
        if isinstance(value, dt.date):
            return ws.write_datetime, dt.datetime.combine(value, dt.time()), fmt or f["date"], 11
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return ws.write_boolean, bool(value), fmt, 0
        if isinstance(value, (int, float)) or hasattr(value, "dtype"):
            try:  # 6 decimals at most: no long digit runs that look like phone numbers
                number = float(value)
                return ws.write_number, (number if number.is_integer() else round(number, 6)), fmt, 0
            except (TypeError, ValueError):
                return ws.write_string, str(value), fmt, 0
        text = str(value)
        return ws.write_string, text, fmt, _text_width(text)

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

    def frame(self, df: pd.DataFrame, headers: list[str] | None = None, formats: dict | None = None) -> tuple[int, int]:
        """Header row + one row per frame row; returns (first data row, last data row).

        Prepared column by column (text cells straight to `write_string`, each distinct text
        measured once), then written row by row in the order `cell` would write them."""
        self.line(headers or [str(c) for c in df.columns], self.f["head"])
        first = self.row
        formats = formats or {}
        columns = []
        for c, name in enumerate(df.columns):
            fmt = self.f.get(formats.get(name, ""), None)
            write_string, op = self.ws.write_string, self._op
            values = df.iloc[:, c].tolist()
            ops = [(write_string, v, fmt, 0) if type(v) is str else op(v, fmt) for v in values]
            texts = {v for v in values if type(v) is str}
            self._width(c, max([w for _, _, _, w in ops if w] + [_text_width(t) for t in texts], default=0))
            columns.append(ops)
        for r, cells in enumerate(zip(*columns), start=first):
            for c, (write, value, fmt, _) in enumerate(cells):
                if write is not None:
                    write(r, c, value, fmt)
        self.row = first + len(df)
        return first, self.row - 1

    def finish(self, freeze: int | None = None) -> None:
        for c, w in self.widths.items():
            self.ws.set_column(c, c, w)
        if freeze is not None:
            self.ws.freeze_panes(freeze, 0)
