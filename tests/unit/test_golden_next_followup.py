"""Every row of ../shared/golden/next_followup.csv through followup.udfs.next_followup."""

import csv

from followup.udfs import next_followup, to_date


def _rows(golden_dir):
    with open(golden_dir / "next_followup.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_golden_next_followup_rows_all_pass(golden_dir):
    rows = _rows(golden_dir)
    assert len(rows) >= 30
    failures = []
    for r in rows:
        got = next_followup(
            r["class"],
            r["anchor"],
            int(r["calls_done"]),
            r["last_call"] or None,
            int(r["failed_attempts"]),
            r["flags"],
            r["playbook"],
            r["today"],
        )
        want = to_date(r["expected"]) if r["expected"] else None
        if got != want:
            failures.append(f"{r['note']}: got {got}, want {want}")
    assert not failures, "\n".join(failures)
