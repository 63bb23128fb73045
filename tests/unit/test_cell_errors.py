"""Cell functions at their runtime edges: one bad row never blanks a table, bad arguments are
error values (not text) under the desktop add-in, the message stays reachable."""

from __future__ import annotations

import datetime as dt
import runpy
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from followup.sync.demo import store_sheets
from followup.udfs import excel as X
from followup.udfs.errors import BadArgument
from followup.udfs.quotas import quota_check
from followup.udfs.schema import COMPUTED_COLUMNS
from followup.udfs.table import followup_table
from followup.udfs.table.rows import ERROR_STATUS, ERROR_STATUS_CODE

LITE = Path(__file__).resolve().parents[2] / "addin" / "lite" / "main.py"
BAD_TIME = "2026-13-01 10:00"
TODAY = "2026-11-25"


@pytest.fixture(scope="module")
def demo():
    """A demo store: its call log holds the bad call time 2026-13-01 10:00 (and a 138… phone)."""
    days = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(7)]
    sheets = store_sheets("一店", 1, "2", n_customers=80, call_days=days, calls_per_day=12, n_gifts=3, seed=3)
    cust, calls = sheets["客户"], sheets["回访记录"]
    assert any(r[0] == BAD_TIME for r in calls[1:])
    return cust, calls


def _frames(cust, calls):
    return pd.DataFrame(cust[1:], columns=cust[0]), pd.DataFrame(calls[1:], columns=calls[0])


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True).astype(object), b.reset_index(drop=True).astype(object), check_dtype=False
    )


def test_python_api_raises_by_default_and_keeps_every_good_row_with_errors_row(demo):
    customers, calls = _frames(*demo)
    with pytest.raises(BadArgument, match="2026-13-01"):
        followup_table(customers, calls, "optometry", TODAY)
    out = followup_table(customers, calls, "optometry", TODAY, errors="row")
    assert list(out["customer_id"]) == list(customers["客户编号"])
    bad = out[out["status_code"] == ERROR_STATUS_CODE]
    bad_id = calls.loc[calls["时间"].astype(str) == BAD_TIME, "客户编号"].iloc[0]
    assert list(bad["customer_id"]) == [bad_id]
    assert bad["status"].iloc[0] == ERROR_STATUS and "2026-13-01" in bad["note"].iloc[0]
    assert "回访记录" in bad["purpose"].iloc[0] and pd.isna(bad["next_date"].iloc[0])
    # every other customer: exactly what the engine gives without the bad customer and the bad call
    keep = customers["客户编号"] != bad_id
    want = followup_table(customers[keep], calls[calls["时间"].astype(str) != BAD_TIME], "optometry", TODAY)
    _same(out[out["status_code"] != ERROR_STATUS_CODE], want)
    assert out["next_date"].notna().sum() > len(out) // 2


def test_bad_customer_values_stay_in_their_own_rows_and_phones_are_masked(demo):
    customers, calls = _frames(*demo)
    calls = calls[calls["时间"].astype(str) != BAD_TIME]
    customers = customers.copy()
    customers.loc[4, "类别"] = "Z类 13812345678"
    customers.loc[9, "购买日期"] = "2026-02-30"
    out = followup_table(customers, calls, "optometry", TODAY, errors="row")
    errs = out[out["status_code"] == ERROR_STATUS_CODE]
    assert list(errs.index) == [4, 9]
    assert "138****5678" in errs.loc[4, "note"] and "13812345678" not in errs.loc[4, "note"]
    assert "第11行" in errs.loc[9, "note"] and "购买日期" in errs.loc[9, "note"]
    assert (out.drop(index=[4, 9])["status_code"] != ERROR_STATUS_CODE).all()
    with pytest.raises(BadArgument, match="errors"):
        followup_table(customers, calls, "optometry", TODAY, errors="ignore")


@pytest.mark.parametrize("table_fn", ["excel", "lite"])
def test_cell_function_spills_every_good_row(demo, table_fn):
    """FOLLOWUP_TABLE as the desktop add-in calls it and as addin/lite/main.py exposes it."""
    cust, calls = demo
    fn = X.FOLLOWUP_TABLE if table_fn == "excel" else runpy.run_path(str(LITE), run_name="main")["FOLLOWUP_TABLE"]
    rows = fn(cust, calls, "optometry", TODAY)
    assert rows[0][0] == "客户编号" and len(rows) == len(cust)
    status = 1 + list(COMPUTED_COLUMNS).index("status")
    nxt = 1 + list(COMPUTED_COLUMNS).index("next_date")
    errors = [r for r in rows[1:] if r[status] == ERROR_STATUS]
    assert len(errors) == 1 and any("2026-13-01" in str(v) for v in errors[0])
    live = [r for r in rows[1:] if r[status] != ERROR_STATUS]
    assert len(live) == len(cust) - 2 and sum(isinstance(r[nxt], dt.date) for r in live) > len(live) // 2


