"""Fault injection for the filing: SIGKILL this process at the n-th filing checkpoint.

`install(n)` replaces `followup.sync.reports.filing.checkpoint` (a function that does nothing in
production, called between every two file-system steps of a filing) with one that counts its
calls and kills the process at call n. As a script it is the `followup` command with the hook
installed first, for a real subprocess (tests/integration/test_filing_kill.py):

    python tests/fakes/kill_at.py N sync --source … --out …
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable

import followup.sync.reports.filing as filing


def install(n: int) -> Callable[[str], None]:
    """Replace the filing's checkpoint by one that SIGKILLs this process at its n-th call."""
    calls = 0

    def checkpoint(step: str = "") -> None:
        nonlocal calls
        calls += 1
        if calls == n:
            os.kill(os.getpid(), signal.SIGKILL)

    filing.checkpoint = checkpoint
    return checkpoint


if __name__ == "__main__":
    install(int(sys.argv[1]))
    from followup.sync.cli.entry import main

    sys.exit(main(sys.argv[2:]))
