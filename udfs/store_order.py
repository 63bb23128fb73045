"""The one order of stores in every report, console table and quota frame (SPEC §3.6); pure.

By the config's [[stores]] order; stores not in the config after them, by the number in
their name — Chinese numerals or digits (一店 < 二店 < 三店 < 十店 < 十一店 < 12店) — and
stores without a number last, by name.

    sorted(names, key=store_key(config_names))
    df.sort_values("store", key=store_rank(config_names))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import pandas as pd

__all__ = ["name_number", "store_key", "store_rank", "order_stores"]

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUMBER = re.compile(r"\d+|[零〇一二两三四五六七八九十百千万]+")


def _chinese(text: str) -> int:
    """一 → 1, 十 → 10, 十一 → 11, 二十三 → 23, 一百零五 → 105; 一二 (digit by digit) → 12."""
    if not any(ch in _UNITS for ch in text):
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + section + (digit or 0)


def name_number(name: str) -> int | None:
    """The first number in a store's name (digits or Chinese numerals), or None."""
    m = _NUMBER.search(str(name))
    if not m:
        return None
    text = m.group(0)
    return int(text) if text.isdigit() else _chinese(text)


def store_key(config_names: Iterable[str] = ()) -> Callable[[object], tuple[int, int, int, str]]:
    """A sort key for store names: config order, then the number in the name, then the name."""
    rank = {str(n).strip(): i for i, n in enumerate(config_names)}

    def key(name: object) -> tuple[int, int, int, str]:
        text = "" if name is None or name != name else str(name).strip()
        if text in rank:
            return (0, rank[text], 0, "")
        n = name_number(text)
        return (1, 0, n, text) if n is not None else (2, 0, 0, text)

    return key


def order_stores(names: Iterable[str], config_names: Iterable[str] = ()) -> list[str]:
    return sorted(names, key=store_key(config_names))


def store_rank(order: Iterable[str] = ()) -> Callable[[pd.Series], pd.Series]:
    """For `DataFrame.sort_values(..., key=...)`: each store's position in the natural order
    (`order`: the report's store list, e.g. config order); other columns are left as they are."""
    key = store_key(order)

    def rank(s: pd.Series) -> pd.Series:
        if s.name != "store":
            return s
        uniques = sorted({v for v in s if v is not None and v == v}, key=key)
        pos = {v: i for i, v in enumerate(uniques)}
        return s.map(lambda v: pos.get(v, len(pos)))

    return rank
