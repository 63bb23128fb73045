"""Engine benchmark: table mode on 1,000,000 customers / 5,000,000 calls, the same work as a
per-row Python loop over `next_followup`, and the median cost of one `next_followup` call.

    .venv/bin/python bench/engine.py [--customers 1000000] [--calls-per-customer 5]

Prints figures and ratios measured in this one process, with the load average: the table
mode's customers/s by the wall clock and by this process's CPU time (on a loaded machine the
wall clock mostly measures the other processes; the CPU figure stays close to a quiet run's).
`--repeat N` keeps the best of N runs. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

import numpy as np
import pandas as pd

from followup.udfs import followup_table, next_followup
from followup.udfs.playbook import get_playbook
from followup.udfs.schema import OUTCOMES
from followup.udfs.table.walk_one import walk_one

TODAY = dt.date(2026, 11, 25)
OUTCOME_TEXT = np.array(list(OUTCOMES)[:7])  # 成功 … 拒访 (no SMS in this workload)


def synthetic(n: int, per: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = pd.Series([f"C{i:07d}" for i in range(n)], dtype=object)
    base = np.datetime64(TODAY, "D") - rng.integers(0, 400, n).astype("timedelta64[D]")
    kind = rng.integers(0, 4, n)  # 0 purchase, 1 appointment, 2 visit, 3 consult
    nat = np.datetime64("NaT", "D")
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "store": rng.choice(["一店", "二店", "三店"], n),
            "consult_date": base - 10 * np.timedelta64(1, "D"),
            "visit_date": np.where(kind == 2, base, nat),
            "appointment_date": np.where(kind == 1, base + 20, nat),
            "purchase_date": np.where(kind == 0, base, nat),
            "flags": rng.choice(["", "", "", "", "", "", "", "", "投诉", "拒访"], n),
        }
    )
    m = n * per
    who = rng.integers(0, n, m)
    when = base[who].astype("datetime64[s]") + rng.integers(-5 * 86400, 120 * 86400, m).astype("timedelta64[s]")
    calls = pd.DataFrame(
        {
            "customer_id": ids.to_numpy()[who],
            "call_time": when,
            "outcome": OUTCOME_TEXT[rng.choice(7, m, p=[0.55, 0.1, 0.15, 0.05, 0.05, 0.05, 0.05])],
            "channel": "电话",
        }
    )
    return customers, calls


def per_row_loop(customers: pd.DataFrame, calls: pd.DataFrame) -> list:
    """The same automatic-mode work, one customer at a time, through the scalar functions: the
    class from the facts, `walk_one` over the customer's calls, then `next_followup`."""
    pb = get_playbook("optometry")
    by_customer = {k: g for k, g in calls.sort_values("call_time", kind="stable").groupby("customer_id", sort=False)}
    out = []
    for row in customers.itertuples(index=False):
        code, anchor = (
            ("A", row.purchase_date)
            if not pd.isna(row.purchase_date)
            else ("C", row.appointment_date)
            if not pd.isna(row.appointment_date) and (pd.isna(row.visit_date) or row.appointment_date > row.visit_date)
            else ("B", row.visit_date)
            if not pd.isna(row.visit_date)
            else ("D", row.consult_date)
        )
        g = by_customer.get(row.customer_id)
        log = (
            []
            if g is None
            else [(t.to_pydatetime(), o, ch) for t, o, ch in zip(g["call_time"], g["outcome"], g["channel"])]
        )
        w = walk_one(
            pb, code, pd.Timestamp(anchor).date(), log, today=TODAY, dnc="拒访" in row.flags, urgent="投诉" in row.flags
        )
        flags = "拒访" if w.dnc else row.flags
        if not w.urgent_open:  # the flag's urgent step has closed (SPEC §3.7): the row function drops the flag
            flags = flags.replace("投诉", "")
        out.append(next_followup(w.cls, w.anchor, w.calls_done, w.last, w.failed_attempts, flags, "optometry", TODAY))
    return out