def test_quota_check_counts_the_good_calls_and_lists_the_bad_ones():
    dates = ["2026-11-16 10:00", "2026-11-16 11:00", BAD_TIME, "2026-11-17 10:00", "2026-11-18 09:00"]
    outcomes = ["成功", "成功", "成功", "成功", "打错了"]
    with pytest.raises(BadArgument):
        quota_check(dates, outcomes, "2")
    res = quota_check(dates, outcomes, "2", errors="row")
    assert [d.successes for d in res.days[:3]] == [2, 1, 0]
    assert [i for i, _ in res.rejected] == [3, 5]
    rows = X.QUOTA_CHECK(dates, outcomes, "2")
    assert rows[-2][0] == "数据错误 第3条" and "2026-13-01" in rows[-2][5]
    assert rows[-1][0] == "数据错误 第5条" and "outcomes[5]" in rows[-1][5]
    assert rows[1][3] == 2 and rows[8][0] == "本周合计" and rows[8][3] == 3


class _VARIANT:
    """pywin32's win32com.client.VARIANT(vartype, value): a value with an explicit COM type."""

    def __init__(self, varianttype, value):
        self.varianttype, self.value = varianttype, value


@pytest.fixture
def windows_com(monkeypatch):
    """What the desktop add-in's Python sees: Windows with pywin32 (VT_ERROR = 10)."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "pythoncom", types.SimpleNamespace(VT_ERROR=10))
    client = types.ModuleType("win32com.client")
    client.VARIANT = _VARIANT
    monkeypatch.setitem(sys.modules, "win32com", types.ModuleType("win32com"))
    monkeypatch.setitem(sys.modules, "win32com.client", client)


def test_desktop_add_in_gets_value_error_not_text(windows_com):
    """The VBA wrapper's contract (addin/followup_udfs.bas, generated by xlwings): a Python
    exception becomes `FN = Err.Description` (text); a returned value is passed through. So a
    bad argument must come back as a value: the VT_ERROR variant of #VALUE! (CVErr(xlErrValue))."""
    from followup.addin.make_vba import BAS_PATH

    bas = BAS_PATH.read_bytes().decode("utf-8")
    assert 'NEXT_FOLLOWUP = XLPy.CallUDF("followup.udfs.excel", "NEXT_FOLLOWUP"' in bas
    assert "NEXT_FOLLOWUP = Err.Description" in bas  # what raising would show: text
    for call in (
        lambda: X.NEXT_FOLLOWUP("Z", "2026-11-03"),
        lambda: X.WEEK_LABEL("2026-02-30"),
        lambda: X.FOLLOWUP_STEP("A", "2026-11-03", -1),
        lambda: X.REPORT_NAME("weird", "2026-11-18"),
    ):
        value = call()  # no exception: VBA takes the value as it is
        assert isinstance(value, _VARIANT) and value.varianttype == 10 and value.value == -2146826273
    assert X.NEXT_FOLLOWUP("A", "2026-11-03", 2, "2026-11-18", today="2026-11-25") == dt.date(2026, 12, 3)


def test_without_com_the_exception_is_the_error():
    """xlwings Lite (Office.js) shows a raised error as #VALUE! with its message; Python raises."""
    assert X.error_value() is None
    with pytest.raises(BadArgument):
        X.NEXT_FOLLOWUP("Z", "2026-11-03")


@pytest.mark.parametrize("com", [False, True])
def test_followup_error_gives_the_message(request, com):
    if com:
        request.getfixturevalue("windows_com")
    msg = X.FOLLOWUP_ERROR("NEXT_FOLLOWUP", "Z", "2026-11-03")
    assert "class" in msg and "'Z'" in msg
    assert X.FOLLOWUP_ERROR("NEXT_FOLLOWUP", "A", "2026-11-03", 2, "2026-11-18") == ""
    assert "2026-02-30" in X.FOLLOWUP_ERROR("week_label", "2026-02-30")
    assert "13812345678" not in X.FOLLOWUP_ERROR("FOLLOWUP_ROUTE", "13812345678", "成功")
    assert "NEXT_FOLLOWUP" in X.FOLLOWUP_ERROR("NO_SUCH", 1)


def test_report_deadline_keeps_its_time_and_asks_for_a_date_time_format():
    from followup.addin.make_vba import UDF_MODULE, _decorated, _xlwings_udfs

    assert X.REPORT_DEADLINE("weekly", "2026-11-18") == dt.datetime(2026, 11, 23, 12, 0)
    assert X.REPORT_DEADLINE("monthly", "2026-11-18") == dt.datetime(2026, 12, 2, 18, 0)
    pytest.importorskip("xlwings")
    module = _decorated(UDF_MODULE, _xlwings_udfs())
    assert module.REPORT_DEADLINE.__xlfunc__["ret"]["options"]["date_format"] == "yyyy-mm-dd hh:mm"
