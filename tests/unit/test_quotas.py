"""Retail quotas (SPEC §3.2): successes, weekly ranges, evenness, sampling draws."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.udfs import BadArgument, get_playbook
from followup.udfs.quotas import is_success, quota_check, small_store_check, too_many_questions, weekly_quota_table
from followup.udfs.sampling import gift_sample, tier_draw

D = dt.date
WEEK = D(2026, 11, 16)  # an ordinary week: Mon 16 … Sun 22, five working days
Q = get_playbook("retail").quotas


def calls_for(per_day: dict[int, int], monday: D = WEEK, outcome: str = "成功"):
    """(dates, outcomes) with per_day[i] successes on day monday+i."""
    dates, outcomes = [], []
    for i, n in per_day.items():
        dates += [dt.datetime.combine(monday + dt.timedelta(days=i), dt.time(10, 30))] * n
        outcomes += [outcome] * n
    return dates, outcomes


# --- is_success ----------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["成功", "success", " 成功 ", "SUCCESS"])
def test_a_connected_and_fully_answered_call_is_a_success(outcome):
    assert is_success(outcome) is True


@pytest.mark.parametrize(
    "outcome", ["未完成", "无人接听", "关机", "停机", "空号", "拒访", "已发送", "no_answer", None, ""]
)
def test_other_outcomes_are_not_successes(outcome):
    assert is_success(outcome) is False


@pytest.mark.parametrize("completed", [False, 0, "否", "no", "未完成", 0.0])
def test_a_success_not_completed_does_not_count(completed):
    assert is_success("成功", completed) is False


@pytest.mark.parametrize("completed", [True, 1, "是", "yes", None, ""])
def test_a_success_completed_or_without_the_completed_cell_counts(completed):
    assert is_success("成功", completed) is True


def test_completed_does_not_turn_a_failed_dial_into_a_success():
    assert is_success("关机", True) is False


def test_an_unknown_outcome_raises_bad_argument_naming_outcome():
    with pytest.raises(BadArgument) as err:
        is_success("接通了")
    assert err.value.argument == "outcome" and "结果应为" in str(err.value)


def test_an_unreadable_completed_cell_raises_bad_argument():
    with pytest.raises(BadArgument) as err:
        is_success("成功", "maybe")
    assert err.value.argument == "completed"


# --- quota_check ---------------------------------------------------------------------------


def test_thirty_a_day_for_group_1_is_within_range_and_even():
    r = quota_check(*calls_for({i: 30 for i in range(5)}), "1")
    assert (r.total, r.weekly_target, r.daily_target, r.status, r.even) == (150, (150, 180), 30, "within", True)
    assert [d.successes for d in r.days] == [30] * 5 + [0, 0]
    assert [d.working for d in r.days] == [True] * 5 + [False] * 2
    assert r.week_start == WEEK and r.reasons == []


def test_a_working_day_without_successes_makes_a_full_week_uneven():
    r = quota_check(*calls_for({0: 40, 1: 40, 2: 40, 3: 40}), "1")
    assert r.status == "within" and r.even is False
    assert any("周五" in reason for reason in r.reasons)


def test_a_week_below_one_daily_target_is_not_uneven_for_its_idle_days():
    r = quota_check(*calls_for({0: 9, 1: 9, 2: 9}), "1")
    assert r.total == 27 and r.status == "below" and r.even is True


def test_one_day_holding_more_than_forty_percent_makes_the_week_uneven():
    r = quota_check(*calls_for({0: 70, 1: 20, 2: 20, 3: 20, 4: 20}), "1")
    assert r.even is False and any("周一" in x and "40%" in x for x in r.reasons)


def test_exactly_forty_percent_on_one_day_is_still_even():
    r = quota_check(*calls_for({0: 60, 1: 30, 2: 30, 3: 15, 4: 15}), "1")
    assert r.even is True


def test_the_evenness_share_can_be_overridden():
    q = Q.model_copy(update={"evenness_max_share": 0.5})
    assert quota_check(*calls_for({0: 70, 1: 20, 2: 20, 3: 20, 4: 20}), "1", quotas=q).even is True


def test_weekend_successes_count_toward_the_week_total_and_can_make_it_uneven():
    r = quota_check(*calls_for({0: 20, 1: 20, 2: 20, 3: 20, 4: 20, 5: 80}), "1")
    assert r.total == 180 and r.status == "within"
    assert r.even is False and any("周六" in x for x in r.reasons)


@pytest.mark.parametrize(
    "group, weekly, daily",
    [
        ("1", (150, 180), 30),
        (1, (150, 180), 30),
        (1.0, (150, 180), 30),
        ("一组", (150, 180), 30),
        ("第2组", (250, 300), 50),
        ("group 3", (250, 300), 50),
        ("4组", (250, 300), 50),
    ],
)
def test_store_groups_take_their_targets_from_the_retail_playbook(group, weekly, daily):
    r = quota_check(*calls_for({0: 1}), group)
    assert (r.weekly_target, r.daily_target) == (weekly, daily)


@pytest.mark.parametrize("group", ["5", "", None, "A组"])
def test_an_unknown_group_raises_bad_argument_naming_group(group):
    with pytest.raises(BadArgument) as err:
        quota_check(*calls_for({0: 1}), group)
    assert err.value.argument == "group"


def test_groups_2_to_4_above_300_are_above_range():
    r = quota_check(*calls_for({i: 65 for i in range(5)}), "2")
    assert r.total == 325 and r.status == "above"


def test_a_national_day_week_prorates_the_range_by_its_three_working_days():
    r = quota_check(*calls_for({0: 30, 1: 30, 2: 30}, monday=D(2026, 9, 28)), "1")
    assert [d.working for d in r.days] == [True, True, True, False, False, False, False]
    assert r.weekly_target == (90, 108) and r.status == "within" and r.even is True
    assert [d.target for d in r.days] == [30, 30, 30, 0, 0, 0, 0]


def test_the_new_year_week_counts_the_make_up_sunday_as_a_working_day():
    r = quota_check([], [], "1", week_start="2026-01-01")
    assert r.week_start == D(2025, 12, 29)
    assert [d.working for d in r.days] == [True, True, True, False, False, False, True]
    assert r.weekly_target == (120, 144)


def test_a_week_with_a_make_up_saturday_keeps_the_full_range():
    r = quota_check([], [], "2", week_start=D(2026, 2, 9))
    assert sum(d.working for d in r.days) == 6 and r.weekly_target == (250, 300)


def test_the_spring_festival_week_has_no_working_day_and_no_target():
    r = quota_check([], [], "1", week_start=D(2026, 2, 16))
    assert not any(d.working for d in r.days) and r.weekly_target == (0, 0) and r.even


def test_week_start_defaults_to_the_week_of_the_earliest_call_and_later_calls_are_outside():
    dates = ["2026-11-25 10:00", "2026-11-18 15:00", "2026-11-17 09:00"]
    r = quota_check(dates, ["成功"] * 3, "1")
    assert r.week_start == WEEK and r.total == 2 and r.outside == 1


def test_a_week_start_in_mid_week_snaps_to_its_monday():
    assert quota_check(["2026-11-18"], ["成功"], "1", week_start="2026年11月20日").week_start == WEEK


def test_quota_check_accepts_series_excel_serials_and_single_column_ranges():
    serial = float((D(2026, 11, 17) - D(1899, 12, 30)).days) + 0.5
    series = quota_check(pd.Series([serial, "2026/11/18"]), pd.Series(["成功", "success"]), "1")
    column = quota_check([[serial], ["2026/11/18"]], [["成功"], ["success"]], "1")
    assert [d.successes for d in series.days][:3] == [0, 1, 1] == [d.successes for d in column.days][:3]


def test_empty_rows_of_a_range_are_ignored():
    r = quota_check(["2026-11-18", None, ""], ["成功", None, None], "1")
    assert r.total == 1


def test_dates_and_outcomes_of_different_lengths_raise_bad_argument():
    with pytest.raises(BadArgument) as err:
        quota_check(["2026-11-18"], ["成功", "成功"], "1")
    assert err.value.argument == "outcomes"


def test_an_unknown_outcome_is_reported_with_its_position():
    with pytest.raises(BadArgument) as err:
        quota_check(["2026-11-18"] * 3, ["成功", "关机", "好"], "1")
    assert err.value.argument == "outcomes[3]"


def test_a_bad_date_is_reported_with_its_position():
    with pytest.raises(BadArgument) as err:
        quota_check(["2026-11-18", "tomorrow"], ["成功", "成功"], "1")
    assert err.value.argument == "dates[2]"


def test_no_dates_and_no_week_start_raise_bad_argument():
    with pytest.raises(BadArgument):
        quota_check([], [], "1")


def test_to_rows_is_a_rectangle_with_chinese_headers_days_and_two_summary_rows():
    r = quota_check(*calls_for({0: 40, 1: 40, 2: 40, 3: 40}), "1")
    rows = r.to_rows()
    assert rows[0] == ["日期", "星期", "工作日", "成功数", "日目标", "达标"]
    assert len(rows) == 10 and {len(row) for row in rows} == {6}
    assert rows[1][:4] == [WEEK, "周一", "是", 40] and rows[5][3] == 0 and rows[5][5] == "否"
    assert rows[6][2] == "否" and rows[6][4] == ""
    assert rows[8][:1] + rows[8][3:] == ["本周合计", 160, "150-180", "达标"]
    assert rows[9][5].startswith("不均衡")


@settings(max_examples=50)
@given(st.lists(st.tuples(st.integers(0, 13), st.sampled_from(["成功", "关机", "未完成", "拒访"])), max_size=60))
def test_the_week_total_is_the_number_of_successes_inside_the_week(calls):
    dates = [dt.datetime.combine(WEEK + dt.timedelta(days=d), dt.time(11)) for d, _ in calls]
    r = quota_check(dates, [o for _, o in calls], "2", week_start=WEEK)
    assert r.total == sum(1 for d, o in calls if d < 7 and o == "成功") == sum(x.successes for x in r.days)
    assert r.outside == sum(1 for d, _ in calls if d >= 7)


# --- frames for the sync -------------------------------------------------------------------


def call_frame(rows, chinese=False):
    df = pd.DataFrame(rows, columns=["call_time", "store", "outcome"])
    return df.rename(columns={"call_time": "时间", "store": "门店", "outcome": "结果"}) if chinese else df


def test_weekly_quota_table_counts_successes_per_store_and_day():
    rows = (
        [("2026-11-16 10:00", "东店", "成功")] * 30
        + [("2026-11-17 10:00", "东店", "成功")] * 30
        + [("2026-11-17 11:00", "东店", "关机")] * 5
        + [("2026-11-24 10:00", "东店", "成功")] * 9
        + [("2026-11-18 14:00", "西店", "成功")] * 2
        + [("2026-11-18", "新店", "成功")]
    )
    table = weekly_quota_table(call_frame(rows, chinese=True), {"东店": 1, "西店": "2", "空店": 2}, "2026-11-19")
    assert list(table["store"]) == ["东店", "西店", "空店", "新店"]
    east = table.set_index("store").loc["东店"]
    assert (east["mon"], east["tue"], east["wed"], east["total"]) == (30, 30, 0, 60)
    assert (east["weekly_min"], east["weekly_max"], east["status"], bool(east["even"])) == (150, 180, "below", False)
    empty = table.set_index("store").loc["空店"]
    assert empty["total"] == 0 and empty["status"] == "below" and bool(empty["even"])
    assert table.set_index("store").loc["新店", "status"] == "no_group"
    assert table.attrs["week_start"] == WEEK


def test_weekly_quota_table_says_which_column_is_missing():
    with pytest.raises(BadArgument, match="结果"):
        weekly_quota_table(pd.DataFrame({"时间": [], "门店": []}), {}, WEEK)


def test_a_small_store_needs_fifteen_successes_in_the_month():
    rows = (
        [("2026-11-03", "小店", "成功")] * 15
        + [("2026-12-01", "小店2", "成功")] * 20
        + [("2026-11-30 18:00", "小店2", "成功")] * 14
        + [("2026-11-05", "小店2", "无人接听")] * 5
    )
    table = small_store_check(call_frame(rows), "2026-11", ["小店", "小店2", "小店3"])
    assert table.to_dict("list") == {
        "store": ["小店", "小店2", "小店3"],
        "successes": [15, 14, 0],
        "people": [15, 14, 0],
        "minimum": [15] * 3,
        "ok": [True, False, False],
        "shortfall": [0, 1, 15],
    }


@pytest.mark.parametrize("month", ["2026-11", "2026年11月", "2026/11", D(2026, 11, 20), "2026-11-01"])
def test_small_store_check_accepts_a_month_in_several_forms(month):
    rows = [("2026-11-03", "小店", "成功")]
    assert small_store_check(call_frame(rows), month, ["小店"])["successes"].tolist() == [1]


def customers(amounts):
    return pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(len(amounts))], "amount": amounts})


def test_tier_draw_takes_20_30_and_50_from_full_tiers_highest_amount_first():
    amounts = list(range(1500, 3000, 10)) + list(range(3000, 5000, 10)) + list(range(5000, 9000, 10)) + [100] * 5
    drawn = tier_draw(customers(amounts))
    assert drawn.groupby("tier").size().to_dict() == {"1500-2999": 20, "3000-4999": 30, "≥5000": 50}
    assert not drawn["fallback"].any()
    top = drawn[drawn["tier"] == "≥5000"]["amount"].tolist()
    assert top == sorted(top, reverse=True) and top[0] == 8990 and top[-1] == 8500
    assert drawn[drawn["tier"] == "1500-2999"]["amount"].min() == 2800


def test_a_short_tier_draws_its_shortfall_from_the_highest_amounts_below_it():
    amounts = [6000] * 10 + list(range(3000, 5000, 20)) + list(range(1500, 3000, 50))
    drawn = tier_draw(customers(amounts))
    top = drawn[drawn["tier"] == "≥5000"]
    assert len(top) == 50 and top["fallback"].sum() == 40
    own_mid = drawn[(drawn["tier"] == "3000-4999")]["amount"]
    assert own_mid.min() == 4400 and len(own_mid) == 30  # the mid tier keeps its own top 30
    assert top[top["fallback"]]["amount"].max() == 4380  # the fallback starts right below them


def test_a_lowest_tier_short_of_records_draws_below_1500():
    drawn = tier_draw(customers([2000] * 5 + [1499, 1000, 900]))
    low = drawn[drawn["tier"] == "1500-2999"]
    assert len(low) == 8 and low["fallback"].tolist() == [False] * 5 + [True] * 3
    assert drawn.attrs["shortfall"] == {"1500-2999": 12, "3000-4999": 30, "≥5000": 50}


def test_ties_on_amount_are_broken_by_customer_id():
    q = Q.model_copy(update={"tiers": (Q.tiers[2].model_copy(update={"draw": 2}),)})
    df = pd.DataFrame({"customer_id": ["C3", "C1", "C2"], "amount": [5000, 5000, 5000]})
    assert tier_draw(df, q)["customer_id"].tolist() == ["C1", "C2"]


def test_tier_draw_reads_chinese_headers_and_text_amounts_and_skips_blanks():
    df = pd.DataFrame({"客户编号": ["a", "b", "c", "d"], "购买金额": ["5,200", "2999.5", None, "n/a"]})
    drawn = tier_draw(df)
    assert drawn[["customer_id", "tier"]].values.tolist() == [["a", "≥5000"], ["b", "1500-2999"]]


@pytest.mark.parametrize("records, sampled", [(1, 1), (2, 1), (3, 2), (5, 2), (10, 4), (15, 6), (16, 7)])
def test_gift_sample_takes_forty_percent_rounded_up_per_store(records, sampled):
    gifts = pd.DataFrame({"store": ["东店"] * records + ["西店"] * 10, "value": list(range(records)) + [1] * 10})
    out = gift_sample(gifts)
    assert out.groupby("store").size().to_dict() == {"东店": sampled, "西店": 4}


def test_gift_sample_takes_the_highest_values_first_for_checking_by_sms():
    gifts = pd.DataFrame(
        {"门店": ["A"] * 5, "客户编号": ["c5", "c4", "c3", "c2", "c1"], "价值": [50, 300, "1,000", 300, None]}
    )
    out = gift_sample(gifts)
    assert out["customer_id"].tolist() == ["c3", "c2"]
    assert set(out["channel"]) == {"短信"}


def test_gift_sample_share_can_be_changed_and_must_be_a_proportion():
    gifts = pd.DataFrame({"store": ["A"] * 10, "value": range(10)})
    assert len(gift_sample(gifts, share=0.5)) == 5
    hundred = pd.DataFrame({"store": ["A"] * 100, "value": range(100)})
    assert len(gift_sample(hundred, share=0.07)) == 7  # 0.07 × 100 is 7.000000000000001 in floats
    with pytest.raises(BadArgument):
        gift_sample(gifts, share=40)


def test_more_than_three_questions_is_a_violation():
    calls = pd.DataFrame({"问题数": [1, 3, 4, None, "5", "x"]})
    assert too_many_questions(calls).tolist() == [False, False, True, False, True, False]


def test_a_call_log_without_a_questions_column_has_no_violations():
    assert too_many_questions(pd.DataFrame({"outcome": ["成功"]})).tolist() == [False]
