"""Fine-grained progress (one workbook read, one report written) without threading a callback
through every reader: the CLI installs a sink with `reporting(fn)`, deep code calls `report`.

    with reporting(lambda step, i, n, detail: ...):
        run_sync(...)          # read_sources calls report("read_file", 3, 6, "一店.xlsx")

Nothing happens when no sink is installed (library use, tests).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar

__all__ = ["reporting", "report", "Sink"]

Sink = Callable[[str, int, int, str], None]
_SINK: ContextVar[Sink | None] = ContextVar("followup_progress", default=None)


@contextlib.contextmanager
def reporting(sink: Sink) -> Iterator[None]:
    token = _SINK.set(sink)
    try:
        yield
    finally:
        _SINK.reset(token)


def report(step: str, i: int, n: int, detail: str = "") -> None:
    sink = _SINK.get()
    if sink is not None:
        sink(step, i, n, detail)
