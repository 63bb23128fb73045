"""A row named in a message is the sheet row (header = row 1), in FOLLOWUP_TABLE as in the sync."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.udfs import excel
from followup.udfs.errors import BadArgument
from followup.udfs.table import followup_table

HEAD = ["客户编号", "姓名", "类别", "购买日期"]
CALL_HEAD = ["时间", "客户编号", "方式", "结果"]


def _block(customers, calls):
    rows = excel.FOLLOWUP_TABLE(customers, calls, "optometry", dt.date(2026, 11, 25))
    return {r[0]: r for r in rows[1:] if r[0]}


@pytest.mark.parametrize("blank_rows", [0, 1, 3])
def test_followup_table_names_sheet_rows_across_blank_rows(blank_rows):
    """Sheet row r of the range holds customer r; a bad value there is named 第r行."""
    customers = [HEAD, ["C2", "甲", "A", "2026-11-03"]]
    customers += [[None] * 4] * blank_rows
    customers += [[f"C{3 + blank_rows}", "乙", "A", "2026-02-30"], ["CX", "丙", "Z类", "2026-11-03"]]
    calls = [
        CALL_HEAD,
        [dt.datetime(2026, 11, 6, 10), "C2", "电话", "成功"],
        [None] * 4,
        ["2026-13-01 10:00", "C2", "电话", "成功"],
    ]
    block = _block(customers, calls)
    bad_date_row, bad_class_row = 3 + blank_rows, 4 + blank_rows
    assert f"客户 第{bad_date_row}行 购买日期" in block[f"C{bad_date_row}"][4]
    assert f"客户 第{bad_class_row}行 类别" in block["CX"][4]
    assert "回访记录 第4行 时间" in block["C2"][4]  # the call log's row 4, after a blank row 3


def test_raise_mode_names_the_sheet_row():
    frame = excel.range_to_frame([HEAD, ["A1", "甲", "A", "2026-11-03"], ["A2", "乙", "A", "2026-02-30"]])
    with pytest.raises(BadArgument, match="第3行 购买日期"):
        followup_table(frame, None, "optometry", dt.date(2026, 11, 25))
