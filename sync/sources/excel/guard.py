"""Checks on a workbook before python-calamine reads it, so a hostile file is refused by name
instead of exhausting memory (calamine builds every sheet as one dense rows × columns block: a
single cell at XFD1048576 asks for 17 billion cells, about 512 GB).

For a zip-based workbook (.xlsx/.xlsm, whatever its extension) `inspect_zip` reads the zip
directory and the sheets' XML as a stream (never all at once) and checks, against `ReadLimits`:

- the declared uncompressed size of all parts together (`max_uncompressed_mb`);
- the compression ratio of every part over 1 MB (`max_compression_ratio`: zip bombs);
- each sheet's declared `<dimension ref=…>` (read from the start of the XML) and its actual
  used range, found from the cells' references, as rows × columns (`max_cells`).

A sheet part is read through `zipfile`, which stops at the declared size and checks the CRC,
so a part that lies about its size is refused as corrupt. It also reports what Excel would show
but calamine cannot: formula cells without a cached value (a file written by a script and
never saved by Excel; calamine reads them as empty) and the 1904 date system flag.
"""

from __future__ import annotations

import html
import os
import posixpath
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from .bounds import LimitExceeded, ReadLimits, Refused, Unsupported

__all__ = [
    "ReadLimits",
    "BookFacts",
    "Refused",
    "LimitExceeded",
    "Unsupported",
    "guard_workbook",
    "inspect_zip",
    "col_index",
    "cell_name",
]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MB = 1024 * 1024
_CHUNK = 1 << 20


@dataclass
class BookFacts:
    date1904: bool = False
    # sheet title → [(row0, col0, formula text)] of formula cells without a cached value
    uncached: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    uncached_total: int = 0
    # sheet title → [(row0, col0, "#N/A")] of cells holding a cached error value (calamine reads
    # them as empty: the reader puts the error text back, so the checks see it)
    errors: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)


def col_index(letters: bytes | str) -> int:
    """b"A" → 1, b"XFD" → 16384."""
    n = 0
    for ch in letters if isinstance(letters, str) else letters.decode("ascii"):
        n = n * 26 + ord(ch) - 64
    return n


def cell_name(row0: int, col0: int) -> str:
    out, n = "", col0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return f"{out}{row0 + 1}"


_DIM = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?(\d{1,7})?(?::([A-Z]{1,3})(\d{1,7}))?"')
# Fast path: every cell written as `<c r="…"` (Excel, LibreOffice, openpyxl, XlsxWriter). A sheet
# without any reference of two letters (column AA on) or six digits (row 100000 on) is at most
# 26 × 99,999 cells; anything else is measured exactly.
_BIG = re.compile(rb'<c r="(?:[A-Z]{2}|[A-Z]\d{6})')
_REF = re.compile(rb'<c(?:\s[^>]*?)?\sr="([A-Z]{1,3})(\d{1,7})"')
_ANY_REF = re.compile(rb'<c\s[^>]*?\br="')
_ROW_REF = re.compile(rb'<row\s[^>]*?\br="(\d{1,7})"')
_FORMULA = re.compile(rb"<c((?:\s[^>]*)?)>\s*(?:<f\b[^>]*/>|<f\b[^>]*>([^<]*)</f>)\s*(<v\s*/>|<v>\s*</v>)?\s*</c>")
_UNCACHED_HINTS = (b"</f></c>", b"/></c>", b"<v></v></c>", b"</f>\n", b"</f> ")
_ATTR_R = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')
_STR = re.compile(rb'\st="str"')
_CELL = re.compile(rb"<c[\s/>]")  # a cell element, however its attributes are spaced
_ERROR_CELL = re.compile(rb'<c(\s[^>]*\bt="e"[^>]*)>(.*?)</c>', re.S)
_VALUE = re.compile(rb"<v>([^<]*)</v>")  # every cell element, however its attributes are spaced
_ROW = re.compile(rb"<row[\s/>]")
# A namespace prefix on an element (`<x:c …>`, `</x:row>`): the sheet is read by the elements'
# local names, whatever their prefix or namespace, as python-calamine reads it.
_PREFIX = re.compile(rb"<(/?)[A-Za-z_][\w.\-]*:")
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?row\s*>")
_FAST_BOUND = 26 * 99_999


