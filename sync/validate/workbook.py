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

The work is split: `settings` tells the sheets apart and reads 设置 (store, group,
playbook), `cells` / `values` parse one cell value, `sheet`
finds the header and books rejections, `cols` turns the rows into columns of distinct
values, `rows` / `calls` check the 客户, 回访记录 and 礼品 sheets column-wise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import pandas as pd

from followup.sync.model import ReadResult, StoreData
from followup.udfs.playbook import get_playbook
from followup.udfs.schema import CALL_COLUMNS, GIFT_COLUMNS, SHEETS

from .calls import calls as check_calls
from .calls import gifts as check_gifts
from .calls import requests as check_requests
from .cols import Rows, build_frame, objects
from .rows import DATE_KEYS
from .rows import customers as check_customers
from .settings import sheet_key, store_settings
from .sheet import COLUMNS, Book, find_header

__all__ = ["parse_workbook"]


def _empty(columns: list[str], **kinds):
    return build_frame({c: objects([]) for c in ["_row", *columns]}, columns, **kinds)


def _unused(book: Book, found: dict) -> ReadResult:
    """Without a usable customer sheet the calls and gifts are read but none is used."""
    for key in ("calls", "gifts"):
        if key in found:
            title, grid = found[key]
            book.count(title, Rows(grid, find_header(grid, COLUMNS[key])).n, 0)
    return book.result


# Days between the 1900 and the 1904 date systems' day 0 (Excel's serial numbers).
DAYS_1904 = 1462
_DATE_KEYS = {"customers": DATE_KEYS, "calls": ("call_time",), "gifts": ("given_date",)}


def _from_1904(key: str, grid: list[list]) -> list[list]:
    """Numbers in the date columns of a 1904-date-system workbook, as 1900-system serials."""
    h = find_header(grid, COLUMNS[key])
    cols = [h.cols[k] for k in _DATE_KEYS[key] if k in h.cols]
    if h.row is None or not cols:
        return grid
    out = list(grid)
    for i in range(h.row + 1, len(out)):
        row = out[i]
        hits = [j for j in cols if j < len(row) and isinstance(row[j], (int, float)) and not isinstance(row[j], bool)]
        if hits:
            row = list(row)
            for j in hits:
                row[j] = row[j] + DAYS_1904
            out[i] = row
    return out


def parse_workbook(
    sheets: dict[str, list[list]],
    origin: str,
    playbook: str | None = None,
    now: dt.datetime | None = None,
    date1904: bool = False,
    hidden: Collection[str] = (),
) -> ReadResult:
    """Validate one workbook's sheets (title → rows of cell values, row 0 = sheet row 1).

    `playbook`: the configured playbook (a 设置 回访方案 row overrides it; default optometry).
    `now`: call times after it are rejected (naive local time; an aware one is taken as local
    wall time); None skips that check. `date1904`: the workbook counts dates from 1904
    (workbookPr date1904, old Mac Excel): numbers in date columns are read in that system
    (cells formatted as dates are already converted by the reader). `hidden`: titles of hidden
    sheets: of two sheets for one table the visible one is used, and using a hidden one is said.
    """
    book = Book(origin)
    found: dict[str, tuple[str, list[list]]] = {}
    candidates: dict[str, list[str]] = {}
    for title in sheets:
        key = sheet_key(title)
        if key is not None:
            candidates.setdefault(key, []).append(title)
    for key, titles in candidates.items():
        shown = [t for t in titles if t not in hidden]
        title = (shown or titles)[0]  # a visible sheet wins over a hidden (often stale) copy
        for other in titles:
            if other == title:
                continue
            state_zh, state_en = ("隐藏的", "hidden ") if other in hidden else ("", "")
            chosen_zh = "可见的" if other in hidden and title not in hidden else ""
            book.reject(
                str(other),
                None,
                None,
                None,
                f"{state_zh}工作表「{other}」与「{title}」重复,只使用{chosen_zh}「{title}」 "
                f"({state_en}sheet {other!r} duplicates {title!r}: only {title!r} is used)",
                fatal=False,
            )
        if title in hidden:
            book.reject(
                str(title),
                None,
                None,
                None,
                f"使用的是隐藏的工作表「{title}」,请确认它是最新的,或取消隐藏 "
                f"(the hidden sheet {title!r} is used: check that it is up to date, or unhide it)",
                fatal=False,
            )
        found[key] = (str(title), list(sheets[title] or []))
        if date1904 and key in _DATE_KEYS:
            found[key] = (str(title), _from_1904(key, found[key][1]))

    settings, store, group, pb_name = store_settings(book, found, origin, playbook)
    pb = get_playbook(pb_name)

    if "customers" not in found:
        names = "、".join(map(str, sheets)) or "(无 / none)"
        book.reject(
            SHEETS["customers"],
            None,
            None,
            None,
            f"工作簿中没有「客户」工作表(现有: {names}),本文件的数据未使用;请按模板添加或改正工作表名 "
            f"(no 客户/customers sheet, found: {names}; nothing in this file is used)",
        )
        return _unused(book, found)

    frame, accepted, rejected = check_customers(book, *found["customers"], pb, store)
    if frame is None:  # unusable customer sheet: the calls and gifts cannot be joined
        return _unused(book, found)

    if "calls" in found:
        calls = check_calls(book, *found["calls"], pb, store, accepted, rejected, now)
    else:
        calls = None
        book.reject(
            SHEETS["calls"],
            None,
            None,
            None,
            "工作簿中没有「回访记录」工作表,按无回访记录处理 (no 回访记录/calls sheet: no calls read)",
            fatal=False,
        )
    if calls is None:
        calls = _empty(
            [*CALL_COLUMNS, "questions_exceeded"],
            times=("call_time",),
            ints=("questions",),
            bools=("escalate", "questions_exceeded"),
        )
    gifts = check_gifts(book, *found["gifts"], store, accepted, rejected) if "gifts" in found else None
    if gifts is None:
        gifts = _empty(list(GIFT_COLUMNS), dates=("given_date",), floats=("value",))

    requests = check_requests(book, *found["requests"], store) if "requests" in found else None
    book.result.stores.append(
        StoreData(
            origin=origin,
            store=store,
            group=group,
            playbook=pb_name,
            settings=settings,
            customers=frame,
            calls=calls,
            gifts=gifts,
            requests=requests if requests is not None else pd.DataFrame(),
        )
    )
    return book.result
