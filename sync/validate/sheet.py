"""One sheet's frame of reference: its header row, the book of rejections and counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from xlsxwriter.utility import xl_col_to_name

from followup.sync.model import ReadResult, Rejection
from followup.udfs.schema import (
    CALL_COLUMNS,
    COUNT_COLUMNS,
    CUSTOMER_COLUMNS,
    FACT_COLUMNS,
    GIFT_COLUMNS,
    REQUEST_COLUMNS,
    canonical,
    normalize,
)

from .cells import is_blank, mask, mask_text, show

__all__ = ["REQUIRED", "COLUMNS", "Header", "find_header", "Book", "check_header"]

# Which canonical columns each sheet must have (SPEC §4.2; brief of the weekly sync).
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "phone"),
    "calls": ("call_time", "customer_id", "outcome"),
    "gifts": ("customer_id",),
    "requests": ("requester", "request_date"),
}
COLUMNS: dict[str, dict[str, str]] = {
    "customers": {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COUNT_COLUMNS},
    "calls": CALL_COLUMNS,
    "gifts": GIFT_COLUMNS,
    "requests": REQUEST_COLUMNS,
}


@dataclass
class Header:
    row: int | None = None  # 0-based index of the header row in the grid
    cols: dict[str, int] = field(default_factory=dict)  # key → column index
    names: dict[str, str] = field(default_factory=dict)  # key → header as written
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    english: bool = False


def find_header(grid: list[list], columns: dict[str, str]) -> Header:
    """The header row: the first non-empty row holding a known header (within the first 20
    non-empty rows, so a title row above the table is skipped), else the first non-empty row."""
    first, chosen = None, None
    seen = 0
    for i, row in enumerate(grid):
        if all(is_blank(c) for c in row):
            continue
        first = i if first is None else first
        if any(canonical(columns, c) for c in row if not is_blank(c)):
            chosen = i
            break
        seen += 1
        if seen >= 20:
            break
    h = Header(row=chosen if chosen is not None else first)
    if h.row is None:
        return h
    english = zh = 0
    for j, cell in enumerate(grid[h.row]):
        key = canonical(columns, cell) if not is_blank(cell) else None
        if key is None:
            continue
        if key in h.cols:
            h.duplicates.append((j, str(cell).strip()))
            continue
        h.cols[key], h.names[key] = j, str(cell).strip()
        if normalize(cell).replace(" ", "_") == key:
            english += 1
        else:
            zh += 1
    h.english = english > zh
    return h


def _blank_headers_with_data(grid: list[list], h: Header) -> list[int]:
    """Columns whose header cell is empty although cells below hold data (merged header cells)."""
    out = []
    top = cast(int, h.row)  # called once the header is found
    header = grid[top]
    width = max((len(r) for r in grid[top:]), default=0)
    for j in range(width):
        if j < len(header) and not is_blank(header[j]):
            continue
        if any(j < len(r) and not is_blank(r[j]) for r in grid[top + 1 :]):
            out.append(j)
    return out


class Book:
    """Collects rejections and counts for one workbook."""

    def __init__(self, origin: str):
        self.origin = origin
        self.result = ReadResult()

    def reject(
        self,
        sheet: str,
        row: int | None,
        column: str | None,
        value: object,
        message: str,
        fatal: bool = True,
        phone: bool = False,
    ) -> None:
        shown = (mask(value) if phone else show(value)) if value is not None else None
        self.result.rejections.append(
            Rejection(self.origin, sheet, row, column, shown or None, mask_text(message), fatal)
        )

    def count(self, sheet: str, read: int, used: int) -> None:
        key = (self.origin, sheet)
        self.result.rows_read[key] = self.result.rows_read.get(key, 0) + read
        self.result.rows_used[key] = self.result.rows_used.get(key, 0) + used
        self.result.rows_rejected[key] = self.result.rows_rejected.get(key, 0) + read - used


def check_header(
    book: Book, kind: str, title: str, grid: list[list], h: Header, extra: tuple[str, str] = ("", "")
) -> bool:
    """Report missing required headers (one located Rejection each); True when all are there."""
    missing = [k for k in REQUIRED[kind] if k not in h.cols]
    for j, name in h.duplicates:
        book.reject(
            title,
            cast(int, h.row) + 1,
            name,
            None,
            f"第{xl_col_to_name(j)}列的表头「{name}」与前面的列重复,只使用第一列 "
            f"(header {name!r} in column {xl_col_to_name(j)} repeats an earlier column; only the first is used)",
            fatal=False,
        )
    if not missing:
        return True
    blanks = _blank_headers_with_data(grid, h) if h.row is not None else []
    hint_zh = hint_en = ""
    if blanks:
        letters = "、".join(xl_col_to_name(j) for j in blanks)
        hint_zh = f";第 {letters} 列有数据但表头为空,可能是合并了表头单元格,请取消合并并填写表头"
        hint_en = (
            f"; column {letters.replace('、', ', ')} holds data under an empty header: merged header "
            f"cells? unmerge them and name each column"
        )
    for k in missing:
        name = k if h.english else COLUMNS[kind][k]
        row = h.row + 1 if h.row is not None else None
        where_zh = "请在表头行添加" if h.row is not None else "工作表是空的,请按模板填写表头"
        where_en = (
            "add it to the header row" if h.row is not None else "the sheet is empty: add the template's header row"
        )
        book.reject(
            title,
            row,
            name,
            None,
            f"缺少必需的列「{COLUMNS[kind][k]}」({k}),{where_zh}{hint_zh}{extra[0]} "
            f"(required column {COLUMNS[kind][k]} / {k} is missing: {where_en}{hint_en}{extra[1]})",
        )
    return False
