"""Reading the ledger workbook's rows as a stream, in memory proportional to what is kept.

python-calamine builds a sheet as one dense block before handing out a row (a 10⁶-row ledger:
1.2 GB before the first row); the ledger is only ever read row by row, so it is read here
straight from the zip: the sheet's XML in 1 MB pieces cut at row ends, cells found by pattern
(any namespace prefix), shared strings (plain or rich text), inline strings, booleans, errors
(read as empty), numbers, and numbers in a date format (built in or custom) as date-times,
1904 date system included. Only workbooks that passed the workbook guard
(`followup.sync.sources.excel.guard.inspect_zip`) are read here.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import iterparse

__all__ = ["LedgerBook"]

_CHUNK = 1 << 20
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>)")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(rb'\b(r|t|s)="([^"]*)"')
_V = re.compile(rb"<(?:\w+:)?v\b[^>]*>(.*?)</(?:\w+:)?v>", re.S)
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*>(.*?)</(?:\w+:)?t>", re.S)
# The form every common writer uses (XlsxWriter, Excel, openpyxl, LibreOffice): one findall per
# piece; a piece with any other cell form is read by the general patterns above.
_FAST = re.compile(
    rb'<c r="([A-Z]{1,3})(\d{1,7})"(?: s="(\d+)")?(?: t="(\w+)")?'
    rb"(?:/>|>(?:<v>([^<]*)</v>|<is><t(?: [^>]*)?>([^<]*)</t></is>)?</c>)"
)
_DATE_IDS = set(range(14, 23)) | {45, 46, 47} | set(range(27, 37)) | set(range(50, 59))
_MAX_COLUMNS = 64  # cells further right are no ledger column and are not read
_EPOCH = {False: dt.datetime(1899, 12, 30), True: dt.datetime(1904, 1, 1)}


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
    return any(ch in code for ch in "ymdhs")


class LedgerBook:
    """A workbook's sheet names and its sheets' rows (as `(row number, values)`, blank rows left
    out). `data`: the file's bytes."""

    def __init__(self, data: bytes):
        self._zip = zipfile.ZipFile(io.BytesIO(data))
        names = set(self._zip.namelist())
        wb = self._small("xl/workbook.xml", names)
        rels = self._small("xl/_rels/workbook.xml.rels", names)
        targets: dict[str, str] = {}
        for rel in re.finditer(rb"<(?:\w+:)?Relationship\b([^>]*)>", rels):
            rid = re.search(rb'\bId="([^"]*)"', rel.group(1))
            tgt = re.search(rb'\bTarget="([^"]*)"', rel.group(1))
            if rid and tgt:
                t = html.unescape(tgt.group(1).decode("utf-8", "replace"))
                targets[rid.group(1).decode()] = t.lstrip("/") if t.startswith("/") else "xl/" + t
        self.parts: dict[str, str] = {}
        for s in re.finditer(rb"<(?:\w+:)?sheet\b([^>]*)>", wb):
            name = re.search(rb'\bname="([^"]*)"', s.group(1))
            rid = re.search(rb'\b\w+:id="([^"]*)"', s.group(1))
            if name and rid and rid.group(1).decode() in targets and targets[rid.group(1).decode()] in names:
                self.parts[html.unescape(name.group(1).decode("utf-8", "replace"))] = targets[rid.group(1).decode()]
        flag = re.search(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(1|true)"', wb)
        self.epoch = _EPOCH[flag is not None]
        self._dates = self._date_styles(names)
        self._date_bytes = {str(i).encode() for i in self._dates}
        self._shared: list[str] | None = None
        self._cols: dict[bytes, int] = {}

    @property
    def sheet_names(self) -> list[str]:
        return list(self.parts)

    def _small(self, name: str, names: set[str]) -> bytes:
        if name not in names:
            return b""
        with self._zip.open(name) as f:
            return f.read(16 << 20)

    def _date_styles(self, names: set[str]) -> set[int]:
        """Indices of the cell formats (cellXfs) that show a date or time."""
        xml = self._small("xl/styles.xml", names)
        custom = {
            int(m.group(1)): _is_date_code(html.unescape(m.group(2).decode("utf-8", "replace")))
            for m in re.finditer(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"', xml)
        }
        xfs = re.search(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", xml, re.S)
        out = set()
        if xfs:
            for i, m in enumerate(re.finditer(rb"<(?:\w+:)?xf\b([^>]*)", xfs.group(0))):
                fid = re.search(rb'\bnumFmtId="(\d+)"', m.group(1))
                n = int(fid.group(1)) if fid else 0
                if n in _DATE_IDS or custom.get(n, False):
                    out.add(i)
        return out

    def _strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if "xl/sharedStrings.xml" in self._zip.namelist():
                with self._zip.open("xl/sharedStrings.xml") as f:
                    parts: list[str] = []
                    for _event, el in iterparse(f, events=("end",)):
                        tag = _local(el.tag)
                        if tag == "t" and el.text:
                            parts.append(el.text)
                        elif tag == "si":
                            self._shared.append("".join(parts))
                            parts = []
                            el.clear()
                        elif tag == "rPh":
                            parts = parts[: -1 if parts else None]  # phonetic runs are not the text
        return self._shared

    def _value(self, attrs: bytes, inner: bytes | None):
        got = dict(_ATTR.findall(attrs))
        t = got.get(b"t", b"n")
        if inner is None:
            return None
        if t == b"inlineStr":
            return html.unescape("".join(x.decode("utf-8", "replace") for x in _T.findall(inner)))
        v = _V.search(inner)
        if v is None:
            return None
        text = html.unescape(v.group(1).decode("utf-8", "replace"))
        if t == b"s":
            strings = self._strings()
            i = int(text) if text.strip().isdigit() else -1
            return strings[i] if 0 <= i < len(strings) else None
        if t in (b"str", b"d"):
            return text
        if t == b"b":
            return text.strip() == "1"
        if t == b"e":
            return None
        style = got.get(b"s", b"")
        return self._number(text.encode("utf-8"), style if style.isdigit() else b"")

    def rows(self, sheet: str) -> Iterator[tuple[int, list]]:
        """(sheet row number, values by column) for each row with a cell, in order."""
        part = self.parts[sheet]
        with self._zip.open(part) as f:
            carry = b""
            while True:
                chunk = f.read(_CHUNK)
                buf = carry + chunk
                if chunk:
                    ends = list(_ROW_END.finditer(buf))
                    if not ends:
                        carry = buf
                        continue
                    cut = ends[-1].end()
                    piece, carry = buf[:cut], buf[cut:]
                else:
                    piece, carry = buf, b""
                yield from self._rows_of(piece)
                if not chunk:
                    return

    def _rows_of(self, piece: bytes) -> Iterator[tuple[int, list]]:
        cells = _FAST.findall(piece)
        if b":c" not in piece and len(cells) == piece.count(b"<c ") + piece.count(b"<c>"):
            yield from self._fast_rows(cells)
        else:
            yield from self._slow_rows(piece)

    def _fast_rows(self, cells: list) -> Iterator[tuple[int, list]]:
        cols = self._cols
        dates = self._date_bytes
        epoch = self.epoch
        strings = self._strings() if any(c[3] == b"s" for c in cells[:64]) else None
        current: bytes = b""
        row: list = []
        for letters, number, style, t, v, inline in cells:
            if number != current:
                if row:
                    yield int(current), row
                current, row = number, []
            value: Any
            if not t:  # a number (the commonest cell)
                if not v:
                    continue
                try:
                    value = float(v)
                except ValueError:
                    value = v.decode("utf-8", "replace")
                else:
                    if style in dates and 0 <= value < 2_958_466:
                        value = epoch + dt.timedelta(seconds=round(value * 86400))
                    elif value.is_integer() and abs(value) < 2**53:
                        value = int(value)
            elif t == b"s":
                strings = strings if strings is not None else self._strings()
                i = int(v) if v.isdigit() else -1
                value = strings[i] if 0 <= i < len(strings) else None
            elif t == b"inlineStr" or t == b"str" or t == b"d":
                value = (inline if t == b"inlineStr" else v).decode("utf-8", "replace")
                value = html.unescape(value) if "&" in value else value
            elif t == b"n":
                value = self._number(v, style) if v else None
            elif t == b"b":
                value = v.strip() == b"1"
            else:
                continue
            if value is None or value == "":
                continue
            col = cols.get(letters)
            if col is None:
                col = cols[letters] = _col(letters)
            n = len(row)
            if col == n:
                row.append(value)
            elif col < n:
                row[col] = value
            elif col < _MAX_COLUMNS:
                row.extend([None] * (col - n))
                row.append(value)
        if row:
            yield int(current), row

    def _number(self, v: bytes, style: bytes):
        try:
            number = float(v)
        except ValueError:
            return v.decode("utf-8", "replace")
        if style and int(style) in self._dates and 0 <= number < 2_958_466:
            return self.epoch + dt.timedelta(seconds=round(number * 86400))
        return int(number) if number.is_integer() and abs(number) < 2**53 else number

    def _slow_rows(self, piece: bytes) -> Iterator[tuple[int, list]]:
        starts = list(_ROW.finditer(piece))
        self._last = getattr(self, "_last", 0)
        for k, m in enumerate(starts):
            body = piece[m.end() : starts[k + 1].start() if k + 1 < len(starts) else len(piece)]
            r = re.search(rb'\br="(\d+)"', m.group(1))
            number = int(r.group(1)) if r else self._last + 1
            self._last = number
            row: list = []
            for c in _CELL.finditer(body):
                attrs, inner = c.group(1), c.group(2)
                ref = re.search(rb'\br="([A-Z]{1,3})\d*"', attrs)
                col = _col(ref.group(1)) if ref else len(row)
                value = self._value(attrs, inner)
                if value is None or value == "" or col >= _MAX_COLUMNS:
                    continue
                if col >= len(row):
                    row.extend([None] * (col - len(row) + 1))
                row[col] = value
            if row:
                yield number, row
