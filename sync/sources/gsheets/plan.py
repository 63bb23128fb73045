"""The sync's own tab and the lookup formula that shows it in 客户 (issue 21: by key, not by position).

The sync writes its results into its own tab `跟进计划` (PLAN_TAB): a header row, then one row
per 客户编号 with the computed columns, replaced as a whole on each write. The agents' 客户 tab
shows those columns through ONE formula in its header row (`lookup_formula`): an ARRAYFORMULA
whose first row is the computed headers and whose other rows look each row's 客户编号 up in
the plan tab (VLOOKUP with an array of column indexes). Whatever the agents do to
客户 — sort, insert or delete rows, move columns, filter — every row shows its own customer's
plan by construction: nothing is placed by position. A value typed into the block blocks the
array's expansion: the formula cell shows #REF!, which the sync reports and never overwrites.

This module is pure: it reads grids (as `read.Book` holds them) and returns what to write.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from followup.sync.validate.sheet import COLUMNS, find_header
from followup.udfs.schema import COMPUTED_COLUMNS, CUSTOMER_COLUMNS, SHEETS, canonical

from .cells import cell_text, trim_grid

__all__ = [
    "CUSTOMERS",
    "PLAN_TAB",
    "PLAN_HEADERS",
    "COMPUTED_HEADERS",
    "BLOCK",
    "lookup_formula",
    "is_lookup_formula",
    "col_name",
    "Placement",
    "place",
    "plan_grid",
    "same_grid",
    "find_plan_tab",
]

CUSTOMERS = SHEETS["customers"]
PLAN_TAB = "跟进计划"
COMPUTED_HEADERS = list(COMPUTED_COLUMNS.values())
ID_HEADER = CUSTOMER_COLUMNS["customer_id"]
PLAN_HEADERS = [ID_HEADER, *COMPUTED_HEADERS]
BLOCK = len(COMPUTED_HEADERS)  # columns the formula fills in 客户
# A formula of the sync: ARRAYFORMULA(IF(ROW(…)=ROW(…),{headers},… VLOOKUP …)). Any version of it
# (another id column, a renamed or deleted plan tab shown as #REF!) is recognised.
_OURS = re.compile(r"^=ARRAYFORMULA\(IF\(ROW\(.*\{\"[^\"]*\".*VLOOKUP\(", re.S)


def col_name(c: int) -> str:
    """0 → A, 26 → AA."""
    s, n = "", c + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _quote_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def lookup_formula(id_col: int, head: int, tab: str = PLAN_TAB) -> str:
    """The header-row formula: on its own row the computed headers, on every row below the plan
    row of that row's 客户编号 (blank when the id is blank or not in the plan). `id_col` and
    `head` are 0-based. The key range starts on the formula's own row (`A1:A`, not `A2:A`): rows
    inserted right under the header then widen the range instead of moving its start, so row i
    of the array is always row i of the sheet; `ROW(A1)` (a reference, moved with the header
    when rows are inserted above it) tells the header row apart."""
    letter = col_name(id_col)
    first = f"{letter}{head + 1}"
    key = f"{first}:{letter}"
    heads = ",".join(f'"{h}"' for h in COMPUTED_HEADERS)
    idx = ",".join(str(i) for i in range(2, BLOCK + 2))
    table = f"{_quote_tab(tab)}!$A:${col_name(BLOCK)}"
    return (
        f"=ARRAYFORMULA(IF(ROW({key})=ROW({first}),{{{heads}}},"
        f"IF(LEN({key}),IFERROR(VLOOKUP({key},{table},{{{idx}}},FALSE),),)))"
    )


def is_lookup_formula(text: Any) -> bool:
    return isinstance(text, str) and bool(_OURS.match(text))


def plan_grid(table_rows: Iterable[tuple[Any, list[Any]]]) -> list[list[Any]]:
    """The plan tab's content: the header, then (raw 客户编号 as in 客户, computed cells) rows."""
    return [list(PLAN_HEADERS), *[[cid, *values] for cid, values in table_rows]]


def _text_grid(grid: list[list[Any]]) -> list[list[Any]]:
    return trim_grid([[cell_text(v) for v in row] for row in grid])


def same_grid(a: list[list[Any]], b: list[list[Any]]) -> bool:
    """Equal as the sheet shows them (numbers and text alike, trailing blanks ignored)."""
    return _text_grid(a) == _text_grid(b)


def find_plan_tab(grids: dict[str, list[list[Any]]], exclude: Iterable[str]) -> str | None:
    """The plan tab's title: `跟进计划`, or a tab an agent renamed that still has its header."""
    if PLAN_TAB in grids:
        return PLAN_TAB
    skip = set(exclude)
    for title, grid in grids.items():
        if title not in skip and grid and [cell_text(v) for v in grid[0][: len(PLAN_HEADERS)]] == PLAN_HEADERS:
            return title
    return None


