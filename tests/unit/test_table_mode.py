"""Automatic mode beyond the golden table: other playbooks, routing, caps, SMS, bad input."""

import datetime as dt

import pandas as pd
import pytest

from followup.udfs import BadArgument, followup_table

T = dt.date(2026, 11, 25)


def _day(v):
    return None if pd.isna(v) else pd.Timestamp(v).date()


def _calls(*rows):
    return pd.DataFrame(rows, columns=["客户编号", "时间", "方式", "结果"])


def test_health_products_steps_count_from_the_previous_contact():
    customers = pd.DataFrame({"客户编号": ["H1"], "收货日期": ["2026-11-02"]})
    calls = _calls(("H1", "2026-11-04 10:00", "电话", "成功"), ("H1", "2026-11-10 10:00", "电话", "成功"))
    row = followup_table(customers, calls, "health_products", T).iloc[0]
    assert (row.current_class, _day(row.next_date), row.owner_role) == ("NEW", dt.date(2026, 11, 11), "专家")


def test_health_products_warns_when_the_monthly_call_cap_is_reached():
    customers = pd.DataFrame({"客户编号": ["H1", "H2"], "收货日期": ["2026-10-20", "2026-10-20"]})
    calls = _calls(
        *[("H1", f"2026-11-{d:02d} 10:00", "电话", "未完成") for d in (3, 9, 12, 20)],
        ("H2", "2026-11-03 10:00", "电话", "成功"),
    )
    out = followup_table(customers, calls, "health_products", T)
    assert list(out["calls_this_month"]) == [4, 1]
    assert "上限" in out.loc[0, "note"] and out.loc[1, "note"] == ""


def test_aesthetics_table_derives_surgery_and_cancels_reminders_after_a_visit():
    customers = pd.DataFrame(
        {
            "客户编号": ["S1", "P1", "P2"],
            "类别": ["", "PRE", "611"],
            "咨询日期": ["2026-10-01", "2026-11-01", "2026-10-01"],
            "手术日期": ["2026-11-20", None, None],
            "到店日期": [None, None, "2026-11-10"],
        }
    )
    out = followup_table(customers, None, "aesthetics", T).set_index("customer_id")
    assert out.loc["S1", "current_class"] == "SURGERY" and _day(out.loc["S1", "next_date"]) == dt.date(2026, 11, 21)
    assert _day(out.loc["P1", "next_date"]) == dt.date(2026, 11, 1) and out.loc["P1", "channel"] == "短信"
    assert out.loc["P2", "status_code"] == "cancelled" and _day(out.loc["P2", "next_date"]) is None


def test_an_sms_record_closes_an_sms_step_but_not_a_call_step():
    customers = pd.DataFrame({"客户编号": ["P1"], "类别": ["PRE"], "咨询日期": ["2026-11-02"]})
    sms = _calls(("P1", "2026-11-02 18:00", "短信", "已发送"))
    assert _day(followup_table(customers, sms, "aesthetics", T).loc[0, "next_date"]) == dt.date(2026, 11, 5)
    sms_again = _calls(("P1", "2026-11-02 18:00", "短信", "已发送"), ("P1", "2026-11-05 18:00", "短信", "已发送"))
    row = followup_table(customers, sms_again, "aesthetics", T).iloc[0]
    # the +3d call is still open, and still due on its day: an SMS that closes no step is no
    # contact and moves no call (SPEC §3.7)
    assert _day(row.next_date) == dt.date(2026, 11, 5) and row.steps_closed == 1


def test_pre_moves_to_the_611_plan_when_its_follow_ups_are_done():
    customers = pd.DataFrame({"客户编号": ["P1"], "类别": ["PRE"], "咨询日期": ["2026-10-01"]})
    calls = _calls(
        ("P1", "2026-10-01 18:00", "短信", "已发送"),
        ("P1", "2026-10-04 10:00", "电话", "成功"),
        ("P1", "2026-10-31 10:00", "电话", "成功"),
    )
    row = followup_table(customers, calls, "aesthetics", T).iloc[0]
    assert row.current_class == "611" and _day(row.anchor_date) == dt.date(2026, 10, 31)
    assert _day(row.next_date) == dt.date(2026, 11, 1)


def test_big_stores_route_purchased_customers_to_the_service_department():
    n = 301
    big = pd.DataFrame({"客户编号": [f"B{i}" for i in range(n)], "门店": "大店", "购买日期": "2026-11-20"})
    small = pd.DataFrame({"客户编号": ["S1"], "门店": "小店", "购买日期": "2026-11-20"})
    out = followup_table(pd.concat([big, small]), None, "optometry", T).set_index("customer_id")
    assert out.loc["B0", "owner_role"] == "客服部" and out.loc["S1", "owner_role"] == "医学顾问"
    busy = followup_table(small, None, "optometry", T, daily_reception={"小店": 25}).iloc[0]
    assert busy.owner_role == "客服部"


