"""Benchmark of the weekly sync (a script, not a test).

Generates 50 store workbooks (100,000 customers, ~500,000 call rows in all) in a temp folder,
then times, side by side in the same process:
  1. a plain python-calamine read of every sheet of every file (one process, no pandas): the
     floor any sync's read step stands on,
  2. `pandas.read_excel(f, sheet_name=None, engine="calamine")` of every file, and
  3. the full sync (read + validate + follow-up tables + quotas + three reports + ledger).
Prints the seconds (wall clock, and CPU seconds of this process and its workers), the ratio of
the sync to each read (target: ≤ 1.5x the plain calamine read), each sync step's time and share,
and the peak memory (resource maxrss; target ≤ 1 GB). `--repeat N` runs each measurement N
times and keeps the best: on a loaded machine only the ratios of one run mean much, and the
load average is printed with them.

    .venv/bin/python bench/sync.py [--stores 50] [--customers 2000] [--calls 10000] [--repeat 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
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


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the reader workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _best(repeat: int, run: Callable[[int], object]) -> tuple[float, float, object]:
    """(best wall seconds, CPU seconds of that run, its result) over `repeat` runs."""
    best: tuple[float, float, object] | None = None
    for i in range(repeat):
        w, c = time.perf_counter(), _cpu()
        out = run(i)
        w, c = time.perf_counter() - w, _cpu() - c
        if best is None or w < best[0]:
            best = (w, c, out)
    assert best is not None
    return best


def plain_calamine(files: list[Path]) -> int:
    """Every sheet of every file read to Python lists by python-calamine: the rows read."""
    import python_calamine as calamine

    rows = 0
    for f in files:
        book = calamine.CalamineWorkbook.from_path(str(f))
        for name in book.sheet_names:
            rows += len(book.get_sheet_by_name(name).to_python())
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--stores", type=int, default=50)
    ap.add_argument("--customers", type=int, default=2000, help="per store")
    ap.add_argument("--calls", type=int, default=10000, help="per store")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each measurement; the best is kept")
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
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    t_raw, c_raw, raw_rows = _best(args.repeat, lambda i: plain_calamine(files))
    print(f"plain python-calamine read:   {t_raw:6.2f}s (CPU {c_raw:6.2f}s) for {raw_rows:,} rows, one process")

    def read_pandas(i: int) -> int:
        return sum(len(df) for f in files for df in pd.read_excel(f, sheet_name=None, engine="calamine").values())

    t_read, c_read, rows = _best(args.repeat, read_pandas)
    print(f"pandas.read_excel (calamine): {t_read:6.2f}s (CPU {c_read:6.2f}s) for {rows:,} rows")

    def sync(i: int) -> tuple[object, list[tuple[str, float]], float]:
        marks: list[tuple[str, float]] = []

        def mark(step: str, j: int, n: int, detail: str = "") -> None:
            if step != "read_file":  # the steps only, not each workbook read
                marks.append((step, time.perf_counter()))

        config = Config.default(sources=[src], out=root / f"reports-{i}")
        start = time.perf_counter()
        result = run_sync(config, dt.datetime(2026, 11, 23, 9, 30), progress=mark)
        return result, marks, start

    t_sync, c_sync, (result, marks, start) = _best(args.repeat, sync)
    used = sum(result.read.rows_used.values())
    print(
        f"full sync:                    {t_sync:6.2f}s (CPU {c_sync:6.2f}s) ({used:,} rows used, {len(result.rejections)} rejections)"
    )
    for (step, at), (_, end) in zip(marks, marks[1:]):
        print(f"  {step:<8} {end - at:6.2f}s  {100 * (end - at) / t_sync:5.1f}% of the sync")
    ratio = t_sync / t_raw if t_raw else float("inf")
    print(f"ratio sync / plain calamine read: {ratio:.2f}x (target <= 1.5x) {'OK' if ratio <= 1.5 else 'OVER'}")
    print(f"ratio sync / pandas.read_excel:   {t_sync / t_read if t_read else float('inf'):.2f}x")
    print(
        f"ratio of CPU seconds, sync (all processes) / plain calamine read: {c_sync / c_raw if c_raw else float('inf'):.2f}x"
    )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    unit = 1024 * (1024 if sys.platform == "darwin" else 1)
    main_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / unit
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / unit  # the largest worker
    from followup.sync.sources.excel.source import _workers

    workers = _workers(len(files))
    peak_mb = main_mb + (workers * child_mb if workers > 1 else 0)
    print(f"peak memory: main process {main_mb:,.0f} MB, largest of {workers} reader process(es) {child_mb:,.0f} MB")
    print(
        f"peak memory, all processes at once (upper bound): {peak_mb:,.0f} MB (target <= 1024 MB) "
        f"{'OK' if peak_mb <= 1024 else 'OVER'}"
    )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
