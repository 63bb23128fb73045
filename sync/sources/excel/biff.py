"""Bounds for a legacy .xls (BIFF8 in a Compound File) before python-calamine reads it.

A hostile .xls of a few KB can make the reader reserve gigabytes: the Compound File header's
table sizes, a directory entry's stream size or a sheet's DIMENSIONS record are taken as
allocation sizes, and a cell far away makes the sheet's dense block huge. `check_xls` reads
the file (at most `limits.max_uncompressed_mb`: an .xls is not compressed) and checks, without
allocating more than the file's size:

- the header: sector sizes 512 or 4096, and the FAT / mini FAT / DIFAT sector counts, the
  directory entries' stream sizes all within the file;
- the workbook stream (`Workbook` or `Book`), followed through the FAT (loops refused);
- each sheet's DIMENSIONS record and its cells' rows and columns (every cell record), as
  rows × columns, against `limits.max_cells`.

What it cannot see (another record the reader sizes from its content) is still bounded: the
workbook is read in a worker process with a memory cap (`workers`), so it costs that file only.
"""

from __future__ import annotations

import struct
from pathlib import Path

from .bounds import LimitExceeded, ReadLimits, Refused

__all__ = ["check_xls"]

_MB = 1024 * 1024
_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_MAX_REGULAR = 0xFFFFFFFA
# BIFF8 cell records: rw (u16) then col (u16): NUMBER, LABEL, LABELSST, RK, BOOLERR, FORMULA, BLANK, RSTRING
_CELLS = {0x0203, 0x0204, 0x00FD, 0x027E, 0x0205, 0x0006, 0x0201, 0x00D6}  # rw, col first
_MULTI = {0x00BD, 0x00BE}  # MULRK / MULBLANK: rw, colFirst, …, colLast (last 2 bytes)


def _damaged(what_zh: str, what_en: str) -> Refused:
    return Refused(
        f"旧版 .xls 工作簿的结构异常({what_zh}),文件可能已损坏或是特意构造的,未读取;"
        f"请在 Excel 中打开并另存为 .xlsx 后重新同步 (the legacy .xls workbook's structure is "
        f"invalid, {what_en}: the file may be damaged or crafted and was not read; open it in Excel, "
        f"save it as .xlsx and sync again)"
    )


def _u32(b: bytes, at: int) -> int:
    return int(struct.unpack_from("<I", b, at)[0])


def _u16(b: bytes, at: int) -> int:
    return int(struct.unpack_from("<H", b, at)[0])


class _Cfb:
    def __init__(self, data: bytes):
        self.data = data
        if len(data) < 512:
            raise _damaged("文件头不完整", "the header is incomplete")
        shift, mini_shift = _u16(data, 30), _u16(data, 32)
        if shift not in (9, 12) or mini_shift != 6:
            raise _damaged("扇区大小无效", "invalid sector size")
        self.size = 1 << shift
        self.sectors = max(0, len(data) - self.size) // self.size + 1
        fat_len, dir_start = _u32(data, 44), _u32(data, 48)
        self.mini_cutoff = _u32(data, 56)
        mini_fat_start, mini_fat_len = _u32(data, 60), _u32(data, 64)
        difat_start, difat_len = _u32(data, 68), _u32(data, 72)
        for n in (fat_len, mini_fat_len, difat_len):
            if n > self.sectors:
                raise _damaged("文件头中的表大小超出文件", "the header's table sizes exceed the file")
        difat = list(struct.unpack_from("<109I", data, 76))
        sid, seen = difat_start, 0
        per = self.size // 4 - 1
        while sid <= _MAX_REGULAR:
            seen += 1
            if seen > self.sectors:
                raise _damaged("DIFAT 链循环", "the DIFAT chain loops")
            block = self._sector(sid)
            difat += struct.unpack_from(f"<{per}I", block, 0)
            sid = _u32(block, per * 4)
        fat: list[int] = []
        for s in difat:
            if s <= _MAX_REGULAR:
                fat += struct.unpack_from(f"<{self.size // 4}I", self._sector(s), 0)
        self.fat = fat
        self.dirs = self._chain_bytes(dir_start, None)
        self.entries = []
        for at in range(0, len(self.dirs) - 127, 128):
            e = self.dirs[at : at + 128]
            n = min(_u16(e, 64), 64)
            name = e[: max(0, n - 2)].decode("utf-16-le", "replace")
            kind, start, length = e[66], _u32(e, 116), _u32(e, 120)
            if kind in (1, 2, 5) and (length > len(data) or (self.size == 4096 and _u32(e, 124))):
                raise _damaged(f"目录项 {name!r} 的大小超出文件", f"directory entry {name!r} is larger than the file")
            self.entries.append((name, kind, start, length))
        self.mini_fat = (
            list(struct.unpack_from(f"<{len(b) // 4}I", b, 0))
            if mini_fat_len and (b := self._chain_bytes(mini_fat_start, None))
            else []
        )

    def _sector(self, sid: int) -> bytes:
        at = (sid + 1) * self.size
        if at >= len(self.data):  # (the last sector may be cut short: padded below)
            raise _damaged("扇区超出文件", "a sector lies beyond the end of the file")
        return self.data[at : at + self.size].ljust(self.size, b"\0")

    def _chain(self, start: int) -> list[int]:
        out: list[int] = []
        sid = start
        while sid <= _MAX_REGULAR:
            if sid >= len(self.fat) or len(out) > self.sectors:
                raise _damaged("扇区链无效或循环", "a sector chain is invalid or loops")
            out.append(sid)
            sid = self.fat[sid]
        return out

    def _chain_bytes(self, start: int, length: int | None) -> bytes:
        data = b"".join(self._sector(s) for s in self._chain(start))
        return data if length is None else data[:length]

    def stream(self, names: tuple[str, ...]) -> bytes | None:
        for name, kind, start, length in self.entries:
            if kind == 2 and name in names:
                if length >= self.mini_cutoff:
                    return self._chain_bytes(start, length)
                root = self.entries[0]
                mini = self._chain_bytes(root[2], root[3])
                out, sid, steps = [], start, 0
                while sid <= _MAX_REGULAR and sid < len(self.mini_fat):
                    steps += 1
                    if steps > len(mini) // 64 + 1:
                        raise _damaged("短扇区链循环", "a mini sector chain loops")
                    out.append(mini[sid * 64 : sid * 64 + 64])
                    sid = self.mini_fat[sid]
                return b"".join(out)[:length]
        return None


