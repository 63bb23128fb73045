"""The submission ledger: 10 元, doubled per repeat late occasion within the window; no double count."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.sync.deadline import TZ
from followup.sync.reports import Ledger
from followup.sync.reports.ledger_rule import Penalty


def at(y, m, d, h=12, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def late_week(ledger, monday: dt.date, hours_late: int = 2, who="小刘", digest="x"):
    deadline = dt.datetime.combine(monday + dt.timedelta(days=7), dt.time(12), tzinfo=TZ)
    name = f"{monday:%m-%d}周客户回访记录单.xlsx"
    return ledger.record(name, f"{monday}", deadline, digest, deadline + dt.timedelta(hours=hours_late), who)


def test_penalty_doubles_within_window(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    rows = [late_week(lg, dt.date(2026, 11, 2) + dt.timedelta(weeks=i)) for i in range(4)]
    assert [r.penalty for r in rows] == [10, 20, 40, 80]
    assert rows[0].minutes_late == 120


def test_on_time_costs_nothing(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    deadline = at(2026, 11, 23, 12)
    row = lg.record("11月第3周客户回访记录单.xlsx", "11月第3周", deadline, "d", at(2026, 11, 23, 9, 30), "小刘")
    assert (row.minutes_late, row.penalty) == (0, 0)
    assert late_week(lg, dt.date(2026, 11, 23)).penalty == 10  # the first late one is still 10


def test_reset_after_window(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    assert late_week(lg, dt.date(2025, 1, 6)).penalty == 10
    assert late_week(lg, dt.date(2025, 1, 13)).penalty == 20
    assert late_week(lg, dt.date(2026, 3, 2)).penalty == 10  # > 365 days after both


def test_configurable(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx", Penalty(first=5, factor=3, window_days=30))
    assert [late_week(lg, dt.date(2026, 11, 2) + dt.timedelta(weeks=i)).penalty for i in range(3)] == [5, 15, 45]
    assert late_week(lg, dt.date(2027, 3, 1)).penalty == 5


def test_per_person(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    assert late_week(lg, dt.date(2026, 11, 2), who="小刘").penalty == 10
    assert late_week(lg, dt.date(2026, 11, 9), who="小王").penalty == 10


def test_same_deadline_is_one_occasion(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    deadline, now = at(2026, 11, 23, 12), at(2026, 11, 23, 15)
    a = lg.record("11月第3周客户回访记录单.xlsx", "11月第3周", deadline, "a", now, "小刘")
    b = lg.record("11月第3周礼品回访记录单.xlsx", "11月第3周", deadline, "b", now, "小刘")
    assert (a.penalty, b.penalty) == (10, 0) and b.late


def test_rerun_does_not_double_count(tmp_path):
    path = tmp_path / "提交记录.xlsx"
    lg = Ledger(path)
    first = late_week(lg, dt.date(2026, 11, 2), hours_late=1, digest="same")
    lg.save()
    lg2 = Ledger(path)  # read back from the workbook
    again = late_week(lg2, dt.date(2026, 11, 2), hours_late=30, digest="same")
    assert again.status == "unchanged"
    assert (again.filed_at, again.penalty, again.minutes_late) == (first.filed_at, 10, 60)
    assert len(lg2.rows) == 1
    # changed content: one row, a revision, still one penalty
    rev = late_week(lg2, dt.date(2026, 11, 2), hours_late=30, digest="other")
    assert rev.status == "revised" and rev.revisions == 2 and rev.penalty == 10 and len(lg2.rows) == 1
    assert late_week(lg2, dt.date(2026, 11, 9)).penalty == 20  # the next occasion is the second


def test_on_time_then_late_revision_is_charged(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    deadline = at(2026, 12, 2, 18)
    lg.record("11月客户回访汇总表.xlsx", "11月", deadline, "v1", at(2026, 11, 23, 9), "小刘")
    row = lg.record("11月客户回访汇总表.xlsx", "11月", deadline, "v2", at(2026, 12, 3, 9), "小刘")
    assert row.penalty == 10 and row.minutes_late == 15 * 60


def test_round_trip(tmp_path):
    path = tmp_path / "提交记录.xlsx"
    lg = Ledger(path)
    r = late_week(lg, dt.date(2026, 11, 2))
    lg.save()
    back = Ledger(path).rows
    assert len(back) == 1
    b = back[0]
    assert (b.who, b.report, b.filed_at, b.deadline, b.minutes_late, b.penalty, b.digest) == (
        r.who,
        r.report,
        r.filed_at,
        r.deadline,
        r.minutes_late,
        r.penalty,
        r.digest,
    )
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("value", [None, {"first": 10, "factor": 2, "window_days": 365}])
def test_penalty_of(value):
    assert Penalty.of(value) == Penalty()


def test_each_revision_names_its_filer_and_time_and_the_first_filing_is_kept(tmp_path):
    """Issue 23: a report re-filed by 张三 says 张三 next to its latest filing time; the first filer
    and time stay; every revision (filer, time) is in 修订记录 and survives a save and reload."""
    import openpyxl

    path = tmp_path / "提交记录.xlsx"
    name, deadline = "11月第3周客户回访记录单.xlsx", at(2026, 11, 23, 12)
    filers = [("客服中心", at(2026, 11, 23, 9, 30)), ("张三", at(2026, 11, 30, 14, 5)), ("李四", at(2026, 12, 1, 8))]
    lg = Ledger(path)
    for i, (who, when) in enumerate(filers):
        if i:
            lg = Ledger(path)  # each filing by a later run, from the saved file
        row = lg.record(name, "11月第3周", deadline, f"d{i}", when, who, year=2026)
        lg.save()
        again = Ledger(path)
        assert not again.problems
        (stored,) = again.rows
        assert stored.who == who and stored.filed_at == when and stored.revisions == i + 1
        assert (stored.first_who, stored.first_filed_at) == ("客服中心", filers[0][1])
        assert [(r.number, r.who, r.filed_at) for r in stored.revisions_filed] == [
            (n + 1, w, t) for n, (w, t) in enumerate(filers[: i + 1])
        ]
        assert row.revisions_filed == stored.revisions_filed
    wb = openpyxl.load_workbook(path)
    head = [c.value for c in wb["提交记录"][1]]
    row = [c.value for c in wb["提交记录"][2]]
    assert row[head.index("提交人")] == "李四" and row[head.index("首次提交人")] == "客服中心"
    sheet = [tuple(r) for r in wb["修订记录"].iter_rows(values_only=True)]
    assert sheet[0] == ("报表", "年份", "修订", "提交人", "提交时间")
    assert [(r[2], r[3], r[4]) for r in sheet[1:]] == [
        (n + 1, w, t.replace(tzinfo=None)) for n, (w, t) in enumerate(filers)
    ]
    # the late revisions: the fine belongs to the first filer after the deadline (张三), charged once
    (stored,) = Ledger(path).rows
    assert stored.penalty == 10 and stored.charged_to == "张三"


def test_unchanged_refiling_adds_no_revision(tmp_path):
    lg = Ledger(tmp_path / "提交记录.xlsx")
    deadline = at(2026, 11, 23, 12)
    lg.record("r.xlsx", "p", deadline, "same", at(2026, 11, 23, 9), "甲")
    again = lg.record("r.xlsx", "p", deadline, "same", at(2026, 11, 24, 9), "乙")
    assert again.status == "unchanged" and again.who == "甲" and len(again.revisions_filed) == 1
    assert again.minutes_late == 0 and again.penalty == 0
