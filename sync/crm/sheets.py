"""The optional 投诉 (complaints) and 常见问题 (FAQ) sheets of the store workbooks.

Both are optional: a workbook without them has no complaints / no FAQ entries. Their rows are
validated here with the same located rejections as the other sheets (file, sheet, row as Excel
numbers it, column as written, value) and counted: rows read = rows used + rows rejected.

    crm = crm_of(read_all(config))    # CrmData(complaints=DataFrame, faq=DataFrame, read=ReadResult)

A source parses them with the rest of each workbook (`parse_crm_sheets`, as the Excel source
does) and puts them on its `ReadResult.crm`.

The complaint frame has the keys of `followup.udfs.crm.COMPLAINT_COLUMNS` plus store, `_origin`
and `_row`; a blank 投诉编号 becomes `<store>-<row>` so every complaint can be named on the
command line. Status values are codes (open, in_progress, resolved, closed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from followup.sync.model import ReadResult
from followup.sync.validate.cells import as_text, is_blank
from followup.sync.validate.settings import sheet_key, store_settings
from followup.sync.validate.sheet import Book, find_header
from followup.sync.validate.values import Problem, as_day
from followup.udfs.crm import COMPLAINT_COLUMNS, COMPLAINT_STATUSES, FAQ_COLUMNS
from followup.udfs.privacy import mask_phones_in_text
from followup.udfs.schema import normalize

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["CrmData", "crm_of", "combine", "parse_crm_sheets", "CRM_SHEETS", "crm_sheet_key"]

CRM_SHEETS = {"complaints": "投诉", "faq": "常见问题"}
_ALIASES = {
    "complaints": ("投诉", "投诉记录", "complaints", "complaint"),
    "faq": ("常见问题", "faq", "faqs", "常见问题解答"),
}
_REQUIRED = {"complaints": ("date", "customer_id", "content", "status"), "faq": ("question", "answer")}
_COLUMNS = {"complaints": COMPLAINT_COLUMNS, "faq": FAQ_COLUMNS}
_STATUS_CODES = {normalize(k): v for k, v in COMPLAINT_STATUSES.items()} | {v: v for v in COMPLAINT_STATUSES.values()}
_STATUS_CODES |= {"open": "open", "未解决": "open", "已处理": "resolved", "解决": "resolved", "关闭": "closed"}


def crm_sheet_key(title: object) -> str | None:
    t = normalize(title)
    for key, names in _ALIASES.items():
        if t in names:
            return key
    return None


@dataclass
class CrmData:
    complaints: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["store", *COMPLAINT_COLUMNS, "_origin", "_row"])
    )
    faq: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["store", *FAQ_COLUMNS, "_origin", "_row"]))
    read: ReadResult = field(default_factory=ReadResult)


def _cell(row: list, j: int | None):
    return row[j] if j is not None and j < len(row) else None


def _parse(book: Book, kind: str, title: str, grid: list[list], store: str) -> list[dict]:
    columns = _COLUMNS[kind]
    h = find_header(grid, columns)
    if h.row is None:  # an empty sheet: no rows
        book.count(title, 0, 0)
        return []
    body = [(i, r) for i, r in enumerate(grid[h.row + 1 :], start=h.row + 2) if not all(is_blank(c) for c in r)]
    missing = [k for k in _REQUIRED[kind] if k not in h.cols]
    if missing:
        for k in missing:
            book.reject(
                title,
                h.row + 1,
                columns[k],
                None,
                f"缺少必需的列「{columns[k]}」({k}),请在表头行添加;本表的数据未使用 "
                f"(required column {columns[k]} / {k} is missing: add it to the header row; "
                f"no row of this sheet is used)",
            )
        book.count(title, len(body), 0)
        return []
    out = []
    seen_ids: dict[str, int] = {}
    for row_no, row in body:
        rec: dict[str, Any] = {"store": store, "_origin": book.origin, "_row": row_no}
        bad = False

        def reject(key, value, zh, en=None):
            nonlocal bad
            book.reject(
                title,
                row_no,  # noqa: B023 - called within this iteration only
                h.names.get(key, columns[key]),
                value,
                zh if en is None else f"{zh} ({en})",
            )
            bad = True

        for key in columns:
            value = _cell(row, h.cols.get(key))
            if key in ("date", "resolved_date", "callback_date"):
                try:
                    rec[key] = as_day(value, key)
                except Problem as e:
                    reject(key, value, e.message)
                    continue
            elif key == "status":
                code = _STATUS_CODES.get(normalize(value)) if not is_blank(value) else None
                if code is None:
                    reject(
                        key,
                        value,
                        f"处理状态应为 {'、'.join(COMPLAINT_STATUSES)} 之一",
                        "status must be one of 待处理, 处理中, 已解决, 已关闭",
                    )
                rec[key] = code
            else:
                rec[key] = as_text(value) if not is_blank(value) else None
            if key in _REQUIRED[kind] and rec.get(key) is None and not bad:
                reject(key, value, f"「{columns[key]}」为空,请补填", f"{key} is empty")
        if kind == "complaints" and not bad:
            if rec["resolved_date"] and rec["date"] and rec["resolved_date"] < rec["date"]:
                reject(
                    "resolved_date",
                    rec["resolved_date"].isoformat(),
                    "解决日期早于投诉日期",
                    "the resolved date is before the complaint date",
                )
            cid = rec.get("complaint_id") or f"{store}-{row_no}"
            if not bad and normalize(cid) in seen_ids:
                reject(
                    "complaint_id",
                    cid,
                    f"投诉编号与第{seen_ids[normalize(cid)]}行重复",
                    f"complaint id repeats row {seen_ids[normalize(cid)]}",
                )
            if not bad:
                rec["complaint_id"] = cid
                seen_ids[normalize(cid)] = row_no
                if rec["status"] in ("resolved", "closed") and rec["resolved_date"] is None:
                    book.reject(
                        title,
                        row_no,
                        h.names.get("resolved_date", columns["resolved_date"]),
                        None,
                        "已解决的投诉没有解决日期,请补填 (a resolved complaint without a resolved date)",
                        fatal=False,
                    )
        if not bad:
            out.append(rec)
    book.count(title, len(body), len(out))
    return out


def parse_crm_sheets(sheets: dict[str, list[list]], origin: str, playbook: str | None = None) -> CrmData:
    """The 投诉 and 常见问题 sheets of one workbook (title → rows of cells); absent = none."""
    book = Book(origin)
    found_main: dict = {}
    found: dict[str, tuple[str, list[list]]] = {}
    for title, grid in sheets.items():
        if sheet_key(title) == "settings" and "settings" not in found_main:
            found_main["settings"] = (str(title), list(grid or []))
        key = crm_sheet_key(title)
        if key and key not in found:
            found[key] = (str(title), list(grid or []))
    if not found:
        return CrmData(read=book.result)
    quiet = Book(origin)  # the 设置 sheet's warnings are the main reader's to report
    _, store, _, _ = store_settings(quiet, found_main, origin, playbook)
    data = CrmData(read=book.result)
    if "complaints" in found:
        rows = _parse(book, "complaints", *found["complaints"], store)
        if rows:
            data.complaints = pd.DataFrame(rows, columns=data.complaints.columns)
    if "faq" in found:
        rows = _parse(book, "faq", *found["faq"], store)
        if rows:
            data.faq = pd.DataFrame(rows, columns=data.faq.columns)
    return data


def crm_of(read: ReadResult) -> CrmData:
    """The complaints and FAQ the sources read (`ReadResult.crm`, one `CrmData` per workbook or
    spreadsheet that has the sheets), as one CrmData: they come through the `Source` port like
    the customers and calls, so every source kind can carry them."""
    return combine(list(read.crm))


def combine(parts: list[CrmData]) -> CrmData:
    """One CrmData from several workbooks' (in their order)."""
    out = CrmData()
    for part in parts:
        out.read.extend(part.read)
    frames = [p.complaints for p in parts if len(p.complaints)]
    if frames:
        out.complaints = pd.concat(frames, ignore_index=True)
    frames = [p.faq for p in parts if len(p.faq)]
    if frames:
        out.faq = pd.concat(frames, ignore_index=True)
    return out


