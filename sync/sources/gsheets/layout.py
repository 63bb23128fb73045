"""The 客户 grid as the write-back sees it: the header found exactly as the reader finds it,
columns by header and developer metadata, rows by 客户编号.

The sync owns nine columns of 客户: the eight computed ones and the key echo 核对编号 (the
客户编号 the computed cells of that row were computed for). Each carries developer metadata
(`answers.METADATA_KEY` = its key) so a write located by data filter lands in that column even
when columns were inserted, deleted or moved after the sync last looked. A new owned column
goes only into an empty column (right of everything used, title rows included); a column with
anything in it, headed or not, is never taken.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from followup.sync.validate.sheet import COLUMNS, find_header
from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS, SHEETS, canonical, normalize

from .cells import cell_text, trim_grid

__all__ = ["Layout", "CUSTOMERS", "COMPUTED_HEADERS", "OWNED", "ECHO_KEY", "ECHO_HEADER", "same_facts", "apply_columns"]

CUSTOMERS = SHEETS["customers"]
COMPUTED_HEADERS = list(COMPUTED_COLUMNS.values())
ECHO_KEY, ECHO_HEADER = "computed_for", "核对编号"
OWNED: dict[str, str] = {**COMPUTED_COLUMNS, ECHO_KEY: ECHO_HEADER}  # key → header, in write order
_ALL = {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COMPUTED_COLUMNS}


def _key_of(cell: Any) -> str | None:
    if normalize(cell) in (normalize(ECHO_HEADER), ECHO_KEY):
        return ECHO_KEY
    return canonical(_ALL, cell)


class Layout:
    """The 客户 grid located by header (the reader's `find_header`: title rows above it skipped)
    and by our column metadata (`tags`: column → metadata values)."""

    def __init__(self, grid: list[list[Any]], tags: dict[int, list[str]] | None = None):
        self.grid = grid
        self.tags = tags or {}
        self.head = find_header(grid, COLUMNS["customers"]).row if grid else None
        header = grid[self.head] if self.head is not None else []
        self.keys = [_key_of(h) for h in header]
        self.width = max((len(r) for r in grid), default=0)  # every used column, title rows too
        self.id_col = self.keys.index("customer_id") if "customer_id" in self.keys else None
        # owned column of each key, by header (first match); metadata is checked in `owned`
        self.col = {k: self.keys.index(k) if k in self.keys else None for k in OWNED}
        self.by_id: dict[str, list[int]] = {}
        if self.id_col is not None:
            for r in range((self.head or 0) + 1, len(grid)):  # id_col is set only with a header
                row = grid[r]
                cid = cell_text(row[self.id_col]).strip() if self.id_col < len(row) else ""
                if cid:
                    self.by_id.setdefault(cid, []).append(r)

    def rows_of(self, cid: str) -> list[int]:
        return self.by_id.get(cid, [])

    def cell(self, r: int, c: int | None) -> str:
        if c is None or r >= len(self.grid) or c >= len(self.grid[r]):
            return ""
        return cell_text(self.grid[r][c])

    def owned_of(self, cid: str) -> list[str]:
        """The row's computed cells and echo (OWNED order); "\\0" when the id is not on exactly one row."""
        rows = self.rows_of(cid)
        if len(rows) != 1:
            return [""] * len(OWNED) if not rows else ["\0"] * len(OWNED)
        return [self.cell(rows[0], self.col[k]) for k in OWNED]

    def facts_of(self, cid: str) -> dict[str, str] | None:
        rows = self.rows_of(cid)
        if len(rows) != 1:
            return None
        mine = {c for c in self.col.values() if c is not None}
        header = self.grid[self.head] if self.head is not None else []
        return {
            f"{c}:{cell_text(header[c]) if c < len(header) else ''}": self.cell(rows[0], c)
            for c in range(self.width)
            if c not in mine
        }

    def empty_column(self, c: int) -> bool:
        return all(c >= len(row) or cell_text(row[c]).strip() == "" for row in self.grid)

    def plan_tags(self) -> list[tuple[str, int]]:
        """(key, column) of owned columns still without metadata: a column headed with the key and
        not tagged otherwise, or else a new column right of everything used (always empty)."""
        out, nxt = [], self.width
        for k in OWNED:
            tagged = [c for c, vals in self.tags.items() if k in vals]
            if tagged:
                continue
            c = self.col[k]
            if c is None or self.tags.get(c):
                c, nxt = nxt, nxt + 1
            out.append((k, c))
        return out

    def owned(self) -> tuple[dict[str, int], list[str], list[int]]:
        """(key → column safe to write, problems, columns whose metadata sits where it must not).

        A key's column is safe when exactly one column carries its metadata and that column is
        headed with the key, or is wholly empty (a column the sync added: its header is written
        with the values)."""
        ok, problems, misplaced = {}, [], []
        for k, head in OWNED.items():
            cols = sorted(c for c, vals in self.tags.items() if k in vals)
            if not cols:
                problems.append(f"「{head}」列没有同步标记 (no sync tag on the {head} column)")
                continue
            good = [c for c in cols if (c < len(self.keys) and self.keys[c] == k) or self.empty_column(c)]
            misplaced += [c for c in cols if c not in good]
            if len(good) != 1:
                problems.append(
                    f"「{head}」列的同步标记不在该列上或重复,未写入 (the {head} column's sync tag is "
                    f"missing or on another column: not written)"
                )
                continue
            ok[k] = good[0]
        return ok, problems, misplaced


def _strip(grid: list[list[Any]], drop: AbstractSet[int] = frozenset()) -> list[list[str]]:
    return trim_grid([[cell_text(v) for c, v in enumerate(row) if c not in drop] for row in grid])


def same_facts(a: dict[str, list[list]], b: dict[str, list[list]]) -> bool:
    """Same values apart from the owned block (which the sync itself writes)?"""
    for title in set(a) | set(b):
        ga, gb = a.get(title, []), b.get(title, [])
        if title == CUSTOMERS:
            la, lb = Layout(ga), Layout(gb)
            if _strip(ga, {c for c in la.col.values() if c is not None}) != _strip(
                gb, {c for c in lb.col.values() if c is not None}
            ):
                return False
        elif _strip(ga) != _strip(gb):
            return False
    return True


def apply_columns(grid: list[list[Any]], columns: dict[int, list[Any]]) -> None:
    """Mirror a column-wise write (None = skipped cell) into a cached grid."""
    for c, vector in columns.items():
        for r, v in enumerate(vector):
            if v is None:
                continue
            while len(grid) <= r:
                grid.append([])
            row = grid[r]
            while len(row) <= c:
                row.append("")
            row[c] = v
