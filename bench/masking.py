"""Masking benchmark (issue 26 item 4): CPU time to mask each of the worst 32,767-character cells
found (the largest text an Excel cell holds), best of 5, and the growth from 1/8 of the text.

    .venv/bin/python bench/masking.py

Prints figures measured in this one process (target: ≤ 10 ms per cell). Not a test.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.phone_forms import worst_cells  # noqa: E402

from followup.udfs.privacy import mask_phones_in_text  # noqa: E402

N = 32_767


def cpu_ms(text: str, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.thread_time()
        mask_phones_in_text(text)
        best = min(best, time.thread_time() - t)
    return best * 1000


def main() -> None:
    worst = 0.0
    for name, cell in worst_cells(N).items():
        full, eighth = cpu_ms(cell), cpu_ms(cell[: N // 8])
        worst = max(worst, full)
        print(f"{name:28s} {full:7.2f} ms  (1/8 of it: {eighth:6.2f} ms, ×{full / max(eighth, 1e-6):4.1f})")
    print(f"worst cell: {worst:.2f} ms (target ≤ 10 ms)")


if __name__ == "__main__":
    main()
