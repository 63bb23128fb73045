"""Structured references (`tCalls[结果]`, `tCustomers[#All]`, `tManual[[#This Row],[类别]]`).

Excel resolves these against its Tables; tools that do not know Tables (the `formulas`
library, some viewers) need them as A1 ranges. `tables_of` reads every Table of a workbook
(openpyxl), `expand` rewrites one formula, `references` lists what a formula refers to (for
the "no broken references" checks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.utils import get_column_letter, range_boundaries
from xlsxwriter.utility import quote_sheetname

__all__ = ["Table", "tables_of", "expand", "references", "read_table", "StructuredRefError"]


class StructuredRefError(ValueError):
    """A structured reference to a table or column that does not exist."""


@dataclass(frozen=True)
class Table:
    name: str
    sheet: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int
    columns: tuple[str, ...]
    header: bool = True

    def col(self, name: str) -> int:
        for i, c in enumerate(self.columns):
            if c.lower() == name.strip().lower():
                return self.min_col + i
        raise StructuredRefError(f"table {self.name} has no column {name!r} (columns: {', '.join(self.columns)})")

    def rng(self, c1: int, c2: int, r1: int, r2: int) -> str:
        a = f"${get_column_letter(c1)}${r1}"
        b = f"${get_column_letter(c2)}${r2}"
        return f"{quote_sheetname(self.sheet)}!{a}" + ("" if (c1, r1) == (c2, r2) else f":{b}")


def tables_of(workbook) -> dict[str, Table]:
    """Every Table of an openpyxl workbook, by lower-cased name."""
    out = {}
    for ws in workbook.worksheets:
        for t in ws.tables.values():
            c1, r1, c2, r2 = range_boundaries(t.ref)
            cols = tuple(c.name for c in t.tableColumns)
            out[t.name.lower()] = Table(t.name, ws.title, c1, r1, c2, r2, cols, (t.headerRowCount or 1) > 0)
    return out


_NAME = r"[A-Za-z_\\][\w.\\]*"
# Table[...] with nested brackets one level deep: T[col], T[#All], T[[#This Row],[col]], T[[a]:[b]]
_REF = re.compile(rf"(?<![\w.!'\]])({_NAME})\[((?:[^\[\]]|\[[^\[\]]*\])*)\]")
_STRING = re.compile(r'"(?:[^"]|"")*"')


def _items(inner: str) -> list[str]:
    inner = inner.strip()
    if not inner:
        return []
    if not inner.startswith("["):
        return [inner]
    return [m.strip() for m in re.findall(r"\[([^\[\]]*)\]", inner)] + (
        [":"] if re.search(r"\]\s*:\s*\[", inner) else []
    )


def _resolve(t: Table, inner: str, row: int | None) -> str:
    items = _items(inner)
    specials = [i for i in items if i.startswith("#")]
    cols = [i for i in items if not i.startswith("#") and i != ":"]
    first_data = t.min_row + (1 if t.header else 0)
    r1, r2 = first_data, t.max_row
    for s in specials:
        s = s.lower()
        if s == "#all":
            r1 = t.min_row
        elif s == "#headers":
            r1 = r2 = t.min_row
        elif s == "#data":
            pass
        elif s == "#this row":
            if row is None:
                raise StructuredRefError(f"{t.name}[[#This Row],…] used outside a table row")
            r1 = r2 = row
        elif s == "#totals":
            raise StructuredRefError(f"{t.name} has no totals row")
        else:
            raise StructuredRefError(f"unknown item {s!r} in a reference to {t.name}")
    if not cols:
        c1, c2 = t.min_col, t.max_col
    elif len(cols) == 1:
        c1 = c2 = t.col(cols[0])
    else:
        c1, c2 = t.col(cols[0]), t.col(cols[-1])
    return t.rng(c1, c2, r1, r2)


def expand(formula: str, tables: dict[str, Table], row: int | None = None) -> str:
    """Rewrite every structured reference of `formula` as an absolute A1 range.

    `row` is the worksheet row (1-based) of the cell, for `[#This Row]`. Unknown tables or
    columns raise StructuredRefError.
    """
    parts, last = [], 0
    for s in _STRING.finditer(formula):
        parts.append((formula[last : s.start()], False))
        parts.append((s.group(0), True))
        last = s.end()
    parts.append((formula[last:], False))

    def sub(m: re.Match) -> str:
        t = tables.get(m.group(1).lower())
        if t is None:
            raise StructuredRefError(f"no table named {m.group(1)!r}")
        return _resolve(t, m.group(2), row)

    return "".join(text if is_str else _REF.sub(sub, text) for text, is_str in parts)


def references(formula: str) -> list[tuple[str, str]]:
    """(table, inner) of every structured reference in `formula` (outside string literals)."""
    text = _STRING.sub('""', formula)
    return [(m.group(1), m.group(2)) for m in _REF.finditer(text)]


def read_table(workbook, name: str) -> tuple[list[str], list[list]]:
    """(headers, data rows) of a Table of an openpyxl workbook (values as stored)."""
    t = tables_of(workbook)[name.lower()]
    ws = workbook[t.sheet]
    rows = [
        [c.value for c in r]
        for r in ws.iter_rows(min_row=t.min_row, max_row=t.max_row, min_col=t.min_col, max_col=t.max_col)
    ]
    head = list(t.columns) if t.header else [f"col{i + 1}" for i in range(len(rows[0]))]
    return head, rows[1:] if t.header else rows