class _SheetScan:
    """One sheet's XML, fed in pieces that end at a row boundary."""

    def __init__(self, limits: ReadLimits):
        self.max_row = self.max_col = 0
        self.refless_cells = self.refless_rows = 0
        self.slow = limits.max_cells < _FAST_BOUND  # the fast bound alone would be over the limit
        self.uncached: list[tuple[int, int, str]] = []
        self.uncached_total = 0
        self.errors: list[tuple[int, int, str]] = []

    def feed(self, piece: bytes) -> None:
        if b":c" in piece:  # maybe a cell with a namespace prefix (<x:c …>): read by local names
            piece = _local(piece)
        cells = piece.count(b"<c")  # cells, and the odd <col>/<cfRule>: more than `leading` → measured exactly
        leading = piece.count(b'<c r="')
        if cells != leading or self.slow or _BIG.search(piece):
            self._exact(piece)
        else:
            self.max_col = max(self.max_col, 26 if leading else 0)
            self.max_row = max(self.max_row, 99_999 if leading else 0)
        if b"<f" in piece and any(h in piece for h in _UNCACHED_HINTS):
            self._formulas(piece)
        if b't="e"' in piece:
            self._errors(piece)

    def _errors(self, piece: bytes) -> None:
        for m in _ERROR_CELL.finditer(piece):
            ref, value = _ATTR_R.search(m.group(1)), _VALUE.search(m.group(2))
            if ref and value and len(self.errors) < 100_000:
                text = html.unescape(value.group(1).decode("utf-8", "replace")).strip()
                self.errors.append((int(ref.group(2)) - 1, col_index(ref.group(1)) - 1, text))

    def _exact(self, piece: bytes) -> None:
        cells = len(_CELL.findall(piece))
        refs = _REF.findall(piece)
        for letters, digits in refs:
            c = col_index(letters)
            if c > self.max_col:
                self.max_col = c
            r = int(digits)
            if r > self.max_row:
                self.max_row = r
        self.refless_cells += max(0, cells - len(refs))
        rows = len(_ROW.findall(piece)) if b"<row" in piece else 0
        row_refs = _ROW_REF.findall(piece)
        self.refless_rows += max(0, rows - len(row_refs))
        for d in row_refs:
            self.max_row = max(self.max_row, int(d))

    def _formulas(self, piece: bytes) -> None:
        for m in _FORMULA.finditer(piece):
            attrs, text, v = m.group(1), m.group(2), m.group(3)
            if v is not None and b"<v>" in v and _STR.search(attrs):
                continue  # Excel's cached empty text: `t="str"` with `<v></v>`
            self.uncached_total += 1
            ref = _ATTR_R.search(attrs)
            if ref and len(self.uncached) < 1000:
                formula = html.unescape((text or b"").decode("utf-8", "replace"))
                self.uncached.append((int(ref.group(2)) - 1, col_index(ref.group(1)) - 1, formula))

    def cells(self) -> int:
        """An upper bound of the dense block calamine allocates: rows × columns."""
        return (self.max_row + self.refless_rows) * (self.max_col + self.refless_cells)


def _human(n: int) -> str:
    return f"{n:,}"


def _sheet_parts(zf: zipfile.ZipFile) -> tuple[dict[str, str], bool]:
    """Worksheet part name → sheet title, and the date1904 flag, from xl/workbook.xml and its rels."""
    names = set(zf.namelist())
    titles: dict[str, str] = {}
    date1904 = False
    wb_xml = _small(zf, "xl/workbook.xml", names)
    rels = _small(zf, "xl/_rels/workbook.xml.rels", names)
    if wb_xml:
        m = re.search(rb"<(?:[\w.\-]+:)?workbookPr\b([^>]*)>", wb_xml)
        if m:
            flag = re.search(rb'\bdate1904="([^"]*)"', m.group(1))
            date1904 = flag is not None and flag.group(1).strip().lower() in (b"1", b"true")
    targets: dict[bytes, str] = {}
    if rels:
        for rel in re.finditer(rb"<(?:[\w.\-]+:)?Relationship\b([^>]*)>", rels):
            rid = re.search(rb'\bId="([^"]*)"', rel.group(1))
            tgt = re.search(rb'\bTarget="([^"]*)"', rel.group(1))
            if rid and tgt:
                t = html.unescape(tgt.group(1).decode("utf-8", "replace"))
                targets[rid.group(1)] = posixpath.normpath(t.lstrip("/") if t.startswith("/") else "xl/" + t)
    if wb_xml:
        for s in re.finditer(rb"<(?:[\w.\-]+:)?sheet\b([^>]*)>", wb_xml):
            name = re.search(rb'\bname="([^"]*)"', s.group(1))
            rid = re.search(rb'\br:id="([^"]*)"', s.group(1)) or re.search(rb'\b[\w.\-]+:id="([^"]*)"', s.group(1))
            if name and rid and rid.group(1) in targets:
                titles[targets[rid.group(1)]] = html.unescape(name.group(1).decode("utf-8", "replace"))
    for n in names:
        if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in titles:
            titles[n] = Path(n).stem
    return titles, date1904


