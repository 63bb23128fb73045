"""A sheet's data rows column by column: each distinct cell value is parsed once.

`Rows(grid, header)` transposes the rows below the header once, drops fully empty rows (the
门店 column alone does not make a row) and gives one `Column` per canonical key. A column
factorizes its cells into codes + distinct values; `each(fn)` applies `fn` to the distinct
values only (`as_text` / `as_ident` to a column of text at once) and `at(per_value)` spreads
the results back over the rows. Distinct means equal *and* of the same type, so 1, 1.0 and
True stay apart as they do cell by cell.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any, cast

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from .cells import as_ident, as_text, is_blank
from .sheet import Header
from .values import Problem

__all__ = ["Column", "Rows", "objects", "safe", "build_frame"]

_SAME_TYPE = ("string", "floating")  # factorize cannot merge values of different types here
_type_of = np.frompyfunc(type, 1, 1)


def objects(items, n: int | None = None) -> np.ndarray:
    """A 1-d object array of `items`, each kept as one element (tuples and lists too)."""
    items = list(items) if n is None else items
    return np.fromiter(items, dtype=object, count=len(items) if n is None else n)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per cell, distinct values): each distinct value is the cell itself (factorize would
    hand back NaN for None), taken from the first row holding it."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.intp), values
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    if infer_dtype(values, skipna=False) not in _SAME_TYPE:
        tcodes, types = pd.factorize(_type_of(values))
        if len(types) > 1:
            codes, _ = pd.factorize(codes.astype(np.int64) * len(types) + tcodes)
    # Codes number the values in order of first appearance: a row holds a new value exactly
    # where its code exceeds every code above it (no sort needed).
    seen = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))
    return codes, values[first]


def _texts(u: np.ndarray) -> list:
    """`as_text` over distinct values that are all text: trimmed (full-width spaces too), blank → None."""
    return [t if (t := x.replace("\u3000", " ").strip()) else None for x in u]


def _idents(u: np.ndarray) -> list:
    """`as_ident` over distinct values that are all text. Printable ASCII without spaces is its
    own id (nothing to fold, trim or remove); any other text goes through `as_ident` itself."""
    return [
        t if t is None or (t.isascii() and t.isprintable() and " " not in t) else as_ident(x)
        for x, t in zip(u, _texts(u))
    ]


# Column-at-once forms of the per-value functions the sheets apply most, used when every
# distinct value of the column is text (same results, without a Python call per value).
_TEXT_FORMS = {as_text: _texts, as_ident: _idents}


class Column:
    __slots__ = ("values", "codes", "uniques", "_memo")

    def __init__(self, values: np.ndarray, codes: np.ndarray | None = None, uniques: np.ndarray | None = None):
        self.values = values
        if codes is None:
            codes, uniques = _distinct(values)
        self.codes, self.uniques = codes, cast(np.ndarray, uniques)
        self._memo: dict[Any, Any] = {}

    def each(self, fn, problems: bool = False) -> np.ndarray:
        """fn over the distinct values (one result each); with `problems`, a raised Problem is the result."""
        key = (fn, problems)
        if key not in self._memo:
            u = self.uniques
            whole = _TEXT_FORMS.get(fn)
            if whole is not None and len(u) and infer_dtype(u, skipna=False) == "string":
                self._memo[key] = objects(whole(u))
            else:
                self._memo[key] = objects([safe(fn, x) if problems else fn(x) for x in u])
        return self._memo[key]

    def blank(self) -> np.ndarray:
        """Per row: is the cell empty (`is_blank`)? Whole-column shortcuts for text, numbers, dates."""
        if "blank" not in self._memo:
            u = self.uniques
            kind = infer_dtype(u, skipna=False) if len(u) else "empty"
            per: Any
            if kind in ("floating", "datetime", "date"):
                per = pd.isna(u)
            elif kind == "string":
                per = np.fromiter((not x.strip() for x in u), dtype=np.bool_, count=len(u))
            else:
                per = np.fromiter((is_blank(x) for x in u), dtype=np.bool_, count=len(u))
            self._memo["blank"] = self.at(per)
        return self._memo["blank"]

    def at(self, per_value: np.ndarray) -> np.ndarray:
        """Per-distinct-value results → per-row results."""
        return per_value[self.codes]

    def rows(self, fn, problems: bool = False) -> np.ndarray:
        return self.at(self.each(fn, problems))

    def take(self, keep: np.ndarray) -> Column:
        return Column(self.values[keep], self.codes[keep], self.uniques)


def safe(fn, v):
    try:
        return fn(v)
    except Problem as e:
        return e


def _transpose(body: list[list], width: int) -> list:
    if not body:
        return [()] * width
    if min(map(len, body)) >= width:
        return list(zip(*body))[:width]
    cols = list(zip_longest(*body, fillvalue=None))
    return (cols + [(None,) * len(body)] * (width - len(cols)))[:width]


class Rows:
    """The non-empty data rows below a header: `n`, sheet row numbers `number`, `col(key)`."""

    def __init__(self, grid: list[list], h: Header, ignore: tuple[str, ...] = ("store",)):
        body = grid[h.row + 1 :] if h.row is not None else []
        width = max(h.cols.values(), default=-1) + 1
        cells = _transpose(body, width)
        full = {k: Column(objects(cells[j], len(body))) for k, j in h.cols.items()}
        keep = np.zeros(len(body), dtype=bool)
        for k, c in full.items():
            if k not in ignore:
                keep |= ~c.blank()
        self.n = int(keep.sum())
        self.number = np.flatnonzero(keep) + (h.row + 2 if h.row is not None else 0)
        self.cols = {k: c.take(keep) for k, c in full.items()}
        self._none = Column(objects([None] * self.n), np.zeros(self.n, dtype=np.intp), objects([None]))

    def col(self, key: str) -> Column:
        """The column of `key`; an absent column reads as empty cells."""
        return self.cols.get(key, self._none)


def build_frame(
    data: dict[str, np.ndarray], columns: list[str], dates=(), times=(), floats=(), ints=(), bools=()
) -> pd.DataFrame:
    """The store frame: `_row` + `columns` typed as the rest of the sync expects (dates at midnight,
    datetime64[ns]; floats; nullable Int64; bool; everything else object with None for empty)."""
    out = {"_row": pd.Series(np.asarray(data["_row"], dtype=np.int64))}
    for c in columns:
        v = np.asarray(data[c], dtype=object)
        if (c in dates or c in times) and not any(x is not None for x in v):
            v = np.full(len(v), np.datetime64("NaT", "ns"))
        elif c in dates or c in times:
            stamps = pd.DatetimeIndex(pd.to_datetime(v)).astype("datetime64[ns]")
            v = np.asarray(cast(pd.DatetimeIndex, stamps).normalize() if c in dates else stamps)
        elif c in floats:
            v = np.asarray(pd.to_numeric(v), dtype="float64")
        elif c in ints:
            v = pd.array(v.tolist(), dtype="Int64")
        elif c in bools:
            v = np.fromiter((x is not None and x == x and bool(x) for x in v), dtype=bool, count=len(v))
        else:
            v = np.where(pd.isna(v), None, v).astype(object)  # type: ignore[call-overload]
        out[c] = pd.Series(v, dtype=None if v.dtype != object else object)
    return pd.DataFrame(out)
