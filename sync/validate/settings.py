"""Which sheet is which, and the 设置 (settings) sheet: the store's name, group and playbook."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import cast

from followup.udfs.errors import FollowupError
from followup.udfs.playbook import get_playbook
from followup.udfs.schema import SETTINGS_KEYS, SHEETS, canonical, normalize

from .cells import as_text, is_blank
from .sheet import Book

__all__ = ["WORKBOOK_EXTENSIONS", "sheet_key", "store_settings"]

WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls")

_SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "customers": ("客户", "customers", "customer", "客户资料"),
    "calls": ("回访记录", "calls", "call_log", "call log", "calllog", "回访"),
    "gifts": ("礼品", "gifts", "gift"),
    "settings": ("设置", "settings", "setting"),
    "requests": ("回访需求", "requests", "回访需求表", "回访计划需求", "回访计划需求表"),
}


def sheet_key(title: object) -> str | None:
    """客户 / Customers / " customers " → "customers"; unknown → None."""
    t = normalize(title)
    for key, names in _SHEET_ALIASES.items():
        if t in names or t.replace("_", " ") in names:
            return key
    return None


def _settings(book: Book, title: str, grid: list[list]) -> dict[str, tuple[str | None, int]]:
    """key/value rows → {canonical key (or the raw key): (value, sheet row)}."""
    out: dict[str, tuple[str | None, int]] = {}
    for i, row in enumerate(grid):
        cells = [c for c in row if not is_blank(c)]
        if len(cells) < 2:
            continue
        key = canonical(SETTINGS_KEYS, cells[0]) or as_text(cells[0]) or ""
        if normalize(key) in ("key", "项目", "设置项", "名称", "设置"):
            continue  # a header row
        if key not in out:
            out[key] = (as_text(cells[1]), i + 1)
    return out


def _group(value: str) -> str | None:
    t = unicodedata.normalize("NFKC", value).strip().lstrip("第").rstrip("组").strip()
    t = {"一": "1", "二": "2", "三": "3", "四": "4"}.get(t, t)
    return t if t in ("1", "2", "3", "4") else None


def _stem(origin: str) -> str:
    p = Path(origin)
    return p.stem if p.suffix.lower() in WORKBOOK_EXTENSIONS else p.name


def store_settings(
    book: Book, found: dict, origin: str, playbook: str | None
) -> tuple[dict[str, str], str, str | None, str]:
    """The 设置 sheet (if found) → (settings, store name, group or None, playbook name).

    The store defaults to the file's name; a bad group or playbook is a warning Rejection.
    """
    settings_raw = _settings(book, *found["settings"]) if "settings" in found else {}
    stitle = found["settings"][0] if "settings" in found else SHEETS["settings"]
    settings = {k: v for k, (v, _) in settings_raw.items() if v is not None}
    store = settings.get("store") or _stem(origin)
    group = None
    if "store_group" in settings:
        group = _group(settings["store_group"])
        if group is None:
            value, row = settings_raw["store_group"]
            book.reject(
                stitle,
                row,
                SETTINGS_KEYS["store_group"],
                value,
                "门店组别应为 1、2、3 或 4,已忽略 (store group must be 1, 2, 3 or 4: ignored)",
                fatal=False,
            )
    pb_name = playbook or "optometry"
    if settings.get("playbook"):
        value, row = settings_raw["playbook"]
        value = cast(str, value)  # settings["playbook"] is set: the cell has text
        try:
            get_playbook(value.strip())
            pb_name = value.strip()
        except FollowupError as e:
            book.reject(
                stitle,
                row,
                SETTINGS_KEYS["playbook"],
                value,
                f"无法使用这个回访方案,改用 {pb_name} (cannot use this playbook, using {pb_name}): {e}",
                fatal=False,
            )
    return settings, store, group, pb_name
