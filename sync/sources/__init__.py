"""Sources as an explicit port (`base`: the `Source` protocol, `FakeSource`, `sources_for`): the
Excel workbooks (`excel/`) and Google Sheets (`gsheets/`), both turning cells into the same
`StoreData` through `followup.sync.validate.parse_workbook`. Adapters are imported only when a
configured source needs them."""

from .base import FakeSource, Source, WritesBack, read_sources, sources_for, write_back

__all__ = ["Source", "WritesBack", "FakeSource", "sources_for", "read_sources", "write_back"]
