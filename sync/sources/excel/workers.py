"""Running the reader in worker processes, so that no workbook can end the sync.

python-calamine is native code: a hostile file can make it abort (SIGABRT), exhaust memory or
spin. Every workbook is therefore read in a worker process, never in the sync's own one:

- `run(fn, items, workers)` keeps up to `workers` processes, hands each one item at a time and
  returns the results in the items' order. A worker that dies on an item (a signal, an exit,
  the memory cap) or takes longer than `timeout` seconds on it gives a `Crash` for that item;
  it is replaced and the other items go on.
- Each worker's address space is capped (Linux: `MEMORY_CAP` bytes more than it holds when it
  starts): an allocation bomb in the reader fails in the worker, not on the machine.
- Workers end with the sync: on Linux the kernel kills them when the sync's process dies
  (`PR_SET_PDEATHSIG`, even on SIGKILL); elsewhere each watches its parent every half second.
  SIGINT (Ctrl+C reaches the whole process group) is ignored by the workers: the sync stops
  them itself — when `run` is left by any exception (KeyboardInterrupt, a SIGTERM turned into
  an exception), every worker is terminated and joined before the exception goes on.
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

__all__ = ["Crash", "run", "MEMORY_CAP", "FILE_TIMEOUT"]

MEMORY_CAP = 4 * 1024**3  # bytes of address space a worker may add to what it holds at its start
FILE_TIMEOUT = 900.0  # seconds one item may take before its worker is stopped
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Crash:
    """An item whose worker died (`signal` or `exitcode`) or ran out of time (`timeout`)."""

    exitcode: int | None = None
    signal: str | None = None
    timeout: bool = False

    def describe(self) -> tuple[str, str]:
        """(Chinese, English) description of what happened."""
        if self.timeout:
            return f"超过 {FILE_TIMEOUT:.0f} 秒仍未读完", f"still not read after {FILE_TIMEOUT:.0f} s"
        if self.signal:
            return f"读取程序异常终止(信号 {self.signal})", f"the reader was killed by {self.signal}"
        return f"读取程序异常退出(退出码 {self.exitcode})", f"the reader exited with code {self.exitcode}"


_STOP_SIGNALS = {getattr(signal, n) for n in ("SIGINT", "SIGTERM") if hasattr(signal, n)}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT/SIGTERM held while a worker is started: a handler that raises (the sync's) would
    otherwise fire inside fork's callbacks, where Python prints the exception and drops it (the
    sync would go on as if never stopped). Delivered as soon as the start is done."""
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _context() -> Any:
    """fork when this process has one thread (fast: the reader is already imported); else
    forkserver (forking a process with threads can deadlock the child) or spawn."""
    methods = mp.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" in methods:
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["followup.sync.sources.excel.source"])  # each worker starts warm
        return ctx
    return mp.get_context("spawn")


def _end_with_parent(parent: int | None) -> None:
    """Make this worker die with the process that started it (`parent`; None: this process's
    parent now, the fork server, which itself ends with the sync)."""
    parent = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
        else:
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _cap_memory(extra: int | None) -> None:
    """Cap this process's address space at its current size + `extra` bytes (Linux: /proc)."""
    if not extra:
        return
    try:
        import resource

        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = size + extra if hard == resource.RLIM_INFINITY else min(size + extra, hard)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError, AttributeError):
        pass  # not Linux: not capped


def _worker(conn: Connection, fn: Callable[..., Any], parent: int | None, cap: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGTERM"):  # the sync's own handler (an exception) is not the worker's
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # started with them held (_signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    faulthandler.disable()  # a crash is reported as the file's rejection, not as a stack dump
    _end_with_parent(parent)
    _cap_memory(cap)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, args = task
        conn.send((index, fn(*args)))


class _Worker:
    def __init__(self, ctx: Any, fn: Callable[..., Any], cap: int | None):
        self.conn, child = ctx.Pipe()
        parent = None if ctx.get_start_method() == "forkserver" else os.getpid()
        self.proc = ctx.Process(target=_worker, args=(child, fn, parent, cap), daemon=True)
        with _signals_held():
            self.proc.start()
        child.close()
        self.item: int | None = None
        self.since = 0.0

    def give(self, index: int, args: tuple) -> None:
        self.item, self.since = index, time.monotonic()
        self.conn.send((index, args))

    def stop(self, grace: float = 2.0) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(grace)
            if self.proc.is_alive():
                self.proc.kill()
        self.proc.join()
        self.conn.close()


def _crash_of(proc: Any) -> Crash:
    code = proc.exitcode
    if code is not None and code < 0:
        try:
            return Crash(exitcode=code, signal=signal.Signals(-code).name)
        except ValueError:
            return Crash(exitcode=code, signal=f"signal {-code}")
    return Crash(exitcode=code)


def run(
    fn: Callable[..., Any],
    items: Sequence[tuple],
    workers: int,
    on_done: Callable[[int], None] | None = None,
    *,
    timeout: float = FILE_TIMEOUT,
    memory_cap: int | None = MEMORY_CAP,
) -> list[Any]:
    """`fn(*item)` for every item in worker processes: the results (or a `Crash`) in item order.

    `fn` and the items' values must pickle (under the spawn start method, `fn` must be importable).
    `on_done(i)` is called in this process as item i completes, in completion order."""
    n = len(items)
    results: list[Any] = [None] * n
    if n == 0:
        return results
    ctx = _context()
    pending = list(range(n - 1, -1, -1))  # popped from the end: item 0 first
    pool: list[_Worker] = []
    left = n
    try:
        for _ in range(max(1, min(workers, n))):
            w = _Worker(ctx, fn, memory_cap)
            pool.append(w)
            i = pending.pop()
            w.give(i, items[i])
        while left:
            busy = [w for w in pool if w.item is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for w in busy:
                done: Any = None
                if w.conn in ready:
                    try:
                        index, done = w.conn.recv()
                    except (EOFError, OSError):
                        w.proc.join(5)
                        done = _crash_of(w.proc)
                elif w.proc.sentinel in ready:
                    w.proc.join()
                    done = _crash_of(w.proc)
                elif now - w.since > timeout:
                    done = Crash(timeout=True)
                else:
                    continue
                index = w.item
                assert index is not None
                results[index], w.item, left = done, None, left - 1
                if on_done is not None:
                    on_done(index)
                if isinstance(done, Crash):  # the worker is gone or stuck: a fresh one takes its place
                    w.stop(grace=0.5)
                    pool.remove(w)
                    if pending:
                        w = _Worker(ctx, fn, memory_cap)
                        pool.append(w)
                if pending:
                    i = pending.pop()
                    w.give(i, items[i])
    finally:
        for w in pool:
            if w.item is None and w.proc.is_alive():
                with contextlib.suppress(OSError):
                    w.conn.send(None)
        for w in pool:
            w.stop()
    return results
