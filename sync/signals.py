"""Ctrl-C and SIGTERM for the sync: one exception, and filing that a signal cannot split.

The CLI installs the handlers (`handling()`): SIGINT and SIGTERM raise `Interrupted` in the
main thread, an exception no library catches as an error (it is not an `Exception`, nor the
`KeyboardInterrupt` that typer turns into a silent exit code). The pipeline marks the moment
that files the report set as `critical(label)`: a signal that arrives there is held until the
set is filed, then raised with that label, so the CLI can say truthfully what state the report
folder is in ("untouched" before, "filed" after). Without the CLI's handlers (a library
caller) `critical` changes nothing.

Exit codes: 128 + the signal's number, as shells report it (SIGINT 130, SIGTERM 143).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

__all__ = ["Interrupted", "critical", "handling", "HANDLED"]

HANDLED = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)

_installed = False
_held = 0
_pending: int | None = None


class Interrupted(BaseException):
    """The run was stopped by a signal. `after`: the label of the last critical section that
    completed while the signal was held (e.g. "filed"), else None."""

    def __init__(self, signum: int, after: str | None = None):
        self.signum = int(signum)
        self.after = after
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _held:
        _pending = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def handling(restore: bool = True) -> Iterator[None]:
    """SIGINT/SIGTERM raise `Interrupted` while the block runs (main thread only; elsewhere, and
    where a handler cannot be set, nothing changes). The previous handlers come back after, or,
    with `restore=False` (the console script, whose process ends right after), the signals are
    ignored from then on: the work is done and its exit code is about to be returned."""
    global _installed, _pending
    if threading.current_thread() is not threading.main_thread() or _installed:
        yield
        return
    previous = {}
    for s in HANDLED:
        with contextlib.suppress(ValueError, OSError):
            previous[s] = signal.signal(s, _handler)
    _installed = True
    try:
        yield
    finally:
        _installed, _pending = False, None
        for s, h in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(s, h if restore else signal.SIG_IGN)


@contextlib.contextmanager
def critical(label: str) -> Iterator[None]:
    """A block that a signal does not interrupt: one arriving inside is raised when the block has
    completed, as `Interrupted(signum, after=label)`. An exception inside the block wins."""
    global _held, _pending
    _held += 1
    try:
        yield
    finally:
        _held -= 1
    if not _held and _pending is not None:
        signum, _pending = _pending, None
        raise Interrupted(signum, after=label)