def _over(what_zh: str, what_en: str, cells: int, limits: ReadLimits) -> LimitExceeded:
    return LimitExceeded(
        f"旧版 .xls 工作簿中的一个工作表{what_zh}约 {cells:,} 个单元格,超过上限 {limits.max_cells:,}"
        f"(配置项 limits.max_cells);请删除多余的行和列,另存为 .xlsx 后重新同步 (a sheet of the legacy "
        f".xls workbook {what_en} about {cells:,} cells, over the limit of {limits.max_cells:,}, config "
        f"limits.max_cells: delete the extra rows and columns, save it as .xlsx and sync again)"
    )


def _records(stream: bytes, limits: ReadLimits) -> None:
    at, n = 0, len(stream)
    max_row = max_col = -1
    while at + 4 <= n:
        typ, size = _u16(stream, at), _u16(stream, at + 2)
        body = stream[at + 4 : at + 4 + size]
        at += 4 + size
        if typ == 0x0809:  # BOF: a new substream (sheet)
            max_row = max_col = -1
        elif typ == 0x0200 and size in (10, 14):  # DIMENSIONS
            if size == 14:
                r0, r1, c0, c1 = _u32(body, 0), _u32(body, 4), _u16(body, 8), _u16(body, 10)
            else:
                r0, r1, c0, c1 = _u16(body, 0), _u16(body, 2), _u16(body, 4), _u16(body, 6)
            if c0 > 0xFF or c1 < c0:
                c0 = 0
            cells = max(0, r1 - r0 + 1) * max(0, c1 - c0 + 1)
            if cells > limits.max_cells:
                raise _over("声明的范围有", "declares", cells, limits)
        elif (typ in _CELLS and size >= 4) or (typ in _MULTI and size >= 6):
            row = _u16(body, 0)
            col = _u16(body, size - 2) if typ in _MULTI else _u16(body, 2)
            if row > max_row or col > max_col:
                max_row, max_col = max(row, max_row), max(col, max_col)
                if (max_row + 1) * (max_col + 1) > limits.max_cells:
                    raise _over("的已用范围有", "uses", (max_row + 1) * (max_col + 1), limits)


def check_xls(path: Path, size: int, limits: ReadLimits) -> None:
    """Refuse an OLE2 (Compound File) workbook over its bounds (module docstring); an
    encrypted .xlsx (an OLE file holding EncryptionInfo) passes: the reader names it."""
    if size > limits.max_uncompressed_mb * _MB:
        raise LimitExceeded(
            f"旧版 .xls 工作簿有 {size // _MB:,} MB,超过上限 {limits.max_uncompressed_mb:,} MB"
            f"(配置项 limits.max_uncompressed_mb);请拆分文件或另存为 .xlsx (the legacy .xls workbook is "
            f"{size // _MB:,} MB, over the limit of {limits.max_uncompressed_mb:,} MB, config "
            f"limits.max_uncompressed_mb: split it or save it as .xlsx)"
        )
    data = path.read_bytes()
    try:
        cfb = _Cfb(data)
    except (struct.error, IndexError):
        raise _damaged("文件被截断", "the file is cut short") from None
    if any(name == "EncryptionInfo" for name, *_ in cfb.entries):
        return
    try:
        stream = cfb.stream(("Workbook", "Book"))
    except (struct.error, IndexError):
        raise _damaged("工作簿数据流被截断", "the workbook stream is cut short") from None
    if stream is None:
        raise _damaged("没有工作簿数据流", "no Workbook stream")
    _records(stream, limits)
