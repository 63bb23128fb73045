"""Golden cases of ../shared/golden/calendar.csv: week labels, report names and deadlines,
phone masks and call windows. The rows are read from the file, never copied here."""

from __future__ import annotations

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from followup.udfs import call_window, mask_phone, report_deadline, report_name, week_label

pytestmark = pytest.mark.golden
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _rows(golden_dir):
    with open(golden_dir / "calendar.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _actual(function: str, value: str):
    name, _, rest = function.strip().partition(" ")
    if name == "week_label":
        return week_label(value)
    if name == "report_name":
        return report_name(rest, value)
    if name == "report_deadline":
        return report_deadline(rest, value)
    if name == "mask_phone":
        return mask_phone(value)
    if name == "call_window":
        return call_window(value, rest)
    raise AssertionError(f"golden calendar.csv names an unknown function: {function!r}")


def _expected(function: str, text: str):
    if function.startswith("report_deadline"):
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    return text


def test_every_golden_calendar_row_gives_its_expected_value(golden_dir):
    rows = _rows(golden_dir)
    assert rows, "calendar.csv has no rows"
    wrong = []
    for i, row in enumerate(rows, start=2):
        got = _actual(row["function"], row["input"])
        want = _expected(row["function"], row["expected"])
        if got != want:
            wrong.append(f"line {i}: {row['function']}({row['input']!r}) = {got!r}, expected {want!r} ({row['note']})")
    assert not wrong, "\n".join(wrong)


def test_golden_report_deadlines_are_timezone_aware_in_shanghai(golden_dir):
    rows = [r for r in _rows(golden_dir) if r["function"].startswith("report_deadline")]
    assert rows
    for row in rows:
        got = _actual(row["function"], row["input"])
        assert got.tzinfo is not None
        assert got.utcoffset() == dt.timedelta(hours=8)
