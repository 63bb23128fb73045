"""Masking benchmark (issue 26 item 4): CPU time to mask each of the worst 32,767-character cells
found (the largest text an Excel cell holds), best of 5, and the growth from 1/8 of the text.

    .venv/bin/python bench/masking.py

Prints figures measured in this one process (target: ≤ 10 ms per cell). Not a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakes.phone_forms import mask_cpu_ms, worst_cells  # noqa: E402

N = 32_767


def main() -> None:
    worst = 0.0
    for name, cell in worst_cells(N).items():
        full, eighth = mask_cpu_ms(cell), mask_cpu_ms(cell[: N // 8])
        worst = max(worst, full)
        print(f"{name:28s} {full:7.2f} ms  (1/8 of it: {eighth:6.2f} ms, ×{full / max(eighth, 1e-6):4.1f})")
    print(f"worst cell: {worst:.2f} ms (target ≤ 10 ms)")


if __name__ == "__main__":
    main()
