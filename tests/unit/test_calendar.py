"""Weeks (Thursday rule), report names and deadlines, name checks, call windows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.udfs import BadArgument, FollowupError
from followup.udfs.calendar import (
    REPORT_KINDS,
    report_deadline,
    report_kind,
    report_name,
    week_label,
    week_of,
    weeks_in_month,
)
from followup.udfs.callwindow import AFTERNOON, MORNING, call_window, call_windows, is_makeup_workday, is_working_day
from followup.udfs.names import check_report_name

D = dt.date
SH = ZoneInfo("Asia/Shanghai")
dates = st.dates(min_value=D(2000, 1, 3), max_value=D(2098, 12, 1))


# --- weeks -------------------------------------------------------------------------------


@pytest.mark.parametrize("day", [D(2026, 11, 16) + dt.timedelta(days=i) for i in range(7)])
def test_every_day_of_16_to_22_november_2026_is_in_week_3_of_november(day):
    assert week_of(day) == (11, 3, D(2026, 11, 16))
    assert week_label(day) == "11月第3周"


def test_a_week_starting_30_november_belongs_to_december_because_of_its_thursday():
    assert week_of(D(2026, 11, 30)) == (12, 1, D(2026, 11, 30))
    assert week_label(D(2026, 12, 6)) == "12月第1周"


def test_the_week_across_new_year_2027_is_the_fifth_week_of_december():
    assert week_label(D(2026, 12, 28)) == week_label(D(2027, 1, 3)) == "12月第5周"
    assert week_label(D(2027, 1, 4)) == "1月第1周"


def test_the_week_across_new_year_2026_is_the_first_week_of_january():
    assert week_of(D(2025, 12, 29)) == (1, 1, D(2025, 12, 29))


def test_leap_day_2024_is_a_thursday_in_the_fifth_week_of_february():
    assert week_label(D(2024, 2, 29)) == "2月第5周"


def test_leap_day_2028_is_a_tuesday_in_the_first_week_of_march():
    assert week_label(D(2028, 2, 29)) == "3月第1周"


@pytest.mark.parametrize(
    "year, month, weeks", [(2026, 2, 4), (2024, 2, 5), (2026, 12, 5), (2026, 11, 4), (2026, 10, 5), (2027, 1, 4)]
)
def test_weeks_in_month_counts_its_thursdays(year, month, weeks):
    assert weeks_in_month(year, month) == weeks


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-18",
        "2026/11/18",
        "2026年11月18日",
        "2026.11.18",
        " 2026-11-18 09:30 ",
        D(2026, 11, 18),
        dt.datetime(2026, 11, 18, 15, 0),
        pd.Timestamp("2026-11-18 23:59"),
        float((D(2026, 11, 18) - D(1899, 12, 30)).days),
        (D(2026, 11, 18) - D(1899, 12, 30)).days,
    ],
)
def test_week_label_accepts_every_date_form_a_cell_can_hold(value):
    assert week_label(value) == "11月第3周"


@pytest.mark.parametrize("value", ["next week", "2026-13-01", "2026-02-30", True, [2026, 11, 18]])
def test_a_bad_date_raises_bad_argument_naming_the_date(value):
    with pytest.raises(BadArgument) as err:
        week_label(value)
    assert err.value.argument == "date"
    assert "参数 date" in str(err.value)


@pytest.mark.parametrize("value", [None, "", "   "])
def test_an_empty_date_is_refused_with_a_chinese_message(value):
    with pytest.raises(BadArgument, match="日期不能为空"):
        report_name("weekly", value)


@given(dates)
def test_all_seven_days_of_a_week_share_one_label_and_the_next_week_differs(day):
    monday = week_of(day)[2]
    assert monday.weekday() == 0 and monday <= day < monday + dt.timedelta(days=7)
    labels = {week_label(monday + dt.timedelta(days=i)) for i in range(7)}
    assert labels == {week_label(day)}
    assert week_label(monday + dt.timedelta(days=7)) != week_label(day)


@given(dates)
def test_the_labelled_month_holds_the_weeks_thursday_and_the_number_fits_the_month(day):
    month, week, monday = week_of(day)
    thursday = monday + dt.timedelta(days=3)
    assert thursday.month == month
    assert 1 <= week <= weeks_in_month(thursday.year, month)


# --- report names and deadlines ------------------------------------------------------------


@pytest.mark.parametrize(
    "alias, kind",
    [
        ("weekly", "weekly"),
        ("WEEKLY", "weekly"),
        ("回访记录单", "weekly"),
        ("客户回访", "weekly"),
        ("礼品", "gift"),
        ("gift", "gift"),
        ("礼品回访记录单", "gift"),
        ("汇总", "monthly"),
        ("月报", "monthly"),
        (" monthly ", "monthly"),
        ("客户回访汇总表", "monthly"),
    ],
)
def test_report_kinds_accept_chinese_aliases(alias, kind):
    assert report_kind(alias) == kind
    assert report_name(alias, "2026-11-18") == report_name(kind, "2026-11-18")


@pytest.mark.parametrize("kind", ["yearly", "", None, "周"])
def test_an_unknown_report_kind_raises_bad_argument_naming_kind(kind):
    with pytest.raises(BadArgument) as err:
        report_name(kind, "2026-11-18")
    assert err.value.argument == "kind"


def test_a_monday_in_a_december_week_gets_the_december_weekly_name_but_the_november_summary():
    assert report_name("weekly", D(2026, 11, 30)) == "12月第1周客户回访记录单.xlsx"
    assert report_name("gift", D(2026, 11, 30)) == "12月第1周礼品回访记录单.xlsx"
    assert report_name("monthly", D(2026, 11, 30)) == "11月客户回访汇总表.xlsx"


def test_the_new_year_week_report_is_named_after_december():
    assert report_name("weekly", "2027-01-02") == "12月第5周客户回访记录单.xlsx"


def test_a_weekly_report_is_due_the_monday_after_its_week_at_noon_shanghai_time():
    for day in (D(2026, 11, 16), D(2026, 11, 22)):
        assert report_deadline("weekly", day) == dt.datetime(2026, 11, 23, 12, 0, tzinfo=SH)
    assert report_deadline("weekly", D(2026, 11, 23)) == dt.datetime(2026, 11, 30, 12, 0, tzinfo=SH)
    assert report_deadline("礼品", D(2026, 12, 31)) == dt.datetime(2027, 1, 4, 12, 0, tzinfo=SH)


def test_a_monthly_summary_is_due_on_the_second_of_the_next_month_at_18_00():
    assert report_deadline("monthly", "2026-12-31") == dt.datetime(2027, 1, 2, 18, 0, tzinfo=SH)
    assert report_deadline("汇总", "2024-02-29") == dt.datetime(2024, 3, 2, 18, 0, tzinfo=SH)


def test_deadlines_are_timezone_aware_and_eight_hours_ahead_of_utc():
    deadline = report_deadline("weekly", "2026-11-18")
    assert deadline.utcoffset() == dt.timedelta(hours=8)
    assert deadline.astimezone(dt.timezone.utc).hour == 4


@given(dates, st.sampled_from(sorted(REPORT_KINDS)))
def test_every_name_report_name_produces_passes_check_report_name(day, kind):
    name = report_name(kind, day)
    year = (week_of(day)[2] + dt.timedelta(days=3)).year
    assert check_report_name(name, year=year) == (True, name, [])
    # mistyped (a space, full-width digits), it is still recognised as its own kind
    typo = name.replace("1", "１").replace("月", "月 ", 1)
    assert check_report_name(typo, year=year).expected == name


@given(dates)
def test_a_deadline_always_falls_after_the_period_it_covers(day):
    monday = week_of(day)[2]
    assert report_deadline("weekly", day).date() == monday + dt.timedelta(days=7)
    assert report_deadline("monthly", day).date() > day


# --- check_report_name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "given_name, expected, word",
    [
        ("《11月第3周客户回访记录单》.xlsx", "11月第3周客户回访记录单.xlsx", "书名号"),
        ("011月第3周客户回访记录单.xlsx", "11月第3周客户回访记录单.xlsx", "补零"),
        ("11月第03周礼品回访记录单.xlsx", "11月第3周礼品回访记录单.xlsx", "补零"),
        ("１１月第３周客户回访记录单.xlsx", "11月第3周客户回访记录单.xlsx", "半角"),
        ("11月 第3周 客户回访记录单.xlsx", "11月第3周客户回访记录单.xlsx", "空格"),
        ("11月第3周客户回访记录单.xls", "11月第3周客户回访记录单.xlsx", ".xls"),
        ("11月第3周客户回访记录单.XLSX", "11月第3周客户回访记录单.xlsx", "小写"),
        ("11月第3周客户回访记录单", "11月第3周客户回访记录单.xlsx", "扩展名"),
        ("11月第3周回访记录表.xlsx", "11月第3周客户回访记录单.xlsx", "用词"),
        ("11月第3周客户回访记录单(1).xlsx", "11月第3周客户回访记录单.xlsx", "用词"),
        ("十一月第三周客户回访记录单.xlsx", "11月第3周客户回访记录单.xlsx", "阿拉伯数字"),
        ("2026年11月客户回访汇总表.xlsx", "11月客户回访汇总表.xlsx", "年份"),
        ("11月第3周客户回访汇总表.xlsx", "11月客户回访汇总表.xlsx", "周次"),
        ("11月第6周客户回访记录单.xlsx", None, "第6周"),
        ("11月第0周客户回访记录单.xlsx", None, "第0周"),
        ("13月客户回访汇总表.xlsx", None, "13"),
        ("客户回访记录单.xlsx", None, "无法识别"),
    ],
)
def test_check_report_name_names_each_problem_and_the_closest_correct_name(given_name, expected, word):
    check = check_report_name(given_name)
    assert check.ok is False
    assert check.expected == expected
    assert check.problems and any(word in p for p in check.problems), check.problems


def test_check_report_name_lists_several_problems_at_once():
    check = check_report_name("《０11月第3周客户回访记录单》.XLS")
    assert check.expected == "11月第3周客户回访记录单.xlsx"
    assert len(check.problems) == 4


@pytest.mark.parametrize(
    "path",
    [
        "/srv/reports/11月第3周客户回访记录单.xlsx",
        r"C:\报表\11月第3周客户回访记录单.xlsx",
        "11月第3周客户回访记录单.xlsx",
    ],
)
def test_check_report_name_checks_only_the_base_name_of_a_path(path):
    assert check_report_name(path) == (True, "11月第3周客户回访记录单.xlsx", [])


def test_a_fifth_february_week_is_refused_only_in_years_without_one():
    assert check_report_name("2月第5周客户回访记录单.xlsx", year=2024).ok
    check = check_report_name("2月第5周客户回访记录单.xlsx", year=2026)
    assert not check.ok and check.expected is None and "2026年2月" in check.problems[0]


def test_check_report_name_refuses_an_empty_name():
    with pytest.raises(FollowupError):
        check_report_name("  ")


# --- working days and call windows ---------------------------------------------------------

BOTH = "10:00-11:30,14:00-16:30"
PM = "14:00-16:30"


@pytest.mark.parametrize(
    "day, windows, why",
    [
        (D(2026, 11, 18), BOTH, "ordinary Wednesday"),
        (D(2026, 11, 20), BOTH, "ordinary Friday"),
        (D(2026, 11, 23), PM, "Monday: no morning window"),
        (D(2026, 11, 21), PM, "Saturday"),
        (D(2026, 11, 22), PM, "Sunday"),
        (D(2026, 1, 1), PM, "New Year's Day (Thursday)"),
        (D(2026, 1, 4), BOTH, "make-up working Sunday"),
        (D(2026, 2, 17), PM, "Spring Festival (Tuesday)"),
        (D(2026, 2, 23), PM, "Spring Festival holiday on a Monday"),
        (D(2026, 2, 14), BOTH, "make-up working Saturday before Spring Festival"),
        (D(2026, 2, 28), BOTH, "make-up working Saturday after Spring Festival"),
        (D(2026, 10, 1), PM, "National Day"),
        (D(2026, 10, 7), PM, "National Day holiday on a Wednesday"),
        (D(2026, 10, 10), BOTH, "make-up working Saturday after National Day"),
    ],
)
def test_call_windows_follow_weekday_holidays_and_make_up_days(day, windows, why):
    assert call_window(day) == windows, why


@pytest.mark.parametrize("flags", ["夜班", "night_shift", "投诉，夜班", "夜班 难沟通", "NIGHT_SHIFT"])
def test_night_shift_customers_are_called_in_the_afternoon_only(flags):
    assert call_window(D(2026, 11, 18), flags) == PM
    assert call_window(D(2026, 1, 4), flags) == PM


@pytest.mark.parametrize("flags", ["", None, "投诉", "难沟通"])
def test_other_flags_keep_the_morning_window(flags):
    assert call_window(D(2026, 11, 18), flags) == BOTH


def test_call_windows_returns_sorted_time_pairs():
    assert call_windows("2026-11-18") == [MORNING, AFTERNOON]
    assert call_windows("2026年11月23日") == [AFTERNOON]
    assert all(isinstance(t, dt.time) for pair in call_windows("2026-11-18") for t in pair)


def test_make_up_days_are_working_weekend_days():
    assert is_makeup_workday(D(2026, 1, 4)) and is_working_day(D(2026, 1, 4))
    assert not is_makeup_workday(D(2026, 1, 5))
    assert not is_working_day(D(2026, 2, 17))


@given(dates, st.sampled_from(["", "夜班", "投诉"]))
def test_the_afternoon_window_is_always_open_and_the_morning_only_on_working_non_mondays(day, flags):
    windows = call_windows(day, flags)
    assert windows[-1] == AFTERNOON
    morning = MORNING in windows
    assert morning == (is_working_day(day) and day.weekday() != 0 and flags != "夜班")
    assert windows == sorted(windows)