def test_an_invalid_number_closes_the_step_and_asks_for_a_correction():
    customers = pd.DataFrame({"客户编号": ["A1"], "购买日期": ["2026-11-03"]})
    row = followup_table(customers, _calls(("A1", "2026-11-06 10:00", "电话", "空号")), "optometry", T).iloc[0]
    assert row.steps_closed == 1 and bool(row.number_invalid) and "空号" in row.note


def test_calls_after_today_are_ignored():
    customers = pd.DataFrame({"客户编号": ["A1"], "购买日期": ["2026-11-20"]})
    row = followup_table(customers, _calls(("A1", "2026-11-26 10:00", "电话", "成功")), "optometry", T).iloc[0]
    assert row.steps_closed == 0 and _day(row.next_date) == dt.date(2026, 11, 23) and row.status == "逾期"


def test_english_headers_and_codes_work_like_chinese_ones():
    zh = followup_table(
        pd.DataFrame({"客户编号": ["A1"], "类别": ["已购买"], "购买日期": ["2026-11-03"]}),
        _calls(("A1", "2026-11-06", "电话", "成功")),
        "optometry",
        T,
    )
    en = followup_table(
        pd.DataFrame({"customer_id": ["A1"], "class": ["A"], "purchase_date": ["2026-11-03"]}),
        pd.DataFrame({"customer_id": ["A1"], "call_time": ["2026-11-06"], "channel": ["call"], "outcome": ["success"]}),
        "optometry",
        T,
    )
    assert zh["next_date"].equals(en["next_date"]) and zh.loc[0, "purpose"] == en.loc[0, "purpose"]


def test_a_bad_cell_names_its_row_column_and_value():
    customers = pd.DataFrame({"客户编号": ["A1", "A2"], "购买日期": ["2026-11-03", "2026-02-30"]})
    with pytest.raises(BadArgument, match="第3行.*购买日期.*2026-02-30"):
        followup_table(customers, None, "optometry", T)
    with pytest.raises(BadArgument, match="第2行 类别.*X"):
        followup_table(pd.DataFrame({"客户编号": ["A1"], "类别": ["X"]}), None, "optometry", T)


def test_a_customer_without_any_anchor_date_is_reported_not_scheduled():
    row = followup_table(pd.DataFrame({"客户编号": ["A1"], "类别": ["A"]}), None, "optometry", T).iloc[0]
    assert row.status == "缺锚点日期" and "购买日期" in row.purpose and _day(row.next_date) is None


def test_an_empty_table_gives_an_empty_result():
    out = followup_table(pd.DataFrame({"客户编号": []}), None, "optometry", T)
    assert len(out) == 0 and "next_date" in out


def test_a_playbook_without_classes_schedules_nobody_and_says_so():
    out = followup_table(pd.DataFrame({"客户编号": ["R1", "R2"], "购买日期": ["2026-11-03", None]}), None, "retail", T)
    assert list(out["status_code"]) == ["not_scheduled"] * 2 and out["next_date"].isna().all()


def test_calls_logged_at_the_same_moment_count_in_the_order_they_were_logged():
    customers = pd.DataFrame({"客户编号": ["A1", "A2"], "购买日期": ["2026-11-03", "2026-11-03"]})
    calls = _calls(
        ("A2", "2026-11-06 10:00", "电话", "拒访"),
        ("A1", "2026-11-06 10:00", "电话", "成功"),
        ("A1", "2026-11-06 10:00", "电话", "拒访"),
        ("A2", "2026-11-06 10:00", "电话", "成功"),
    )
    out = followup_table(customers, calls, "optometry", T).set_index("customer_id")
    assert out.loc["A1", "steps_closed"] == 1 and bool(out.loc["A1", "dnc"])  # closed, then refused
    assert out.loc["A2", "steps_closed"] == 0 and bool(out.loc["A2", "dnc"])  # refused first: nothing closes


def test_the_call_order_matches_a_stable_sort_by_customer_then_time():
    import numpy as np

    from followup.udfs.table.api import _order

    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 300))
        cust, secs = rng.integers(0, 20, n), rng.integers(0, 5, n) * 60
        assert (_order(cust, secs) == np.lexsort((np.arange(n), secs, cust))).all()