def complaint_age(complaints: pd.DataFrame, day: dt.date) -> pd.Series:
    """Days each complaint has been open on `day` (0 when resolved/closed)."""
    if complaints.empty:
        return pd.Series(dtype="Int64")
    start = pd.to_datetime(complaints["date"], errors="coerce")
    age = (pd.Timestamp(day) - start).dt.days
    return age.where(complaints["status"].isin(["open", "in_progress"]), 0).astype("Int64")


OPEN_COMPLAINT_KEYS = [
    "store",
    "complaint_id",
    "date",
    "customer_id",
    "category",
    "content",
    "department",
    "resolver",
    "status",
    "days_open",
]
OPEN_COMPLAINT_HEADERS = [
    "门店",
    "投诉编号",
    "投诉日期",
    "客户编号",
    "投诉类别",
    "投诉内容",
    "责任部门",
    "处理人",
    "处理状态",
    "已开天数",
]


def open_complaints(complaints: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Complaints made on or before `day` and not resolved/closed, oldest first, with their age."""
    if complaints is None or complaints.empty:
        return pd.DataFrame(columns=OPEN_COMPLAINT_KEYS)
    c = complaints[complaints["status"].isin(["open", "in_progress"])]
    c = c[pd.to_datetime(c["date"], errors="coerce") <= pd.Timestamp(day)]
    if c.empty:
        return pd.DataFrame(columns=OPEN_COMPLAINT_KEYS)
    out = c.assign(
        days_open=complaint_age(c, day).to_numpy(),
        status=c["status"].map({v: k for k, v in COMPLAINT_STATUSES.items()}),
    )
    out["content"] = out["content"].map(lambda t: t if t is None else mask_phones_in_text(t))
    return out.sort_values(["days_open", "store", "complaint_id"], ascending=[False, True, True])[
        OPEN_COMPLAINT_KEYS
    ].reset_index(drop=True)


def attach_complaints(result, config: Config) -> None:
    """Called by the pipeline after the computation: the 投诉 sheets' rows are validated and counted with the
    run's, and the complaints open at the week's end go into the weekly record with their age
    (SPEC §3.5: an unresolved problem must not silently roll on)."""
    if not result.read.crm:
        return
    crm = combine(result.read.crm)  # parsed by the Excel source with the rest of each workbook
    for k in crm.read.rows_read:
        if k[1] in _ALIASES["faq"] or crm_sheet_key(k[1]) == "faq":
            continue  # the FAQ is reference data, not a record of the week
        result.read.rows_read[k] = result.read.rows_read.get(k, 0) + crm.read.rows_read[k]
        result.read.rows_used[k] = result.read.rows_used.get(k, 0) + crm.read.rows_used.get(k, 0)
        result.read.rows_rejected[k] = result.read.rows_rejected.get(k, 0) + crm.read.rows_rejected.get(k, 0)
    result.extra_rejections += [r for r in crm.read.rejections if crm_sheet_key(r.sheet) != "faq"]
    if any(crm_sheet_key(k[1]) == "complaints" for k in crm.read.rows_read) or len(crm.complaints):
        result.open_complaints = open_complaints(crm.complaints, result.monday + dt.timedelta(days=6))
