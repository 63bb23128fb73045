"""The demo workspace: `run` (`followup demo`: config + three store workbooks, then a sync),
`data` (seeded store sheets and workbooks, also used by the benchmarks and tests), `crm` (the
demo's 投诉 / 常见问题 sheets)."""

from .data import store_sheets, write_store_workbook
from .run import DEMO_NOW, DEMO_STORES, run_demo, write_demo

__all__ = ["DEMO_NOW", "DEMO_STORES", "run_demo", "write_demo", "store_sheets", "write_store_workbook"]
