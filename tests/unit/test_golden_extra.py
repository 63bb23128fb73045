"""Our own golden-style cases (tests/golden_extra/*.csv), each row citing the seed it comes from.

- `next_followup.csv`: manual mode — date, channel and a fragment of the purpose text.
- `table_cases.csv`: automatic mode — one customer (`key=value;…` of canonical columns), its call
  log (`time|channel|outcome[|kind];…`) and the expected output columns (`col=value`, `col~fragment`;
  an empty value means empty / NaT).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from followup.udfs import followup_step, followup_table, next_followup

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _pairs(text: str) -> dict:
    return dict(p.split("=", 1) for p in text.split(";") if p.strip())


def table_case(row: dict) -> pd.Series:
    cust = {"customer_id": "K1", **_pairs(row["customer"])}
    calls = []
    for part in filter(None, row["calls"].split(";")):
        when, channel, outcome, *kind = part.split("|")
        calls.append(
            {
                "customer_id": "K1",
                "call_time": when,
                "channel": channel,
                "outcome": outcome,
                "kind": kind[0] if kind else "客户服务",
            }
        )
    log = pd.DataFrame(calls, columns=["customer_id", "call_time", "channel", "outcome", "kind"])
    return followup_table(pd.DataFrame([cust]), log, row["playbook"], row["today"]).iloc[0]


def _shown(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    return str(v)


@pytest.mark.parametrize("row", _rows("table_cases.csv"), ids=lambda r: r["case"])
def test_table_cases(row):
    assert row["seed"], "every case cites its seed"
    got = table_case(row)
    for part in filter(None, row["expect"].split(";")):
        if "~" in part and ("=" not in part or part.index("~") < part.index("=")):
            col, frag = part.split("~", 1)
            assert frag in _shown(got[col]), (row["case"], col, got[col])
        else:
            col, want = part.split("=", 1)
            assert _shown(got[col]) == want, (row["case"], col, got.to_dict())


@pytest.mark.parametrize("row", _rows("next_followup.csv"), ids=lambda r: r["case"])
def test_next_followup_cases(row):
    assert row["seed"], "every case cites its seed"
    args = (
        row["class"],
        row["anchor"],
        row["calls_done"] or 0,
        row["last_call"] or None,
        row["failed_attempts"] or 0,
        row["flags"],
        row["playbook"],
        row["today"] or None,
    )
    got = next_followup(*args)
    assert (got.isoformat() if got else "") == row["expected"], row["case"]
    step = followup_step(*args)
    assert step.channel == row["channel"], (row["case"], step)
    assert row["purpose_contains"] in step.purpose, (row["case"], step)


@pytest.mark.parametrize("path", sorted(HERE.glob("*.csv")), ids=lambda p: p.name)
def test_every_case_file_is_well_formed_and_cites_its_seed(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    assert head[:2] == ["case", "seed"], path.name
    for r in rows[1:]:
        assert len(r) == len(head), (path.name, r[0])  # an unquoted comma shifts the columns
        assert r[1].strip(), (path.name, r[0])
