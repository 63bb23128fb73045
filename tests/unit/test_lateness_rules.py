"""Late is late (SPEC §3.7): decided to the second, minutes rounded up; cases in
tests/golden_extra/lateness.csv, each citing its seed."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from followup.sync.deadline import TZ, humanize
from followup.sync.reports.ledger_rule import FilingLog, Penalty

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows():
    with open(HERE / "lateness.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


class Log(FilingLog):
    def __init__(self):
        self.rows, self.penalty = [], Penalty()


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_lateness(row):
    assert row["seed"]
    deadline = dt.datetime.fromisoformat(row["deadline"]).replace(tzinfo=TZ)
    filed = dt.datetime.fromisoformat(row["filed_at"]).replace(tzinfo=TZ)
    got = Log().record("11月第4周客户回访记录单.xlsx", "11月第4周", deadline, "d", filed, "小刘")
    assert (got.late, got.minutes_late, got.penalty) == (
        row["late"] == "True",
        int(row["minutes_late"]),
        float(row["penalty"]),
    )
    assert humanize(deadline - filed) == row["shown"]
