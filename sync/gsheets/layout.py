"""The 客户 grid as the write-back sees it: columns located by header, rows by 客户编号.

`Layout` finds the id and computed columns; `a1_ranges` turns changed rows into the fewest A1
ranges, `apply_ranges` mirrors a write into a cached grid, and `same_facts` compares two reads
apart from the computed block.
"""
from __future__ import annotations

import re
from typing import Any

from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS, SHEETS, canonical

from xlsxwriter.utility import xl_col_to_name

from .cells import a1, cell_text

__all__ = ["Layout", "a1_ranges", "apply_ranges", "same_facts", "CUSTOMERS", "COMPUTED_HEADERS"]

CUSTOMERS = SHEETS["customers"]
COMPUTED_HEADERS = list(COMPUTED_COLUMNS.values())


class Layout:
    """The 客户 grid located by header: where the id and the computed columns are, rows by id."""

    def __init__(self, grid: list[list[Any]]):
        self.grid = grid
        header = grid[0] if grid else []
        cols = {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COMPUTED_COLUMNS}
        self.keys = [canonical(cols, h) for h in header]
        self.width = len(header)
        self.id_col = self.keys.index("customer_id") if "customer_id" in self.keys else None
        self.comp = [self.keys.index(k) if k in self.keys else None for k in COMPUTED_COLUMNS]
        self.by_id: dict[str, list[int]] = {}
        if self.id_col is not None:
            for r in range(1, len(grid)):
                row = grid[r]
                cid = cell_text(row[self.id_col]).strip() if self.id_col < len(row) else ""
                if cid:
                    self.by_id.setdefault(cid, []).append(r)

    def rows_of(self, cid: str) -> list[int]:
        return self.by_id.get(cid, [])

    def _cell(self, r: int, c: int | None) -> str:
        if c is None or r >= len(self.grid) or c >= len(self.grid[r]):
            return ""
        return cell_text(self.grid[r][c])

    def computed_of(self, cid: str) -> list[str]:
        rows = self.rows_of(cid)
        if len(rows) != 1:
            return [""] * len(self.comp) if not rows else ["\0"] * len(self.comp)
        return [self._cell(rows[0], c) for c in self.comp]

    def facts_of(self, cid: str) -> dict[str, str] | None:
        rows = self.rows_of(cid)
        if len(rows) != 1:
            return None
        comp = set(c for c in self.comp if c is not None)
        return {str(self.grid[0][c]): self._cell(rows[0], c) for c in range(self.width) if c not in comp}

    def computed_columns(self) -> tuple[list[tuple[int, str]], list[int]]:
        """0-based column of each computed key; missing ones are added after the last header."""
        cols, header_cells, nxt = [], [], self.width
        for c, head in zip(self.comp, COMPUTED_HEADERS):
            if c is None:
                c, nxt = nxt, nxt + 1
                header_cells.append((c, head))
            cols.append(c)
        return header_cells, cols


def _runs(values: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for v in sorted(values):
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return runs


def a1_ranges(rows: dict[int, list[Any]], cols: list[int], header_cells: list[tuple[int, str]]) -> list[dict]:
    """The fewest A1 ranges covering the changed rows × the computed columns (contiguous runs)."""
    data = []
    for c, head in header_cells:
        data.append({"range": a1(CUSTOMERS, f"{xl_col_to_name(c)}1"), "values": [[head]]})
    order = sorted(range(len(cols)), key=lambda j: cols[j])
    col_runs: list[list[int]] = []
    for j in order:
        if col_runs and cols[j] == cols[col_runs[-1][-1]] + 1:
            col_runs[-1].append(j)
        else:
            col_runs.append([j])
    for run in _runs(list(rows)):
        for cr in col_runs:
            first, last = cols[cr[0]] + 1, cols[cr[-1]] + 1
            data.append({"range": a1(CUSTOMERS, f"{xl_col_to_name(first - 1)}{run[0] + 1}:{xl_col_to_name(last - 1)}{run[-1] + 1}"),
                         "values": [[rows[r][j] for j in cr] for r in run]})
    return data


def apply_ranges(grid: list[list[Any]], data: list[dict]) -> None:
    """Mirror a write into the cached grid."""
    for d in data:
        m = re.search(r"!([A-Z]+)(\d+)", d["range"])
        c0 = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m.group(1)))) - 1
        r0 = int(m.group(2)) - 1
        for i, row in enumerate(d["values"]):
            while len(grid) <= r0 + i:
                grid.append([])
            target = grid[r0 + i]
            for j, v in enumerate(row):
                while len(target) <= c0 + j:
                    target.append("")
                target[c0 + j] = v


def _strip(grid: list[list[Any]], drop: set[int] = frozenset()) -> list[list[str]]:
    rows = [[cell_text(v) for c, v in enumerate(row) if c not in drop] for row in grid]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def same_facts(a: dict[str, list[list]], b: dict[str, list[list]]) -> bool:
    """Same values apart from the computed block (which the sync itself writes)?"""
    for title in set(a) | set(b):
        ga, gb = a.get(title, []), b.get(title, [])
        if title == CUSTOMERS:
            la, lb = Layout(ga), Layout(gb)
            if _strip(ga, {c for c in la.comp if c is not None}) != _strip(gb, {c for c in lb.comp if c is not None}):
                return False
        elif _strip(ga) != _strip(gb):
            return False
    return True
