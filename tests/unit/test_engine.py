"""Manual mode: next_followup / followup_step / followup_route beyond the golden rows."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from followup.udfs import BadArgument, followup_route, followup_step, next_followup, to_date
from followup.udfs.table.dates import add_months

D = dt.date


def test_month_steps_clip_to_the_month_end_and_never_drift():
    # A bought on Jan 31: +1M is Feb 28, and +2M is Mar 31 again (from the anchor, not stepped).
    assert next_followup("A", "2026-01-31", 2, "2026-02-15", today="2026-02-15") == D(2026, 2, 28)
    assert next_followup("A", "2026-01-31", 3, "2026-02-28", today="2026-02-28") == D(2026, 3, 31)
    assert next_followup("A", "2026-01-31", 4, "2026-03-31", today="2026-03-31") == D(2026, 4, 30)


def test_month_step_lands_on_leap_day_in_a_leap_year():
    assert next_followup("A", "2024-01-31", 2, "2024-02-15") == D(2024, 2, 29)


@pytest.mark.parametrize(
    "anchor",
    [
        D(2026, 11, 3),
        dt.datetime(2026, 11, 3, 15, 30),
        pd.Timestamp("2026-11-03"),
        "2026-11-03",
        "2026/11/3",
        "2026年11月3日",
        46329,
        46329.6,
        np.datetime64("2026-11-03"),
        " 2026-11-03 ",
    ],
)
def test_every_date_form_gives_the_same_answer(anchor):
    assert next_followup("A", anchor, 0, today="2026-11-03") == D(2026, 11, 6)


def test_empty_anchor_or_class_gives_no_date():
    assert next_followup("A", None) is None
    assert next_followup("", "2026-11-03") is None
    assert next_followup(None, "") is None


def test_bad_arguments_name_the_argument_and_the_value():
    with pytest.raises(BadArgument, match="anchor.*2026-13-45"):
        next_followup("A", "2026-13-45")
    with pytest.raises(BadArgument, match="class.*Z"):
        next_followup("Z", "2026-11-03")
    with pytest.raises(BadArgument, match="calls_done.*-1"):
        next_followup("A", "2026-11-03", -1)
    with pytest.raises(BadArgument, match="playbook.*nosuch"):
        next_followup("A", "2026-11-03", playbook="nosuch")


def test_chinese_class_titles_are_accepted_wherever_a_code_is():
    assert next_followup("已购买", "2026-11-03") == next_followup("A", "2026-11-03")
    assert next_followup("手术", "2026-11-02", playbook="aesthetics") == D(2026, 11, 3)


def test_a_retry_is_due_the_day_after_the_failed_dial_then_the_step_closes():
    assert next_followup("D", "2026-11-01", 0, "2026-11-08", 1) == D(2026, 11, 9)
    assert next_followup("D", "2026-11-01", 0, "2026-11-09", 2) == D(2026, 11, 16)


def test_steps_over_name_the_pending_transition():
    assert next_followup("B", "2026-11-10", 1, "2026-11-17") is None
    assert followup_step("B", "2026-11-10", 1, "2026-11-17").purpose == "转D类"
    assert followup_step("C", "2026-11-25", 2, "2026-11-26").purpose == "转D类"


def test_a_finished_programme_says_so():
    step = followup_step("SURGERY", "2026-11-02", 6, "2027-05-02", playbook="aesthetics")
    assert step.purpose == "回访已完成" and step.channel == ""


def test_followup_step_gives_purpose_channel_and_owner():
    step = followup_step("SURGERY", "2026-11-02", 2, "2026-11-17", playbook="aesthetics")
    assert step == ("术后1个月回访", "电话", "客服")
    assert followup_step("PRE", "2026-11-02", playbook="aesthetics").channel == "短信"


def test_do_not_call_keeps_sms_steps_where_the_playbook_allows_them():
    # aesthetics: after 拒访, SMS may continue (6 months); the +3d call is skipped.
    assert next_followup("611", "2026-11-02", 0, flags="拒访", playbook="aesthetics") == D(2026, 11, 15)
    assert next_followup("PRE", "2026-11-02", 1, "2026-11-02", flags="拒访", playbook="aesthetics") is None
    assert followup_step("A", "2026-11-03", flags="拒访").purpose.startswith("拒访")


def test_an_urgent_flag_is_due_today_unless_already_called_today():
    assert next_followup("D", "2026-11-01", 1, "2026-11-08", flags="不适", today="2026-11-10") == D(2026, 11, 10)
    assert next_followup("D", "2026-11-01", 1, "2026-11-10", flags="不适", today="2026-11-10") == D(2026, 11, 16)


def test_the_611_plan_interleaves_sms_on_the_1st_and_15th_with_calls_at_45_and_90_days():
    dates, last = [], None
    for k in range(8):
        last = next_followup("611", "2026-11-20", k, last, playbook="aesthetics")
        dates.append(last)
    assert dates == [
        D(2026, 12, 1),
        D(2026, 12, 15),
        D(2027, 1, 1),
        D(2027, 1, 4),
        D(2027, 1, 15),
        D(2027, 2, 1),
        D(2027, 2, 15),
        D(2027, 2, 18),
    ]
    assert next_followup("611", "2026-11-20", 8, last, playbook="aesthetics") is None


def test_a_monthly_repeat_skips_anniversaries_already_passed():
    # Called late (2027-03-10) for the 2026-12-03 anniversary: next is 2027-04-03, not a catch-up run.
    assert next_followup("A", "2026-11-03", 3, "2027-03-10") == D(2027, 4, 3)


def test_routes_follow_the_playbook():
    assert followup_route("C", "到店已购") == "A"
    assert followup_route("C", "到店未购") == "B"
    assert followup_route("C", "未到店") == "D"
    assert followup_route("B", "再次预约") == "C"
    assert followup_route("B", "无人接听") == "D"
    assert followup_route("A", "成功") == "A"
    assert followup_route("已预约", "到店已购") == "A"


@given(st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)), st.integers(-60, 60))
def test_vectorised_month_arithmetic_matches_relativedelta(day, months):
    got = add_months(np.array([day], dtype="datetime64[D]"), np.array([months]))[0]
    assert got.astype(object) == day + relativedelta(months=months)


def test_missing_pandas_values_are_empty_cells():
    from followup.udfs.dates import to_datetime

    assert to_datetime(pd.NaT) is None and to_date(pd.NaT) is None and to_date(float("nan")) is None
    assert to_datetime("2026/11/3 10:20") == dt.datetime(2026, 11, 3, 10, 20)
