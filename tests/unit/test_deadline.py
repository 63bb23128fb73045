"""Which week is due, its deadline, and the time left / late in words."""

from __future__ import annotations

import datetime as dt

import pytest

from followup.sync.deadline import TZ, due_week, humanize, localize, parse_week, status, sync_statuses
from followup.udfs.errors import BadArgument


def test_parse_week():
    assert parse_week("2026-W47") == dt.date(2026, 11, 16)
    assert parse_week("2026w1") == dt.date(2025, 12, 29)
    for bad in ("2026-47", "W47", "2026-W54"):
        with pytest.raises(BadArgument):
            parse_week(bad)


@pytest.mark.parametrize(
    "now, monday",
    [
        (dt.datetime(2026, 11, 23, 9, 30), dt.date(2026, 11, 16)),  # Monday morning: last week is due
        (dt.datetime(2026, 11, 23, 13, 0), dt.date(2026, 11, 16)),  # Monday afternoon: still last week (late)
        (dt.datetime(2026, 11, 29, 23, 59), dt.date(2026, 11, 16)),  # Sunday night: the week is not over
        (dt.datetime(2026, 11, 30, 0, 1), dt.date(2026, 11, 23)),
    ],
)
def test_due_week(now, monday):
    assert due_week(now) == monday


def test_due_week_uses_shanghai_time():
    utc = dt.datetime(2026, 11, 29, 16, 30, tzinfo=dt.timezone.utc)  # 00:30 Monday in Shanghai
    assert due_week(utc) == dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    "delta, zh, en",
    [
        (dt.timedelta(hours=2, minutes=15), "还剩 2小时15分", "2h 15m left"),
        (-dt.timedelta(days=1, hours=3, minutes=5), "已逾期 1天3小时", "1d 3h overdue"),
        (dt.timedelta(minutes=9, seconds=59), "还剩 9分", "9m left"),
        (dt.timedelta(days=9, hours=8, minutes=30), "还剩 9天8小时", "9d 8h left"),
    ],
)
def test_humanize(delta, zh, en):
    assert humanize(delta) == zh
    assert humanize(delta, "en") == en


def test_status_weekly_and_monthly():
    now = dt.datetime(2026, 11, 23, 9, 45)
    w = status("weekly", dt.date(2026, 11, 19), now)
    assert w.report == "11月第3周客户回访记录单.xlsx" and w.period == "11月第3周"
    assert w.deadline == dt.datetime(2026, 11, 23, 12, tzinfo=TZ)
    assert not w.late and w.text() == "还剩 2小时15分"
    m = status("monthly", dt.date(2026, 11, 19), now)
    assert m.report == "11月客户回访汇总表.xlsx" and m.period == "11月"
    assert m.deadline == dt.datetime(2026, 12, 2, 18, tzinfo=TZ)


def test_late_status():
    s = status("gift", dt.date(2026, 11, 19), dt.datetime(2026, 11, 24, 15, 10))
    assert s.late and s.minutes_late == 27 * 60 + 10 and s.text() == "已逾期 1天3小时"


def test_sync_statuses_names():
    kinds = [(s.kind, s.report) for s in sync_statuses(dt.date(2026, 11, 30), localize(None))]
    assert kinds == [
        ("weekly", "12月第1周客户回访记录单.xlsx"),
        ("gift", "12月第1周礼品回访记录单.xlsx"),
        ("monthly", "12月客户回访汇总表.xlsx"),
    ]