def _small(zf: zipfile.ZipFile, name: str, names: set[str]) -> bytes:
    if name not in names:
        return b""
    info = zf.getinfo(name)
    if info.file_size > 8 * _MB:
        raise LimitExceeded(
            f"工作簿的结构部件 {name} 超过 8 MB,文件可能已损坏或是特意构造的,未读取;请在 Excel 中另存后重试 "
            f"(the workbook's part {name} is over 8 MB: the file may be damaged or crafted and was not "
            f"read; save it again in Excel and retry)"
        )
    with zf.open(info) as f:
        return f.read(8 * _MB)


_XLSB = (
    "这是 Excel 二进制工作簿(.xlsb),无法先行检查其大小,不予读取;请在 Excel 中另存为 .xlsx 后重新同步 "
    "(an Excel binary workbook, .xlsb: its size cannot be checked before reading, so it is not read; "
    "save it as .xlsx in Excel and sync again)"
)
_ODS = (
    "这是 OpenDocument 表格(.ods,LibreOffice/WPS 的格式),只读取 Excel 工作簿;请另存为 .xlsx 后重新同步 "
    "(an OpenDocument spreadsheet, .ods: only Excel workbooks are read; save it as .xlsx and sync again)"
)
_OTHER_ZIP = (
    "文件是一个压缩包,但不是 Excel 工作簿(缺少 xl/workbook.xml);请在 Excel 中另存为 .xlsx "
    "(the file is a zip archive but not an Excel workbook, no xl/workbook.xml: save it as .xlsx in Excel)"
)


