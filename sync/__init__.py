"""The weekly sync: sources → pipeline → reports, and the `followup` command.

    from followup.sync import FakeSource, load_config, run_sync, sources_for
    result = run_sync(load_config("followup.toml"), now)        # SyncResult

Top level: `pipeline` (run_sync, read_all), `result` (SyncResult, the computed tables and the
reports' context), `model` (ReadResult, StoreData, Rejection), `merge`, `deadline`, `weekstats`,
`today` / `today_books` (the agents' day list and day books). Subpackages: `config` (the TOML
file), `sources` (the port: `Source`, `FakeSource`, `sources_for`; `excel/`, `gsheets/`),
`validate` (cells → validated `StoreData`), `reports` (weekly, gift, monthly, ledger, filing,
xlsx output), `crm` (complaints, FAQ, SMS export, feedback form), `cli` and `demo`.
The names below are loaded on first use: importing `followup.sync` loads nothing else.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import Config, ConfigError, load_config
    from .model import ReadResult, Rejection, StoreData
    from .pipeline import NothingReadError, SyncLocked, read_all, run_sync
    from .result import SyncResult
    from .sources import FakeSource, Source, WritesBack, sources_for

__all__ = [
    "run_sync",
    "read_all",
    "SyncLocked",
    "NothingReadError",
    "SyncResult",
    "ReadResult",
    "StoreData",
    "Rejection",
    "Config",
    "ConfigError",
    "load_config",
    "Source",
    "WritesBack",
    "FakeSource",
    "sources_for",
]

# Imported on first use, so importing the package (or one of its modules) loads no more than it needs.
_WHERE = {
    "run_sync": "pipeline",
    "read_all": "pipeline",
    "SyncLocked": "pipeline",
    "NothingReadError": "pipeline",
    "SyncResult": "result",
    "ReadResult": "model",
    "StoreData": "model",
    "Rejection": "model",
    "Config": "config",
    "ConfigError": "config",
    "load_config": "config",
    "Source": "sources",
    "WritesBack": "sources",
    "FakeSource": "sources",
    "sources_for": "sources",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