@dataclass
class Placement:
    """Where the lookup formula is and what the write must do in 客户 (all 0-based)."""

    head: int | None = None
    id_col: int | None = None
    anchor: int | None = None  # column of the sync's formula in the header row, as read
    formula: str = ""  # the formula there now
    want: str = ""  # the formula the sync wants there
    insert_at: int | None = None  # place it: insert BLOCK fresh columns here, formula in the first
    remove: list[int] = field(default_factory=list)  # old-design columns to delete (conversion)
    typed: list[tuple[int, int, Any]] = field(default_factory=list)  # (row, col, value) in the block
    blocked: str = ""  # why the formula cannot be placed (a typed header where it belongs)


def _blank(v: Any) -> bool:
    return cell_text(v).strip() == ""


def place(
    grid: list[list[Any]],
    formulas: dict[tuple[int, int], str],
    old_columns: dict[int, list[str]],
) -> Placement:
    """Decide the 客户 side of a write.

    - the sync's formula in the header row: kept; rewritten only when its text is not what the
      sync writes now (another id column, a #REF! left by a deleted tab), by compare-and-set;
      when its cell shows an error (a value typed into the block blocks the array), every
      non-blank cell of the block is reported, none is written;
    - old design (columns tagged with developer metadata: the 8 computed ones and 核对编号, or
      the computed headers typed as text over empty columns, as the earlier `init` made them):
      those columns are removed and the formula placed in fresh columns where they were;
    - no formula and no computed header: placed in fresh columns right of everything used;
    - a computed header typed in the header row with values under it: nothing placed, reported.
    """
    p = Placement()
    if not grid:
        return p
    p.head = find_header(grid, COLUMNS["customers"]).row
    if p.head is None:
        return p
    header = grid[p.head]
    keys = [canonical(CUSTOMER_COLUMNS, h) for h in header]
    p.id_col = keys.index("customer_id") if "customer_id" in keys else None
    if p.id_col is None:
        return p
    width = max((len(r) for r in grid), default=0)
    mine = sorted(c for (r, c), f in formulas.items() if r == p.head and is_lookup_formula(f))
    if mine:
        p.anchor = mine[0]
        p.formula = formulas[(p.head, p.anchor)]
        p.want = lookup_formula(p.id_col, p.head)
        shown = cell_text(header[p.anchor]) if p.anchor < len(header) else ""
        if shown.startswith("#"):  # the formula's cell shows an error: its array could not expand
            for r in range(p.head, len(grid)):
                for c in range(p.anchor, p.anchor + BLOCK):
                    if (r, c) != (p.head, p.anchor) and c < len(grid[r]) and not _blank(grid[r][c]):
                        p.typed.append((r, c, grid[r][c]))
        return p
    tagged = sorted(old_columns)
    texts = [cell_text(h).strip() for h in header] + [""] * (width - len(header))
    run = next(
        (c for c in range(0, max(0, width - BLOCK + 1)) if texts[c : c + BLOCK] == COMPUTED_HEADERS),
        None,
    )
    if run is not None and not tagged:
        under = [
            grid[r][c]
            for r in range(p.head + 1, len(grid))
            for c in range(run, run + BLOCK)
            if c < len(grid[r]) and not _blank(grid[r][c])
        ]
        if not under:
            tagged = list(range(run, run + BLOCK))  # the earlier template's typed headers: convert
    if tagged:
        p.remove = tagged
        p.insert_at = tagged[0]  # sorted: no removed column left of it
        after = [c for c in range(width) if c not in set(tagged)]
        new_id = after.index(p.id_col) if p.id_col in after else None
        if new_id is None:  # the id column itself tagged: never (it has its own header)
            p.remove, p.insert_at = [], None
            return p
        p.want = lookup_formula(new_id + (BLOCK if new_id >= p.insert_at else 0), p.head)
        return p
    found = [c for c, t in enumerate(texts) if t in COMPUTED_HEADERS]
    if found:
        c = found[0]
        p.blocked = (
            f"「{CUSTOMERS}」第 {p.head + 1} 行 {col_name(c)} 列是手工输入的「{texts[c]}」,同步不放置查找公式;"
            f"清空该列的计算列后下次同步会放置 (the header {col_name(c)}{p.head + 1} holds a typed "
            f"“{texts[c]}”: the lookup formula is not placed; clear those columns and the next sync places it)"
        )
        return p
    p.insert_at = width
    p.want = lookup_formula(p.id_col, p.head)
    return p
