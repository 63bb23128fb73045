"""The Excel cell functions, called as plain Python functions (as xlwings would call them)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
import types

import numpy as np
import pandas as pd
import pytest

from followup.udfs import BadArgument, FollowupError, next_followup
from followup.udfs import excel as X
from followup.udfs.schema import COMPUTED_COLUMNS


def test_the_module_imports_and_its_wrappers_work_without_xlwings():
    code = (
        "import sys; sys.modules['xlwings'] = None\n"
        "from followup.udfs import excel\n"
        "assert excel.xw.__class__.__name__ == 'SimpleNamespace'\n"
        "print(excel.WEEK_LABEL('2026-11-18'), excel.MASK_PHONE(13812345678))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["11月第3周", "138****5678"]


def test_next_followup_matches_the_engine_with_empty_cells_as_none():
    got = X.NEXT_FOLLOWUP("A", "2026-11-01", None, None, None, None, None, "2026-11-02")
    assert got == next_followup("A", "2026-11-01", today="2026-11-02") == dt.date(2026, 11, 4)


def test_next_followup_returns_an_empty_cell_when_nothing_is_due():
    assert X.NEXT_FOLLOWUP("B", "2026-11-01", 1, "2026-11-08", None, None, None, "2026-11-20") == ""
    assert X.NEXT_FOLLOWUP(None, None) == ""


def test_today_defaults_to_the_current_date_in_shanghai(monkeypatch):
    monkeypatch.setattr(X, "today_in_shanghai", lambda: dt.date(2026, 11, 20))
    # a complaint is due "today": the date comes from the adapter's clock
    assert X.NEXT_FOLLOWUP("A", "2026-11-01", None, None, None, "投诉") == dt.date(2026, 11, 20)


def test_today_in_shanghai_is_a_date_near_the_utc_date():
    utc = dt.datetime.now(dt.timezone.utc).date()
    assert abs((X.today_in_shanghai() - utc).days) <= 1


def test_followup_step_returns_one_row_of_purpose_channel_and_owner():
    row = X.FOLLOWUP_STEP("A", "2026-11-01", None, None, None, None, None, "2026-11-02")
    assert len(row) == 1 and len(row[0]) == 3
    assert row[0][1] == "电话" and row[0][0]


def test_followup_route_moves_c_to_a_after_a_purchase():
    assert X.FOLLOWUP_ROUTE("C", "到店已购", None) == "A"


def test_bad_arguments_raise_followup_errors_that_name_the_argument():
    with pytest.raises(BadArgument) as err:
        X.WEEK_LABEL("someday")
    assert err.value.argument == "date"
    with pytest.raises(FollowupError):
        X.REPORT_NAME("yearly", "2026-11-18")


@pytest.mark.parametrize("fn", [X.WEEK_LABEL, X.CALL_WINDOW])
def test_date_functions_on_an_empty_cell_return_an_empty_cell(fn):
    assert fn(None) == ""


def test_report_name_and_deadline_for_excel():
    assert X.REPORT_NAME("礼品", 46344.0) == "11月第3周礼品回访记录单.xlsx"
    deadline = X.REPORT_DEADLINE("weekly", "2026-11-18")
    assert deadline == dt.datetime(2026, 11, 23, 12, 0) and deadline.tzinfo is None
    assert X.REPORT_DEADLINE("monthly", None) == ""


def test_call_window_is_success_week_label_and_mask_phone():
    assert X.CALL_WINDOW("2026-11-23", None) == "14:00-16:30"
    assert X.CALL_WINDOW("2026-11-18", "夜班") == "14:00-16:30"
    assert X.IS_SUCCESS("成功", None) is True and X.IS_SUCCESS("成功", "否") is False
    assert X.WEEK_LABEL(dt.datetime(2026, 12, 1, 9, 0)) == "12月第1周"
    assert X.MASK_PHONE(13812345678.0) == "138****5678" and X.MASK_PHONE(None) == ""


def test_quota_check_returns_a_two_dimensional_array_with_a_header_row():
    dates = [dt.datetime(2026, 11, 16, 10)] * 3 + [dt.datetime(2026, 11, 17, 10)]
    rows = X.QUOTA_CHECK(dates, ["成功", "成功", "关机", "success"], 1.0, None)
    assert rows[0][0] == "日期" and len(rows) == 10
    assert rows[1][0] == dt.date(2026, 11, 16) and rows[1][3] == 2 and rows[2][3] == 1
    assert all(isinstance(r, list) and len(r) == 6 for r in rows)


def test_range_to_frame_uses_the_first_row_as_headers_and_drops_empty_rows_and_columns():
    values = [
        [" 客户编号", "姓名", None, ""],
        ["K1", "张三", None, None],
        [None, None, None, ""],
        ["K2", None, None, None],
    ]
    df = X.range_to_frame(values)
    assert list(df.columns) == ["客户编号", "姓名"]
    assert df["客户编号"].tolist() == ["K1", "K2"] and pd.isna(df["姓名"].iloc[1])


def test_range_to_frame_names_unlabelled_columns_and_handles_empty_ranges():
    assert list(X.range_to_frame([["a", None], [1, 2]]).columns) == ["a", "列2"]
    assert X.range_to_frame(None).empty and X.range_to_frame([[None, None]]).empty
    assert list(X.range_to_frame(["a", "b"]).columns) == ["a", "b"]


def test_frame_to_range_turns_dates_and_missing_values_into_cells():
    df = pd.DataFrame(
        {
            "d": pd.to_datetime(["2026-11-18", None]),
            "t": pd.to_datetime(["2026-11-18 09:30", None]),
            "n": [3.5, np.nan],
            "s": ["x", None],
            "i": np.array([7, 8], dtype=np.int64),
        }
    )
    rows = X.frame_to_range(df, {"d": "日期"})
    assert rows[0] == ["日期", "t", "n", "s", "i"]
    assert rows[1] == [dt.date(2026, 11, 18), dt.datetime(2026, 11, 18, 9, 30), 3.5, "x", 7]
    assert rows[2] == ["", "", "", "", 8]
    assert type(rows[1][4]) is int and type(rows[1][2]) is float


def test_followup_table_converts_ranges_to_frames_and_the_result_to_chinese_headers(monkeypatch):
    seen = {}

    def fake_table(customers, calls, playbook, today, errors="raise"):
        seen.update(customers=customers, calls=calls, playbook=playbook, today=today, errors=errors)
        out = pd.DataFrame({"customer_id": ["K1", "K2"]})
        for key in COMPUTED_COLUMNS:
            out[key] = ["x", None]
        out["anchor_date"] = pd.to_datetime(["2026-11-10", None])
        out["next_date"] = pd.to_datetime([None, "2026-11-25"])
        out["extra"] = 1
        return out

    monkeypatch.setitem(sys.modules, "followup.udfs.table", types.SimpleNamespace(followup_table=fake_table))
    customers = [["客户编号", "类别"], ["K1", "D"], ["K2", None], [None, None]]
    rows = X.FOLLOWUP_TABLE(customers, None, None, "2026-11-25")
    assert rows[0] == ["客户编号", *COMPUTED_COLUMNS.values()]
    anchor, nxt = 1 + list(COMPUTED_COLUMNS).index("anchor_date"), 1 + list(COMPUTED_COLUMNS).index("next_date")
    assert rows[1][0] == "K1" and rows[1][anchor] == dt.date(2026, 11, 10) and rows[1][nxt] == ""
    assert rows[2][anchor] == "" and rows[2][nxt] == dt.date(2026, 11, 25) and rows[2][1] == ""
    assert len(seen["customers"]) == 2 and seen["playbook"] == "optometry" and seen["today"] == "2026-11-25"
    assert "call_time" in seen["calls"].columns and seen["calls"].empty
    assert seen["errors"] == "row"  # the cell function keeps every good row live


def test_followup_table_on_the_golden_workbook_gives_the_golden_cells(golden_dir):
    def read(name):
        with open(golden_dir / "table" / name, encoding="utf-8", newline="") as f:
            return [[v if v != "" else None for v in row] for row in csv.reader(f)]

    customers = read("customers.csv")
    rows = X.FOLLOWUP_TABLE(customers, read("calls.csv"), "optometry", "2026-11-25")
    assert rows[0] == ["客户编号", *COMPUTED_COLUMNS.values()]
    assert [r[0] for r in rows[1:]] == [r[0] for r in customers[1:]]
    allowed = (str, int, float, bool, dt.date)
    assert all(isinstance(v, allowed) for r in rows for v in r)
    expected = read("expected.csv")
    head, got = rows[0], {r[0]: r for r in rows[1:]}
    for row in expected[1:]:
        want = dict(zip(expected[0], row))
        cell = dict(zip(head, got[want["客户编号"]]))
        for col in ("当前类别", "锚点日期", "下次回访"):
            text = cell[col].isoformat() if isinstance(cell[col], dt.date) else cell[col]
            assert text == (want[col] or ""), (want["客户编号"], col, cell[col], want[col])
