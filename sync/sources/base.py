"""Sources as an explicit port: what the sync reads from, passed in rather than registered.

    sources = sources_for(config)                       # the configured ones (Excel, Google Sheets)
    result = run_sync(config, now, sources=sources)     # or sources=None: sources_for(config)
    result = run_sync(config, now, sources=[FakeSource(read_result)])   # tests, other callers

A `Source` has a `name` and `read(now) -> ReadResult` (now: the sync's local time, aware, or
None). A source that keeps computed columns in the source itself (Google Sheets; Excel workbooks
compute their own) also has `write_back(result) -> list[Rejection]`, which the pipeline calls
right after the follow-up tables are computed (`result.tables`); what it returns joins the run's
rejections. Whatever a source must remember between `read` and `write_back` lives on the
source instance: nothing is registered, installed or kept in a module.

`sources_for(config)` builds the real sources from `config.sources`, through the one list of
source kinds (`registry.SOURCES`); a kind's module is imported only when it is configured
(gspread is not loaded for an Excel-only run).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from followup.sync.model import ReadResult, Rejection, StoreData

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["Source", "WritesBack", "FakeSource", "sources_for", "read_sources", "write_back"]


@runtime_checkable
class Source(Protocol):
    """Something the sync reads stores from."""

    name: str

    def read(self, now: dt.datetime | None) -> ReadResult:
        """Every store this source holds, validated; problems as located rejections (never raise
        for user data or an unreachable file/service: the other sources go on)."""
        ...


@runtime_checkable
class WritesBack(Protocol):
    """The optional half of a source: write the computed columns back after the computation."""

    def write_back(self, result: Any) -> list[Rejection]:
        """`result`: the run's `SyncResult` (its `tables`: store → followup_table). Returns the
        problems met (they are added to the run's rejections)."""
        ...


class FakeSource:
    """A source that returns what it was given and records what it was asked: for tests and for
    library callers whose data is already in memory.

        FakeSource(read_result)                   # a ReadResult (e.g. from parse_workbook)
        FakeSource(store_a, store_b)              # StoreData: rows read = rows used, per sheet
        FakeSource(store, write_back=[rejection]) # also a write-back source returning these

    `reads` lists the `now` of every read; `written` the results passed to `write_back` (only
    when `write_back` was given; otherwise the source has no write-back at all, like Excel).
    """

    def __init__(
        self, *data: ReadResult | StoreData, name: str = "fake", write_back: Iterable[Rejection] | None = None
    ):
        self.name = name
        self._result = ReadResult()
        for item in data:
            self._result.extend(item if isinstance(item, ReadResult) else _as_read(item))
        self.reads: list[dt.datetime | None] = []
        self.written: list[Any] = []
        if write_back is not None:
            self._write_back = list(write_back)
            self.write_back = self._record_write_back  # present only on a write-back fake

    def read(self, now: dt.datetime | None) -> ReadResult:
        self.reads.append(now)
        return copy.deepcopy(self._result)  # the pipeline may change what it is given

    def _record_write_back(self, result: Any) -> list[Rejection]:
        self.written.append(result)
        return list(self._write_back)


def _as_read(store: StoreData) -> ReadResult:
    out = ReadResult(stores=[store])
    for sheet, frame in (("客户", store.customers), ("回访记录", store.calls), ("礼品", store.gifts)):
        if len(frame):
            out.rows_read[(store.origin, sheet)] = out.rows_used[(store.origin, sheet)] = len(frame)
            out.rows_rejected[(store.origin, sheet)] = 0
    return out


def sources_for(
    config: Config,
    *,
    gsheets_client: Callable[[Any], Any] | None = None,
    progress: Callable[..., None] | None = None,
) -> list[Source]:
    """The sources `config.sources` names, in the order of `registry.SOURCES` (Excel workbooks,
    then Google Sheets); each kind's module is imported only when it is configured.

    `gsheets_client(config) -> gspread.Client` replaces the client the config asks for
    (`gsheets.client.client_for`), e.g. one talking to the loopback fake in tests. `progress`: the
    run's progress callback, given to the kinds that report their files (`SourceKind.progress`)."""
    from .registry import configured

    options: dict[str, dict[str, Any]] = {"gsheets": {"client_factory": gsheets_client}} if gsheets_client else {}
    out = []
    for kind in configured(config.sources):
        kw = dict(options.get(kind.key, {}))
        if kind.progress and progress is not None:
            kw["progress"] = progress
        out.append(kind.load().from_config(config, **kw))
    return out


def read_sources(sources: Iterable[Source], now: dt.datetime | None = None) -> ReadResult:
    """Read every source in turn; duplicates across sources become rejections (`dedupe`)."""
    from followup.sync.validate.dedupe import dedupe

    out = ReadResult()
    for source in sources:
        out.extend(source.read(now))
    dedupe(out)
    return out


def write_back(sources: Iterable[Source], result: Any) -> None:
    """Each source with a write-back writes its computed columns; problems join the result's."""
    for source in sources:
        write = getattr(source, "write_back", None)
        if callable(write):
            result.extra_rejections.extend(write(result))
