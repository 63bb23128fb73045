"""Between grids and the rest of followup: parse a spreadsheet's grids into `StoreData`, and the
default compute of a store's followup_table (the path `GSheetsSource.sync` takes)."""
from __future__ import annotations

import datetime as dt
from typing import Callable

import pandas as pd

from followup.sync.model import ReadResult, StoreData
from followup.udfs.schema import (CALL_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS, GIFT_COLUMNS, SETTINGS_KEYS, SHEETS,
                                  canonical)

from .cells import cell_text

__all__ = ["parser", "basic_parse", "default_compute"]


def parser():
    try:
        from followup.sync.validate import parse_workbook
        return parse_workbook
    except ImportError:  # until sync/validate.py lands: a plain header-mapping reader
        return basic_parse


def default_compute(playbook: str | None = None) -> Callable[[StoreData, dt.date], pd.DataFrame]:
    def compute(store: StoreData, today: dt.date) -> pd.DataFrame:
        from followup.udfs.table import followup_table
        customers = store.customers.drop(columns=[c for c in store.customers.columns if str(c).startswith("_")],
                                         errors="ignore")
        calls = store.calls.drop(columns=[c for c in store.calls.columns if str(c).startswith("_")], errors="ignore")
        return followup_table(customers, calls, store.playbook or playbook or "optometry", today)
    return compute


def basic_parse(sheets: dict[str, list[list]], origin: str, playbook=None, now=None) -> ReadResult:
    """Stand-in for `followup.sync.validate.parse_workbook`: map headers, keep every row."""
    res = ReadResult()
    frames = {}
    for key, cols in (("customers", {**CUSTOMER_COLUMNS, **FACT_COLUMNS}), ("calls", CALL_COLUMNS),
                      ("gifts", GIFT_COLUMNS)):
        grid = sheets.get(SHEETS[key], [])
        head = [canonical(cols, h) for h in (grid[0] if grid else [])]
        records = []
        for i, row in enumerate(grid[1:], start=2):
            if not any(cell_text(v).strip() for v in row):
                continue
            rec = {k: (row[j] if j < len(row) and row[j] != "" else None) for j, k in enumerate(head) if k}
            rec["_row"] = i
            records.append(rec)
        frames[key] = pd.DataFrame(records, columns=[k for k in head if k] + ["_row"])
        res.rows_read[(origin, SHEETS[key])] = res.rows_used[(origin, SHEETS[key])] = len(records)
        res.rows_rejected[(origin, SHEETS[key])] = 0
    settings = {}
    for row in sheets.get(SHEETS["settings"], []):
        if len(row) >= 2 and cell_text(row[0]).strip():
            k = canonical(SETTINGS_KEYS, row[0]) or cell_text(row[0]).strip()
            settings[k] = cell_text(row[1]).strip()
    res.stores.append(StoreData(origin=origin, store=settings.get("store") or origin, group=settings.get("store_group"),
                                playbook=settings.get("playbook") or playbook, settings=settings,
                                customers=frames["customers"], calls=frames["calls"], gifts=frames["gifts"]))
    return res