def as_categories(customers: pd.DataFrame, calls: pd.DataFrame) -> pd.DataFrame:
    """The calls as a typed reader hands them over: low-cardinality columns as categoricals."""
    typed = calls.copy()
    typed["customer_id"] = pd.Categorical(typed["customer_id"])
    typed["outcome"] = typed["outcome"].astype("category")
    typed["channel"] = typed["channel"].astype("category")
    return typed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--calls-per-customer", type=int, default=5)
    ap.add_argument("--loop-sample", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=1, help="table-mode runs; the best is kept")
    args = ap.parse_args()
    customers, calls = synthetic(args.customers, args.calls_per_customer)
    print(f"workload: {len(customers):,} customers, {len(calls):,} call rows (optometry, today {TODAY})")
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    def timed(frame: pd.DataFrame) -> tuple[float, float, pd.DataFrame]:
        """(best wall seconds, best CPU seconds, table) over --repeat runs."""
        walls, cpus = [], []
        for _ in range(max(args.repeat, 1)):
            w, c = time.perf_counter(), time.process_time()
            out = followup_table(customers, frame, "optometry", TODAY)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
        return min(walls), min(cpus), out

    followup_table(customers.head(1000), calls.head(5000), "optometry", TODAY)  # warm caches
    n = len(customers)
    t_plain, c_plain, table = timed(calls)
    print(
        f"table mode, text columns:        {t_plain:6.2f} s = {n / t_plain:10,.0f} customers/s "
        f"(CPU {c_plain:5.2f} s = {n / c_plain:10,.0f} customers/s)"
    )
    typed = as_categories(customers, calls)
    t_table, c_table, table_typed = timed(typed)
    rate = n / t_table
    print(
        f"table mode, categorical columns: {t_table:6.2f} s = {rate:10,.0f} customers/s "
        f"(CPU {c_table:5.2f} s = {n / c_table:10,.0f} customers/s)  (target >= 1,000,000/s)"
    )
    same = table["next_date"].equals(table_typed["next_date"])
    print(f"both inputs give the same next dates: {same}")

    sample = customers.head(args.loop_sample)
    sample_calls = calls[calls["customer_id"].isin(set(sample["customer_id"]))]
    t0 = time.perf_counter()
    looped = per_row_loop(sample, sample_calls)
    t_loop = time.perf_counter() - t0
    loop_rate = len(sample) / t_loop
    print(
        f"per-row loop:   {t_loop:8.2f} s for {len(sample):,} customers = {loop_rate:12,.0f} customers/s "
        f"(projected {len(customers) / loop_rate:,.0f} s for all)"
    )
    print(f"ratio:          table mode is {rate / loop_rate:,.0f}x faster (target >= 50x)")
    small = followup_table(sample, sample_calls, "optometry", TODAY)["next_date"]
    agree = sum((pd.isna(a) and b is None) or (not pd.isna(a) and a.date() == b) for a, b in zip(small, looped))
    print(f"agreement:      {agree:,} / {len(sample):,} customers give the same next date in both")

    args1 = [
        ("A", dt.date(2026, 11, 3), 2, dt.date(2026, 11, 18), 0, "", "optometry", TODAY),
        ("D", "2026-11-01", 3, "2026-12-01", 0, None, "optometry", TODAY),
        ("C", 46351, 1, 46350.0, 1, "投诉", "optometry", TODAY),
    ]
    times = []
    for i in range(30_000):
        a = args1[i % 3]
        t0 = time.perf_counter_ns()
        next_followup(*a)
        times.append(time.perf_counter_ns() - t0)
    print(
        f"next_followup:  median {statistics.median(times) / 1000:.1f} µs per call "
        f"(p90 {sorted(times)[int(len(times) * 0.9)] / 1000:.1f} µs; target <= 20 µs)"
    )
    print(f"table status counts: {table['status'].value_counts().to_dict()}")


if __name__ == "__main__":
    main()
