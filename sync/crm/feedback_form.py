"""The complaint feedback form (反馈单), seed 001: 「反馈单一式两份,并由解决问题的当事人签字确认,
最后的监督权由解决问题当事人的部门负责,并有服务总监或总经理鉴字」.

One printable A4 page (portrait, fitted to one page) holding two identical copies of the form
(第一联 客服存档 / 第二联 责任部门留存) with a cut line between them: the complaint, the
resolution, and signature lines for the resolver, the head of the responsible department and
the service director or general manager. Phones are masked.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from followup.udfs.crm import COMPLAINT_STATUSES
from followup.udfs.privacy import mask_phone, mask_phones_in_text

__all__ = ["feedback_form_bytes", "write_feedback_form", "form_filename"]

_STATUS_ZH = {v: k for k, v in COMPLAINT_STATUSES.items()}
_COPIES = ("第一联 客服中心存档", "第二联 责任部门留存")
ROWS_PER_COPY = 13


def form_filename(complaint_id: str) -> str:
    """投诉反馈单_<投诉编号>.xlsx, made by `filenames.data_name` (safe, bounded, phones masked; an
    id that had to be changed gets a digest suffix, so `TS/1` and `TS:1` never share a form)."""
    from followup.sync.filenames import data_name

    return data_name(complaint_id, "投诉反馈单_", ".xlsx", empty="complaint")


def _day(v) -> str:
    if v is None or v != v:
        return ""
    if isinstance(v, (dt.date, dt.datetime)):
        return f"{v:%Y-%m-%d}"
    return str(v)


def _text(v) -> str:
    return "" if v is None or v != v else mask_phones_in_text(str(v))


def feedback_form_bytes(complaint: dict, customer: dict | None, created: dt.datetime) -> bytes:
    """The form's workbook bytes; `complaint`: a row of the complaint frame, `customer`: its 客户 row."""
    import io

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    wb.set_properties({"title": "投诉处理反馈单", "author": "followup", "created": created})
    ws = wb.add_worksheet("反馈单")
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 1)  # everything on one page
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.5, bottom=0.5)
    ws.hide_gridlines(0)
    # labels of up to 7 characters fit a line (17 wide); longer ones break at a word boundary ("\n")
    ws.set_column(0, 0, 17)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 2, 14)
    ws.set_column(3, 3, 23)
    title = wb.add_format({"bold": True, "font_size": 15, "align": "center", "valign": "vcenter"})
    sub = wb.add_format({"font_size": 9, "align": "right", "font_color": "#595959"})
    label = wb.add_format({"bold": True, "border": 1, "bg_color": "#F2F2F2", "valign": "vcenter", "text_wrap": True})
    value = wb.add_format({"border": 1, "valign": "top", "text_wrap": True})
    sign = wb.add_format({"border": 1, "valign": "bottom", "font_color": "#595959", "text_wrap": True})
    cut = wb.add_format({"align": "center", "font_color": "#808080", "font_size": 9})

    c, cust = complaint, customer or {}
    who = "  ".join(
        p for p in (_text(cust.get("name")), mask_phone(cust.get("phone")) if cust.get("phone") else "") if p
    )
    for k, copy in enumerate(_COPIES):
        r = k * (ROWS_PER_COPY + 2)
        ws.merge_range(r, 0, r, 3, "客户投诉处理反馈单", title)
        ws.set_row(r, 24)
        ws.merge_range(r + 1, 0, r + 1, 3, f"{copy}  ·  一式两份", sub)
        rows = [
            ("投诉编号", _text(c.get("complaint_id")), "门店", _text(c.get("store"))),
            ("客户编号", _text(c.get("customer_id")), "客户", who),
            ("投诉日期", _day(c.get("date")), "投诉类别", _text(c.get("category"))),
        ]
        for i, (a, b, d, e) in enumerate(rows, start=r + 2):
            ws.write_string(i, 0, a, label)
            ws.write_string(i, 1, b, value)
            ws.write_string(i, 2, d, label)
            ws.write_string(i, 3, e, value)
        i = r + 5
        ws.write_string(i, 0, "投诉内容", label)
        ws.merge_range(i, 1, i, 3, _text(c.get("content")), value)
        ws.set_row(i, 48)
        ws.write_string(i + 1, 0, "责任部门", label)
        ws.write_string(i + 1, 1, _text(c.get("department")), value)
        ws.write_string(i + 1, 2, "处理人", label)
        ws.write_string(i + 1, 3, _text(c.get("resolver")), value)
        ws.write_string(i + 2, 0, "处理结果", label)
        ws.merge_range(i + 2, 1, i + 2, 3, _text(c.get("resolution")), value)
        ws.set_row(i + 2, 48)
        ws.write_string(i + 3, 0, "处理状态", label)
        ws.write_string(i + 3, 1, _STATUS_ZH.get(c.get("status") or "", _text(c.get("status"))), value)
        ws.write_string(i + 3, 2, "解决日期", label)
        ws.write_string(i + 3, 3, _day(c.get("resolved_date")), value)
        ws.write_string(i + 4, 0, "回访日期", label)
        ws.write_string(i + 4, 1, _day(c.get("callback_date")), value)
        ws.write_string(i + 4, 2, "客户意见", label)
        ws.write_string(i + 4, 3, "□ 满意  □ 基本满意  □ 不满意", value)
        for j, (who_signs, note) in enumerate(
            (
                ("处理人签字确认", "签字:                日期:"),
                ("责任部门负责人\n(监督)", "签字:                日期:"),
                ("服务总监或\n总经理鉴字", "签字:                日期:"),
            ),
            start=i + 5,
        ):
            ws.write_string(j, 0, who_signs, label)
            ws.merge_range(j, 1, j, 3, note, sign)
            ws.set_row(j, 30)
        if k == 0:
            ws.merge_range(
                r + ROWS_PER_COPY + 1,
                0,
                r + ROWS_PER_COPY + 1,
                3,
                "✂ - - - - - - - - - - - - - - - - 沿此线裁开 - - - - - - - - - - - - - - - - ✂",
                cut,
            )
    ws.print_area(0, 0, 2 * ROWS_PER_COPY + 1, 3)
    wb.close()
    return buf.getvalue()


def write_feedback_form(complaint: dict, customer: dict | None, out_dir: Path) -> Path:
    from followup.sync.reports.xlsx_out import atomic_write_bytes, fixed_created

    day = complaint.get("date")
    created = fixed_created(day if isinstance(day, dt.date) else dt.date(2026, 1, 1))
    path = Path(out_dir) / form_filename(complaint.get("complaint_id") or "complaint")
    return atomic_write_bytes(path, feedback_form_bytes(complaint, customer, created))
