"""The Excel source: `source.ExcelSource` reads the store workbooks (never writes them) —
`files` finds them and names their lock files, `guard` bounds a workbook before it is read,
`read` reads one with python-calamine; `read_sources(paths)` reads files or folders straight into
one `ReadResult`."""

from .source import ExcelSource, read_sources

__all__ = ["ExcelSource", "read_sources"]
