"""The one list of source kinds: adding a source is its module plus one line here.

    SourceKind("excel", "followup.sync.sources.excel.source:ExcelSource", paths=("excel",))

- `key`: its list under the config's `[sources]` (`config.sources.<key>`: workbooks,
  spreadsheet keys, …); the source is built only when that list is not empty, and its items are
  what a run that read nothing says it looked at.
- `factory`: "module:Class", imported only when the kind is configured (an Excel-only run does
  not load gspread); `Class.from_config(config, **options)` builds it.
- `paths`: the `[sources]` keys holding file paths, resolved against the config file's folder
  by `followup.sync.config.load_config`.
- `progress`: `from_config` takes `progress=`, the run's progress callback (`run_sync(progress=…)`,
  called `progress(step, i, n, detail)`), to tell of each file or spreadsheet read.

A kind's config key may be a typed field of `followup.sync.config.sections.Sources` (excel,
gsheets); a kind without one gets its list of strings in `Sources.more` (`Sources.items(key)`
reads either), so a new kind needs no edit of the config models.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

__all__ = ["SourceKind", "SOURCES", "configured", "looked_at", "source_paths"]


@dataclass(frozen=True)
class SourceKind:
    key: str
    factory: str
    paths: tuple[str, ...] = ()
    progress: bool = False

    def load(self) -> Any:
        """The source class (imported now)."""
        module, _, name = self.factory.partition(":")
        return getattr(importlib.import_module(module), name)


SOURCES: tuple[SourceKind, ...] = (
    SourceKind("excel", "followup.sync.sources.excel.source:ExcelSource", paths=("excel",), progress=True),
    SourceKind(
        "gsheets",
        "followup.sync.sources.gsheets.connector:GoogleSheetsSource",
        paths=("service_account", "oauth_client"),
        progress=True,
    ),
)


def _items(sources_config: Any, kind: SourceKind) -> list[Any]:
    return list(sources_config.items(kind.key))


def configured(sources_config: Any) -> list[SourceKind]:
    """The kinds the config's `[sources]` names, in reading order (the order of SOURCES)."""
    return [kind for kind in SOURCES if _items(sources_config, kind)]


def looked_at(sources_config: Any) -> list[str]:
    """Every workbook, folder or spreadsheet the `[sources]` names (for messages)."""
    return [str(item) for kind in SOURCES for item in _items(sources_config, kind)]


def source_paths() -> tuple[str, ...]:
    """The `[sources]` keys that hold file paths."""
    return tuple(key for kind in SOURCES for key in kind.paths)
