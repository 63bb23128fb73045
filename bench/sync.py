"""Benchmark of the weekly sync (a script, not a test).

Generates 50 store workbooks (100,000 customers, ~500,000 call rows in all) in a temp folder,
then times, in the same process:
  1. a plain `pandas.read_excel(f, sheet_name=None, engine="calamine")` of every file, and
  2. the full sync (read + validate + follow-up tables + quotas + three reports + ledger).
Prints the seconds, the ratio (target ≤ 1.5×), the time per sync step and the peak memory
(resource maxrss; target ≤ 1 GB).

    .venv/bin/python bench/sync.py [--stores 50] [--customers 2000] [--calls 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path


def _days(n_calls_per_store: int, per_day: int) -> list[dt.date]:
    from followup.udfs.callwindow import is_working_day

    days, d = [], dt.date(2026, 11, 22)
    while len(days) * per_day < n_calls_per_store:
        if is_working_day(d):
            days.append(d)
        d -= dt.timedelta(days=1)
    return sorted(days)


def generate(folder: Path, stores: int, customers: int, calls: int) -> list[Path]:
    from followup.sync.demo import store_sheets, write_store_workbook

    per_day = 80
    days = _days(calls, per_day)
    paths = []
    for i in range(1, stores + 1):
        sheets = store_sheets(
            f"门店{i:02d}",
            i,
            str(1 + i % 4),
            n_customers=customers,
            call_days=days,
            calls_per_day=per_day,
            n_gifts=200,
            seed=1000 + i,
        )
        sheets["回访记录"] = sheets["回访记录"][: calls + 1]
        paths.append(write_store_workbook(folder / f"门店{i:02d}.xlsx", sheets))
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stores", type=int, default=50)
    ap.add_argument("--customers", type=int, default=2000, help="per store")
    ap.add_argument("--calls", type=int, default=10000, help="per store")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = ap.parse_args(argv)

    import pandas as pd

    from followup.sync import run_sync
    from followup.sync.config import Config

    tmp = tempfile.TemporaryDirectory(prefix="followup-bench-")
    root = args.keep or Path(tmp.name)
    src = root / "stores"
    src.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    files = (
        sorted(src.glob("*.xlsx"))
        if args.keep and any(src.glob("*.xlsx"))
        else generate(src, args.stores, args.customers, args.calls)
    )
    print(f"workbooks: {len(files)} in {src} (generated in {time.perf_counter() - t:.1f}s)")

    t = time.perf_counter()
    rows = 0
    for f in files:
        rows += sum(len(df) for df in pd.read_excel(f, sheet_name=None, engine="calamine").values())
    t_read = time.perf_counter() - t
    print(f"pandas.read_excel (calamine): {t_read:.2f}s for {rows:,} rows")

    marks: list[tuple[str, float]] = []
    config = Config.default(sources=[src], out=root / "reports")
    t = time.perf_counter()

    def mark(step: str, i: int, n: int, detail: str = "") -> None:
        if step != "read_file":  # the steps only, not each workbook read
            marks.append((step, time.perf_counter()))

    result = run_sync(config, dt.datetime(2026, 11, 23, 9, 30), progress=mark)
    t_sync = time.perf_counter() - t
    used = sum(result.read.rows_used.values())
    print(f"full sync: {t_sync:.2f}s ({used:,} rows used, {len(result.rejections)} rejections)")
    prev = t
    for step, at in marks:
        print(f"  {step:<8} starts at +{at - t:6.2f}s (previous step {at - prev:6.2f}s)")
        prev = at
    ratio = t_sync / t_read if t_read else float("inf")
    unit = 1024 * (1024 if sys.platform == "darwin" else 1)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / unit
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / unit  # the largest worker
    from followup.sync.sources.excel.source import _workers

    workers = _workers(len(list((root / "stores").glob("*.xlsx"))))
    peak_mb = main_mb + (workers * child_mb if workers > 1 else 0)
    print(f"ratio sync / read_excel: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER'}")
    print(f"peak memory: main process {main_mb:,.0f} MB, largest of {workers} reader process(es) {child_mb:,.0f} MB")
    print(
        f"peak memory, all processes at once (upper bound): {peak_mb:,.0f} MB (target <= 1024 MB) "
        f"{'OK' if peak_mb <= 1024 else 'OVER'}"
    )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
