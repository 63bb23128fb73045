"""HTTP requests per Google Sheets sync, against the loopback fake (no Google account needed).

    .venv/bin/python bench/gsheets.py [--customers 10] [--sizes 1,10,100]

The sync runs through the `Source` port (`GoogleSheetsSource`: read, compute, write back), as
`run_sync` runs it. For 1, 10 and 100 spreadsheets: the requests of a first sync (every
spreadsheet changed: read + one write creating the plan tab), of the next one (each reads once
what its own write changed), of a sync after an agent's edit in every spreadsheet (read + write),
of an unchanged one, and of a naive gspread loop (open + update_cell per computed cell) writing
the same values. Target: ≤ 2 per changed spreadsheet, 0 per unchanged, plus one Drive listing.
"minutes at 60/min" is what the per-credential quota makes of each figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fakes.gsheets_data import NOW, fake_client, port, store_book, sync_once  # noqa: E402
from fakes.gsheets_server import FakeGoogle  # noqa: E402

from followup.udfs.schema import COMPUTED_COLUMNS  # noqa: E402


def ours(n: int, customers: int) -> tuple[int, int, int, int]:
    """(first sync, the sync reading what that one wrote, a sync after an agent's edit in every
    spreadsheet, an unchanged one once that write was read back)."""
    with FakeGoogle() as g, tempfile.TemporaryDirectory() as state:
        keys = [g.add_spreadsheet(f"店{i}", store_book(i, n_customers=customers)) for i in range(n)]
        counts = []
        for step in range(5):
            if step == 2:
                for k in keys:  # an agent changes a purchase date: the sheet changes, its plan too
                    g.agent_edit(k, "客户", lambda rows: rows[1].__setitem__(rows[0].index("购买日期"), 46300))
            g.reset_counts()
            sync_once(port(g, keys, Path(state)))
            counts.append(g.count())
        return counts[0], counts[1], counts[2], counts[4]  # counts[3]: reading step 2's write back


def naive(n: int, customers: int) -> int:
    """The loop people write first: open each spreadsheet, update_cell for every computed cell."""
    with FakeGoogle() as g:
        keys = [g.add_spreadsheet(f"店{i}", store_book(i, n_customers=customers, computed="typed")) for i in range(n)]
        src = port(g, keys, None)
        read = src.read(NOW)  # the same values to write
        from followup.sync.result import SyncResult, compute_tables

        result = SyncResult(NOW.date(), NOW, read, Path("."))
        compute_tables(result, src.config)
        c = fake_client(g)
        g.reset_counts()
        for key in keys:
            ws = c.open_by_key(key).worksheet("客户")
            grid = ws.get_all_values()
            head = grid[0]
            first = head.index(list(COMPUTED_COLUMNS.values())[0]) + 1
            row_of = {r[head.index("客户编号")]: i + 1 for i, r in enumerate(grid)}
            store = grid[1][head.index("门店")]
            for rec in result.tables[store].to_dict("records"):
                for j, k in enumerate(COMPUTED_COLUMNS):
                    v = rec.get(k)
                    ws.update_cell(row_of[rec["customer_id"]], first + j, "" if v is None or v != v else str(v))
        return g.count()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=10, help="customers per spreadsheet")
    ap.add_argument("--sizes", default="1,10,100")
    a = ap.parse_args(argv)
    print(
        f"{'spreadsheets':>12} {'first':>6} {'re-read':>7} {'changed':>8} {'per sheet':>9} {'unchanged':>9} "
        f"{'naive':>8} {'naive min@60/min':>16} {'seconds':>8}"
    )
    for n in (int(x) for x in a.sizes.split(",")):
        t0 = time.perf_counter()
        first, reread, changed, unchanged = ours(n, a.customers)
        slow = naive(n, a.customers)
        print(
            f"{n:>12} {first:>6} {reread:>7} {changed:>8} {(changed - 1) / n:>9.2f} {unchanged:>9} {slow:>8} "
            f"{slow / 60:>16.1f} {time.perf_counter() - t0:>8.1f}"
        )
    print(
        "every figure includes the one Drive listing. first = first sync (read; one write: the plan tab "
        "created and filled); re-read = the next sync reading once what its own write changed; changed = "
        "after an agent's edit in every sheet (read, write); unchanged = nothing moved (the listing only); "
        "naive = open_by_key + get_all_values + "
        f"update_cell × {len(COMPUTED_COLUMNS)} computed cells × customers"
    )


if __name__ == "__main__":
    main()
