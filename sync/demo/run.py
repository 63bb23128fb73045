"""`followup demo`: a demo workspace (config + three store workbooks) and a sync on it.

The demo's week is 2026-11-16…22 (`11月第3周`); the sync runs at 2026-11-23 09:30 Asia/Shanghai
unless told otherwise, so it files `11月第3周客户回访记录单.xlsx`, `11月第3周礼品回访记录单.xlsx`
and `11月客户回访汇总表.xlsx` on time. Everything is seeded: the same files every time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .crm import add_crm_sheets
from .data import store_sheets, write_store_workbook

__all__ = ["DEMO_NOW", "DEMO_STORES", "write_demo", "run_demo"]

DEMO_NOW = dt.datetime(2026, 11, 23, 9, 30)
# name, group, small, customers, calls per working day, gifts
DEMO_STORES = [("一店", "2", False, 600, 100, 30), ("二店", "1", False, 400, 60, 20), ("三店", "1", True, 80, 4, 8)]

_CONFIG = """# followup demo config (SPEC §4.3)
playbook = "optometry"
report_dir = "reports"
timezone = "Asia/Shanghai"
lang = "{lang}"
submitter = "客服中心"

[sources]
excel = ["stores"]

[penalty]
first = 10
factor = 2
window_days = 365
"""


def _working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    from followup.udfs.callwindow import is_working_day

    days, d = [], start
    while d <= end:
        if is_working_day(d):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def write_demo(folder: Path, lang: str = "zh") -> Path:
    """Write `followup.toml` and `stores/*.xlsx` into `folder`; returns the config path."""
    folder = Path(folder)
    stores_dir = folder / "stores"
    stores_dir.mkdir(parents=True, exist_ok=True)
    days = _working_days(dt.date(2026, 11, 2), dt.date(2026, 11, 22))
    text = _CONFIG.format(lang=lang)
    for i, (name, group, small, n_cust, per_day, n_gifts) in enumerate(DEMO_STORES, start=1):
        text += f'\n[[stores]]\nname = "{name}"\ngroup = "{group}"\nsmall = {"true" if small else "false"}\n'
        sheets = store_sheets(
            name,
            i,
            group,
            n_customers=n_cust,
            call_days=days,
            calls_per_day=per_day,
            n_gifts=n_gifts,
            seed=20261116 + i,
        )
        add_crm_sheets(sheets, name, i)  # 投诉, 常见问题 and an SMS exclusion (seed 001 CRM items)
        write_store_workbook(stores_dir / f"{name}.xlsx", sheets)
    cfg = folder / "followup.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def run_demo(folder: Path, now: dt.datetime | None = None, lang: str = "zh", progress=None):
    """Write the demo workspace and sync it; returns (config, SyncResult)."""
    from followup.sync.config import load_config
    from followup.sync.pipeline import run_sync

    cfg_path = write_demo(folder, lang)
    config = load_config(cfg_path)
    return config, run_sync(config, now or DEMO_NOW, None, progress)