def _zip_kind(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip that is not a plain .xlsx/.xlsm: .xlsb parts, OpenDocument, anything else,
    and duplicated part names (the reader could pick another copy than the one checked)."""
    seen: set[str] = set()
    for i in infos:
        key = i.filename.replace("\\", "/").casefold()
        if key in seen:
            raise Unsupported(
                f"工作簿中的部件 {i.filename} 出现了两次,文件可能是特意构造的,未读取;请在 Excel 中另存后重试 "
                f"(the part {i.filename} appears twice in the workbook: the file may be crafted and was "
                f"not read; save it again in Excel and retry)"
            )
        seen.add(key)
    if "xl/workbook.bin" in seen or any(n.startswith("xl/worksheets/") and n.endswith(".bin") for n in seen):
        raise Unsupported(_XLSB)
    if "mimetype" in seen or "content.xml" in seen:
        raise Unsupported(_ODS)
    if "xl/workbook.xml" not in seen:
        raise Unsupported(_OTHER_ZIP)


def guard_workbook(path: str | os.PathLike, limits: ReadLimits | None = None) -> BookFacts:
    """The one guard for every workbook the tool reads (store workbooks, the ledger): call it
    before python-calamine (or any reader) opens `path`. Returns the `BookFacts` it found.

    Raises `Refused` (its subclasses `LimitExceeded`, `Unsupported`) with a Chinese-first
    message: not a regular file (a FIFO or device would hang or never end a read), a zip that
    is not a plain .xlsx/.xlsm (.xlsb, .ods, duplicated parts), over a `ReadLimits` bound (zip
    sizes and ratios, each sheet's declared and used range — elements read by local name, any
    namespace prefix), or a legacy .xls over its bounds (`biff.check_xls`: file size, the CFB
    header's tables, each sheet's declared and used range). Other formats (text, random bytes)
    pass: the reader names them. zipfile.BadZipFile / OSError propagate (the caller names them).
    """
    p = Path(path)
    limits = limits or ReadLimits()
    st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        raise Unsupported(
            "不是普通文件(例如命名管道或设备),未读取;请放入真正的工作簿文件 "
            "(not a regular file, e.g. a named pipe or a device: not read; put the workbook file itself here)"
        )
    with open(p, "rb") as f:
        head = f.read(8)
    if head.startswith(ZIP_MAGIC):
        return inspect_zip(p, limits)
    if head.startswith(OLE_MAGIC):
        from .biff import check_xls

        check_xls(p, st.st_size, limits)
    return BookFacts()


def inspect_zip(path: Path, limits: ReadLimits) -> BookFacts:
    """Check a zip-based workbook against `limits` (LimitExceeded) and collect its facts.

    zipfile.BadZipFile / OSError propagate (a truncated or unreadable file): the caller names them."""
    facts = BookFacts()
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        _zip_kind(zf, infos)
        total = sum(i.file_size for i in infos)
        if total > limits.max_uncompressed_mb * _MB:
            raise LimitExceeded(
                f"工作簿解压后约 {total // _MB:,} MB,超过上限 {limits.max_uncompressed_mb:,} MB"
                f"(配置项 limits.max_uncompressed_mb);请删除无用的工作表或拆分文件 "
                f"(the workbook unpacks to about {total // _MB:,} MB, over the limit of "
                f"{limits.max_uncompressed_mb:,} MB, config limits.max_uncompressed_mb: remove unused "
                f"sheets or split the file)"
            )
        for i in infos:
            if i.file_size > _MB and i.file_size > limits.max_compression_ratio * max(i.compress_size, 1):
                ratio = i.file_size // max(i.compress_size, 1)
                raise LimitExceeded(
                    f"工作簿中的 {i.filename} 压缩比为 {ratio:,}:1,超过上限 {limits.max_compression_ratio}:1"
                    f"(配置项 limits.max_compression_ratio),可能是恶意的压缩炸弹,未读取 "
                    f"(part {i.filename} is compressed {ratio:,}:1, over the limit of "
                    f"{limits.max_compression_ratio}:1, config limits.max_compression_ratio: possibly a zip "
                    f"bomb, not read)"
                )
        titles, facts.date1904 = _sheet_parts(zf)
        for part, title in titles.items():
            try:
                info = zf.getinfo(part)
            except KeyError:
                continue
            scan = _scan_sheet(zf, info, title, limits)
            if scan.uncached_total:
                facts.uncached[title] = scan.uncached
                facts.uncached_total += scan.uncached_total
            if scan.errors:
                facts.errors[title] = scan.errors
    return facts


def _too_big(title: str, what_zh: str, what_en: str, cells: int, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(
        f"工作表「{title}」{what_zh}约 {_human(cells)} 个单元格,超过上限 {_human(limits.max_cells)}"
        f"(配置项 limits.max_cells);通常是远处有一个误填的单元格:按 Ctrl+End 找到它,删除多余的行和列后保存 "
        f"(sheet {title!r} {what_en} about {_human(cells)} cells, over the limit of {_human(limits.max_cells)}, "
        f"config limits.max_cells; usually a stray cell far away: press Ctrl+End to find it, delete the "
        f"extra rows and columns and save)"
    )


def _local(xml: bytes) -> bytes:
    """Element names without their namespace prefix (`<x:c r=…>` → `<c r=…>`)."""
    return _PREFIX.sub(rb"<\1", xml) if b":" in xml else xml


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, title: str, limits: ReadLimits) -> _SheetScan:
    scan = _SheetScan(limits)
    carry = b""
    first = True
    with zf.open(info) as f:
        while True:
            chunk = f.read(_CHUNK)
            if first:
                first = False
                head = _local(chunk[: 64 * 1024])
                m = _DIM.search(head[: head.find(b"<sheetData")] if b"<sheetData" in head else head)
                if m and m.group(3):
                    rows = int(m.group(4)) - int(m.group(2) or 1) + 1
                    cols = col_index(m.group(3)) - col_index(m.group(1) or b"A") + 1
                    if rows * cols > limits.max_cells:
                        ref = m.group(0)[len(b'<dimension ref="') : -1].decode("ascii", "replace")
                        raise _too_big(title, f"声明的范围 {ref} 有", f"declares the range {ref}:", rows * cols, limits)
            if not chunk:
                if carry:
                    scan.feed(carry)
                break
            buf = carry + chunk
            cut = buf.rfind(b"</row>")
            if cut < 0 and b":row" in buf:  # a prefixed row end: cut after the last one, prefix and all
                found = list(_ROW_END.finditer(buf))
                cut = found[-1].start() if found else -1
            if cut < 0 and len(buf) > 8 * _MB:  # no row end for megabytes: measure up to the last tag
                cut = buf.rfind(b">")
            if cut < 0:
                carry = buf
                continue
            cut = buf.index(b">", cut) + 1
            scan.feed(buf[:cut])
            carry = buf[cut:]
            if scan.cells() > limits.max_cells:
                break
    if scan.cells() > limits.max_cells:
        raise _too_big(title, "的已用范围有", "uses a range of", scan.cells(), limits)
    return scan
