"""Which sheet is which, and the 设置 (settings) sheet: the store's name, group and playbook."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import cast

from followup.udfs.playbook import builtin_playbooks
from followup.udfs.schema import SETTINGS_KEYS, SHEETS, canonical, normalize

from .cells import as_text, has_invisible, is_blank, visible
from .sheet import Book

__all__ = ["WORKBOOK_EXTENSIONS", "sheet_key", "store_settings", "allowed_playbooks"]

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


def _settings(book: Book, title: str, grid: list[list]) -> dict[str, tuple[str | None, int, int]]:
    """key/value rows → {canonical key (or the raw key): (value, sheet row, value's column, 0-based)}."""
    out: dict[str, tuple[str | None, int, int]] = {}
    for i, row in enumerate(grid):
        cells = [(j, c) for j, c in enumerate(row) if not is_blank(c)]
        if len(cells) < 2:
            continue
        key = canonical(SETTINGS_KEYS, cells[0][1]) or as_text(cells[0][1]) or ""
        if normalize(key) in ("key", "项目", "设置项", "名称", "设置"):
            continue  # a header row
        if key not in out:
            out[key] = (as_text(cells[1][1]), i + 1, cells[1][0])
    return out


def _column(col0: int) -> str:
    out, n = "", col0 + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def allowed_playbooks(configured: str | None) -> dict[str, str]:
    """What a 设置 回访方案 cell may name → the playbook used: the built-in playbooks by name,
    and the configured playbook (config `playbook`) by its name or, for a file, its file name
    without .toml. A cell is data: it never names a file to open."""
    out = {name.casefold(): name for name in builtin_playbooks()}
    if configured:
        stem = Path(configured).stem if configured.lower().endswith(".toml") else configured
        out.setdefault(stem.strip().casefold(), configured)
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
    settings = {k: v for k, (v, _, _) in settings_raw.items() if v is not None}
    store = settings.get("store") or _stem(origin)
    if has_invisible(store):
        clean = visible(store).strip()
        if "store" in settings_raw:
            _, row, col = settings_raw["store"]
            where_zh, where_en = (
                f"单元格 {stitle}!{_column(col)}{row} 中的门店名称",
                f"the store name in cell {stitle}!{_column(col)}{row}",
            )
        else:
            row, where_zh, where_en = None, "文件名中的门店名称", "the store name from the file name"
        book.reject(
            stitle,
            row,
            SETTINGS_KEYS["store"] if row is not None else None,
            None,
            f"{where_zh}含不可见字符(如零宽空格、BOM、软连字符),已去掉后按「{clean}」处理;请删除这些字符 "
            f"({where_en} holds invisible characters such as a zero-width space, BOM or soft hyphen: "
            f"read as {clean!r}; please delete them)",
            fatal=False,
        )
        store = clean or store
    group = None
    if "store_group" in settings:
        group = _group(settings["store_group"])
        if group is None:
            value, row, _ = settings_raw["store_group"]
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
        value, row, col = settings_raw["playbook"]
        value = cast(str, value)  # settings["playbook"] is set: the cell has text
        allowed = allowed_playbooks(playbook)
        chosen = allowed.get(unicodedata.normalize("NFKC", value).strip().casefold())
        if chosen is None:
            names = "、".join(sorted(set(allowed)))
            cell = f"{stitle}!{_column(col)}{row}"
            book.reject(
                stitle,
                row,
                SETTINGS_KEYS["playbook"],
                value,
                f"单元格 {cell} 的回访方案不是内置方案或配置中的方案(可用: {names}),改用 {pb_name};"
                f"单元格中的文件路径不会被打开 (the playbook in cell {cell} is neither a built-in one nor "
                f"the configured one, use one of: {', '.join(sorted(set(allowed)))}; using {pb_name}; a "
                f"path in a cell is never opened)",
                fatal=False,
            )
        else:
            pb_name = chosen
    return settings, store, group, pb_name
