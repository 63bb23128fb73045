"""Formulas in the fake Google Sheets: references that follow structural edits, and an evaluator
for the one formula the project writes (the lookup formula of followup.sync.sources.gsheets.plan).

What Google does and the fake copies:
- inserting, deleting or moving rows/columns rewrites every A1 reference to that sheet (a
  reference to a deleted cell becomes #REF!); renaming a tab rewrites references to it;
  deleting a tab turns them into #REF!;
- an array result (ARRAYFORMULA, an array literal `{…;…}`) fills the cells right of and below
  its formula cell; if any of them holds a value, nothing is filled and the formula cell shows
  #REF! "Array result was not expanded because it would overwrite data in X"; if the array does
  not fit the grid, #REF! "Result was not automatically expanded, please insert more rows";
- VLOOKUP(…, FALSE) finds the first exact match (text case-insensitive, numbers by value, a
  number never equals text), IFERROR(x,) and IF(LEN(k), x,) give empty cells; a 1-row array
  literal in IF(ROW(k)=ROW(c), {…}, …) fills its row of the result.

Any other formula is not evaluated: its cell shows the formula text (the fake needs no more).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = [
    "CellError",
    "Formula",
    "shift_refs",
    "rename_refs",
    "evaluate",
    "col_index",
    "col_letters",
]


class Formula(str):
    """A cell value given to `FakeGoogle.add_spreadsheet` that is a formula (as typed)."""


class CellError(str):
    """An error cell: str() is what UNFORMATTED_VALUE shows (#REF!), `type`/`message` as in the API."""

    def __new__(cls, type_: str, message: str):
        shown = {"REF": "#REF!", "N_A": "#N/A", "VALUE": "#VALUE!", "ERROR": "#ERROR!"}.get(type_, "#ERROR!")
        obj = super().__new__(cls, shown)
        obj.type, obj.message = type_, message
        return obj


def col_index(letters: str) -> int:
    """A → 0, AA → 26."""
    n = 0
    for ch in letters.upper().lstrip("$"):
        n = n * 26 + ord(ch) - 64
    return n - 1


def col_letters(i: int) -> str:
    s, n = "", i + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


_REF = re.compile(
    r"(?<![A-Za-z0-9_$.'\"])"
    r"(?:(?P<sheet>'(?:[^']|'')+'|[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*)!)?"
    r"(?P<c1>\$?[A-Z]{1,3})(?P<r1>\$?\d+)?"
    r"(?::(?P<c2>\$?[A-Z]{1,3})(?P<r2>\$?\d+)?)?"
    r"(?![A-Za-z0-9_(])"
)


def _sheet_name(token: str | None) -> str | None:
    if token is None:
        return None
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    return token


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _map_refs(formula: str, home: str, fn: Callable[[re.Match, str], str | None]) -> str:
    """Apply `fn(match, sheet title)` to every A1 reference outside string literals (None: keep)."""
    parts = re.split(r'("(?:[^"]|"")*")', formula)
    for i in range(0, len(parts), 2):

        def sub(m: re.Match) -> str:
            if m.group("r1") is None and m.group("c2") is None:
                return m.group(0)  # a bare word, not a reference
            title = _sheet_name(m.group("sheet")) or home
            new = fn(m, title)
            return m.group(0) if new is None else new

        parts[i] = _REF.sub(sub, parts[i])
    return "".join(parts)


def shift_refs(formula: str, home: str, sheet: str, dimension: str, mapping: Callable[[int], int | None]) -> str:
    """References to `sheet` after a structural edit: `mapping(old index) → new index or None (deleted)`."""

    def fn(m: re.Match, title: str) -> str | None:
        if title != sheet:
            return None
        prefix = f"{m.group('sheet')}!" if m.group("sheet") else ""
        c1, r1, c2, r2 = m.group("c1"), m.group("r1"), m.group("c2"), m.group("r2")
        if dimension == "COLUMNS":
            lo, hi = col_index(c1), col_index(c2) if c2 else col_index(c1)
            new = _span(lo, hi, mapping)
            if new is None:
                return "#REF!"
            c1 = ("$" if c1.startswith("$") else "") + col_letters(new[0])
            if c2:
                c2 = ("$" if c2.startswith("$") else "") + col_letters(new[1])
        else:
            if r1 is None:
                return None
            lo = int(r1.lstrip("$")) - 1
            hi = int(r2.lstrip("$")) - 1 if r2 else (lo if not c2 else None)
            if hi is None:  # open-ended (A2:A): only the start moves
                new_lo = mapping(lo)
                if new_lo is None:
                    new_lo = next((mapping(i) for i in range(lo, lo + 10000) if mapping(i) is not None), lo)
                r1 = ("$" if r1.startswith("$") else "") + str(new_lo + 1)
            else:
                new = _span(lo, hi, mapping)
                if new is None:
                    return "#REF!"
                r1 = ("$" if r1.startswith("$") else "") + str(new[0] + 1)
                if r2:
                    r2 = ("$" if r2.startswith("$") else "") + str(new[1] + 1)
        return prefix + c1 + (r1 or "") + (f":{c2}{r2 or ''}" if c2 else "")

    return _map_refs(formula, home, fn)


def _span(lo: int, hi: int, mapping: Callable[[int], int | None]) -> tuple[int, int] | None:
    alive = [mapping(i) for i in range(lo, hi + 1)]
    alive = [i for i in alive if i is not None]
    if not alive:
        return None
    return min(alive), max(alive)


def rename_refs(formula: str, home: str, old: str, new: str | None) -> str:
    """References to tab `old` after it was renamed to `new` (None: deleted → #REF!)."""

    def fn(m: re.Match, title: str) -> str | None:
        if title != old or not m.group("sheet"):
            return None
        if new is None:
            return "#REF!"
        return _quote(new) + "!" + m.group(0)[len(m.group("sheet")) + 1 :]

    return _map_refs(formula, home, fn)


_LOOKUP = re.compile(
    r"^=ARRAYFORMULA\(IF\(ROW\((?P<key>\$?(?P<kc>[A-Z]+)\$?(?P<kr>\d+):\$?(?P=kc))\)=ROW\((?P<first>\$?[A-Z]+\$?\d+)\),"
    r'\{(?P<heads>"[^"]*"(?:,"[^"]*")*)\},IF\(LEN\((?P=key)\),'
    r"IFERROR\(VLOOKUP\((?P=key),(?P<tab>'(?:[^']|'')+'|[^'!,]+)!\$?(?P<t0>[A-Z]+):\$?(?P<t1>[A-Z]+),"
    r"\{(?P<idx>\d+(?:,\d+)*)\},FALSE\),\),\)\)\)$"
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return False


def evaluate(
    formula: str,
    key_cell: Callable[[int, int], Any],
    tab_rows: Callable[[str], list[list[Any]] | None],
    rows_below: Callable[[int], int],
) -> Any:
    """The formula's value: a 2-D list (an array to spill), a CellError, or the formula text when
    the fake does not evaluate it. `key_cell(r, c)` is a cell of the formula's own sheet,
    `tab_rows(title)` another tab's typed rows (None: no such tab), `rows_below(r)` the number of
    grid rows from row r (0-based) to the end."""
    if "#REF!" in formula:
        return CellError("REF", "Reference does not exist.")
    m = _LOOKUP.match(formula)
    if not m:
        return formula
    heads = re.findall(r'"([^"]*)"', m.group("heads"))
    idx = [int(i) for i in m.group("idx").split(",")]
    if len(heads) != len(idx):
        return CellError("VALUE", "Function ARRAY_ROW parameter 2 has mismatched column size.")
    table = tab_rows(_sheet_name(m.group("tab")) or "")
    if table is None:
        return CellError("REF", f"Unresolved sheet name '{_sheet_name(m.group('tab'))}'.")
    kc, kr = col_index(m.group("kc")), int(m.group("kr")) - 1
    head_row = int(re.sub(r"[^0-9]", "", m.group("first"))) - 1
    t0, t1 = col_index(m.group("t0")), col_index(m.group("t1"))
    if any(i > t1 - t0 + 1 for i in idx):
        return CellError("REF", "VLOOKUP evaluates to an out of bounds range.")
    out: list[list[Any]] = []
    for r in range(kr, kr + rows_below(kr)):
        if r == head_row:  # IF(ROW(key)=ROW(first), {headers}, …)
            out.append(list(heads))
            continue
        key = key_cell(r, kc)
        if key is None or str(key) == "":
            out.append([""] * len(idx))
            continue
        hit = next((row for row in table if len(row) > t0 and _same(row[t0], key)), None)
        if hit is None:
            out.append([""] * len(idx))
        else:
            out.append([hit[t0 + i - 1] if t0 + i - 1 < len(hit) and hit[t0 + i - 1] is not None else "" for i in idx])
    return out
