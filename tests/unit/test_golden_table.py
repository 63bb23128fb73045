"""Automatic mode on ../shared/golden/table: class, anchor and next date per customer."""

import pandas as pd

from followup.udfs import followup_table


def _day(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).date().isoformat()


def test_golden_table_customers_all_pass(golden_dir):
    table = golden_dir / "table"
    customers = pd.read_csv(table / "customers.csv", dtype=str)
    calls = pd.read_csv(table / "calls.csv", dtype=str)
    expected = pd.read_csv(table / "expected.csv", dtype=str).fillna("")
    out = followup_table(customers, calls, "optometry", today="2026-11-25").set_index("customer_id")
    failures = []
    for _, e in expected.iterrows():
        o = out.loc[e["客户编号"]]
        got = (o["current_class"], _day(o["anchor_date"]), _day(o["next_date"]))
        want = (e["当前类别"], e["锚点日期"], e["下次回访"])
        if got != want:
            failures.append(f"{e['客户编号']} ({e['note']}): got {got}, want {want}")
    assert len(expected) == 16 and not failures, "\n".join(failures)


def test_golden_table_keeps_the_customers_order(golden_dir):
    customers = pd.read_csv(golden_dir / "table" / "customers.csv", dtype=str)
    calls = pd.read_csv(golden_dir / "table" / "calls.csv", dtype=str)
    shuffled = customers.sample(frac=1, random_state=3)
    out = followup_table(shuffled, calls, "optometry", today="2026-11-25")
    assert list(out["customer_id"]) == list(shuffled["客户编号"])
