"""The bounds a workbook must stay within and the guard's refusals (shared by `guard` and `biff`;
import them from `guard`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ReadLimits", "Refused", "LimitExceeded", "Unsupported"]


@dataclass(frozen=True)
class ReadLimits:
    """Bounds a workbook must stay within to be read (config `[limits]`)."""

    max_cells: int = 10_000_000  # per sheet: rows × columns of its used range
    max_uncompressed_mb: int = 500  # all parts of the zip together, as declared
    max_compression_ratio: int = 200  # per part over 1 MB: uncompressed / compressed


class LimitExceeded(Exception):
    """The guard refuses the file; the message (Chinese first, then English) says why and the fix.

    Every refusal is one (callers that catch it, such as the ledger's reader, catch them all);
    `Refused` is the same class under its general name."""


Refused = LimitExceeded


class Unsupported(LimitExceeded):
    """A file the tool does not read: not a regular file, .xlsb, OpenDocument, another zip."""
