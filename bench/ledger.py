"""Benchmark of reading a large submission ledger (a script, not a test).

Writes a ledger of `--rows` filings (default 10⁶) with XlsxWriter's constant-memory mode into a
temp folder, then, in a fresh interpreter, loads it with `reports.ledger.Ledger` and prints the
seconds and the peak memory (resource maxrss) of that interpreter.

    .venv/bin/python bench/ledger.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = [
    "提交人",
    "报表",
    "期间",
    "提交时间",
    "截止时间",
    "逾期分钟",
    "罚款(元)",
    "首次提交",
    "修订次数",
    "备注",
    "年份",
    "内容校验",
]


def write_ledger(path: Path, rows: int) -> None:
    import hashlib

    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("提交记录")
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, HEADERS)
    start = dt.datetime(2000, 1, 3, 11, 0)
    for i in range(rows):
        filed = start + dt.timedelta(minutes=7 * i)
        deadline = filed.replace(hour=12, minute=0, second=0)
        late = max(0, int((filed - deadline).total_seconds() // 60))
        r = i + 1
        ws.write_string(r, 0, f"坐席{i % 50}")
        ws.write_string(r, 1, f"{filed.month}月第{1 + i % 4}周客户回访记录单-{i}.xlsx")
        ws.write_string(r, 2, f"{filed:%Y}-W{1 + i % 52:02d}")
        ws.write_datetime(r, 3, filed, when)
        ws.write_datetime(r, 4, deadline, when)
        ws.write_number(r, 5, late)
        ws.write_number(r, 6, 10 if late else 0)
        ws.write_datetime(r, 7, filed, when)
        ws.write_number(r, 8, 1)
        ws.write_string(r, 9, "")
        ws.write_number(r, 10, filed.year)
        ws.write_string(r, 11, hashlib.sha256(str(i).encode()).hexdigest())
    wb.close()


_LOAD = """
import resource, sys, time
from pathlib import Path
from followup.sync.reports.ledger import Ledger
t = time.perf_counter()
led = Ledger(Path(sys.argv[1]))
s = time.perf_counter() - t
print(f"rows {len(led.rows):,}  damaged {led.damaged!r}  problems {len(led.problems)}")
print(f"load {s:.1f} s  peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, default=None, help="write/keep the ledger in this folder")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "提交记录.xlsx"
        if not path.exists():
            t = time.perf_counter()
            write_ledger(path, args.rows)
            print(f"wrote {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
        subprocess.run([sys.executable, "-c", _LOAD, str(path)], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
