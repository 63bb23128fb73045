"""Raw cell grids → validated `StoreData`: the one place every source's rows are checked.

`parse_workbook` takes the sheets of one workbook as lists of rows of cell values, the way
python-calamine (`to_python(skip_empty_area=False)`) or the Google Sheets values API returns
them — row 0 is sheet row 1 — and returns a `ReadResult`: the store's frames with canonical
English column keys (`followup.udfs.schema`), every rejected row located by file, sheet, row
(as Excel numbers it) and column header (as written in the file), and per-sheet counts with
rows read == rows used + rows rejected. Fully empty rows are not rows.

Values in the frames are normalised: ids and phones are text (never floats, never scientific
notation; leading zeros kept), class → playbook class code (A, B, …), outcome / channel /
kind → schema codes (success, call, service, …), dates → datetime64 (customer fact dates at
midnight, call_time with its time), amounts → float, questions → Int64, escalate → bool.

The work is split: `validate_cells` / `validate_values` parse one cell value, `validate_sheet`
finds the header and books rejections, `validate_cols` turns the rows into columns of distinct
values, `validate_rows` / `validate_calls` check the 客户, 回访记录 and 礼品 sheets column-wise.
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

from followup.udfs.errors import FollowupError
from followup.udfs.playbook import get_playbook
from followup.udfs.schema import CALL_COLUMNS, GIFT_COLUMNS, SETTINGS_KEYS, SHEETS, canonical, normalize

from .model import ReadResult, StoreData
from .validate_calls import calls as check_calls
from .validate_calls import gifts as check_gifts
from .validate_cells import as_text, is_blank, mask
from .validate_cols import Rows, build_frame, objects
from .validate_rows import customers as check_customers
from .validate_sheet import COLUMNS, REQUIRED, Book, find_header

__all__ = ["parse_workbook", "sheet_key", "WORKBOOK_EXTENSIONS", "REQUIRED", "mask"]

WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls")

_SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "customers": ("客户", "customers", "customer", "客户资料"),
    "calls": ("回访记录", "calls", "call_log", "call log", "calllog", "回访"),
    "gifts": ("礼品", "gifts", "gift"),
    "settings": ("设置", "settings", "setting"),
}


def sheet_key(title: object) -> str | None:
    """客户 / Customers / " customers " → "customers"; unknown → None."""
    t = normalize(title)
    for key, names in _SHEET_ALIASES.items():
        if t in names or t.replace("_", " ") in names:
            return key
    return None


def _settings(book: Book, title: str, grid: list[list]) -> dict[str, tuple[str, int]]:
    """key/value rows → {canonical key (or the raw key): (value, sheet row)}."""
    out: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(grid):
        cells = [c for c in row if not is_blank(c)]
        if len(cells) < 2:
            continue
        key = canonical(SETTINGS_KEYS, cells[0]) or as_text(cells[0])
        if normalize(key) in ("key", "项目", "设置项", "名称", "设置"):
            continue   # a header row
        if key not in out:
            out[key] = (as_text(cells[1]), i + 1)
    return out


def _group(value: str) -> str | None:
    t = unicodedata.normalize("NFKC", value).strip().lstrip("第").rstrip("组").strip()
    t = {"一": "1", "二": "2", "三": "3", "四": "4"}.get(t, t)
    return t if t in ("1", "2", "3", "4") else None


def _empty(columns: list[str], **kinds):
    return build_frame({c: objects([]) for c in ["_row", *columns]}, columns, **kinds)


def _unused(book: Book, found: dict) -> ReadResult:
    """Without a usable customer sheet the calls and gifts are read but none is used."""
    for key in ("calls", "gifts"):
        if key in found:
            title, grid = found[key]
            book.count(title, Rows(grid, find_header(grid, COLUMNS[key])).n, 0)
    return book.result


def _stem(origin: str) -> str:
    p = Path(origin)
    return p.stem if p.suffix.lower() in WORKBOOK_EXTENSIONS else p.name


def parse_workbook(sheets: dict[str, list[list]], origin: str, playbook: str | None = None,
                   now: dt.datetime | None = None) -> ReadResult:
    """Validate one workbook's sheets (title → rows of cell values, row 0 = sheet row 1).

    `playbook`: the configured playbook (a 设置 回访方案 row overrides it; default optometry).
    `now`: call times after it are rejected (naive local time; an aware one is taken as local
    wall time); None skips that check.
    """
    book = Book(origin)
    found: dict[str, tuple[str, list[list]]] = {}
    for title, grid in sheets.items():
        key = sheet_key(title)
        if key is None:
            continue
        if key in found:
            book.reject(str(title), None, None, None,
                        f"工作表「{title}」与「{found[key][0]}」重复,只使用「{found[key][0]}」 "
                        f"(sheet {title!r} duplicates {found[key][0]!r}: only the first is used)", fatal=False)
            continue
        found[key] = (str(title), list(grid or []))

    # settings
    settings_raw = _settings(book, *found["settings"]) if "settings" in found else {}
    stitle = found["settings"][0] if "settings" in found else SHEETS["settings"]
    settings = {k: v for k, (v, _) in settings_raw.items() if v is not None}
    store = settings.get("store") or _stem(origin)
    group = None
    if "store_group" in settings:
        group = _group(settings["store_group"])
        if group is None:
            value, row = settings_raw["store_group"]
            book.reject(stitle, row, SETTINGS_KEYS["store_group"], value,
                        "门店组别应为 1、2、3 或 4,已忽略 (store group must be 1, 2, 3 or 4: ignored)", fatal=False)
    pb_name = playbook or "optometry"
    if settings.get("playbook"):
        value, row = settings_raw["playbook"]
        try:
            get_playbook(value.strip())
            pb_name = value.strip()
        except FollowupError as e:
            book.reject(stitle, row, SETTINGS_KEYS["playbook"], value,
                        f"无法使用这个回访方案,改用 {pb_name} (cannot use this playbook, using {pb_name}): {e}",
                        fatal=False)
    pb = get_playbook(pb_name)

    if "customers" not in found:
        names = "、".join(map(str, sheets)) or "(无 / none)"
        book.reject(SHEETS["customers"], None, None, None,
                    f"工作簿中没有「客户」工作表(现有: {names}),本文件的数据未使用;请按模板添加或改正工作表名 "
                    f"(no 客户/customers sheet, found: {names}; nothing in this file is used)")
        return _unused(book, found)

    frame, accepted, rejected = check_customers(book, *found["customers"], pb, store)
    if frame is None:   # unusable customer sheet: the calls and gifts cannot be joined
        return _unused(book, found)

    if "calls" in found:
        calls = check_calls(book, *found["calls"], pb, store, accepted, rejected, now)
    else:
        calls = None
        book.reject(SHEETS["calls"], None, None, None,
                    "工作簿中没有「回访记录」工作表,按无回访记录处理 (no 回访记录/calls sheet: no calls read)",
                    fatal=False)
    if calls is None:
        calls = _empty([*CALL_COLUMNS, "questions_exceeded"], times=("call_time",), ints=("questions",),
                       bools=("escalate", "questions_exceeded"))
    gifts = check_gifts(book, *found["gifts"], store, accepted, rejected) if "gifts" in found else None
    if gifts is None:
        gifts = _empty(list(GIFT_COLUMNS), dates=("given_date",), floats=("value",))

    book.result.stores.append(StoreData(origin=origin, store=store, group=group, playbook=pb_name,
                                        settings=settings, customers=frame, calls=calls, gifts=gifts))
    return book.result
