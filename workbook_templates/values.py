"""The values the templates' formulas evaluate to, computed by the real engine.

The builder stores them as the formulas' cached results (so a file opened without the add-in
still shows them) and the tests compare a headless recalculation against them.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, cast

import pandas as pd

from followup.udfs.playbook import get_playbook
from followup.udfs.quotas import QuotaResult, default_quotas, quota_check
from followup.udfs.schema import CALL_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS

__all__ = ["frame", "table_block", "manual_rows", "quota", "quotas_for", "cell"]


def frame(rows: list[dict], columns: dict[str, str], keys: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Sample rows (canonical keys) → a frame with the sheet's Chinese headers, as a sheet reads."""
    keys = keys or tuple(columns)
    return pd.DataFrame([[r.get(k) for k in keys] for r in rows], columns=[columns[k] for k in keys])


def cell(value: object) -> object:
    """An engine value as a worksheet cell holds it: None/NaN/NaT → "", Timestamp → date."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return cell(value.item())
    return value


def table_block(customers: list[list], calls: list[list], playbook: str, today: dt.date) -> list[list]:
    """FOLLOWUP_TABLE(…)'s spill (header row first): 客户编号 and the computed columns."""
    from followup.udfs.excel import FOLLOWUP_TABLE

    spill = cast(list[list[Any]], FOLLOWUP_TABLE(customers, calls, playbook, today))  # the cell function's rows
    return [[cell(v) for v in row] for row in spill]


def manual_rows(customers: list[list], calls: list[list], playbook: str, today: dt.date) -> list[dict]:
    """The manual-mode sample: each customer's state as an agent would type it (from the call log)."""
    from followup.udfs.excel import range_to_frame
    from followup.udfs.table import followup_table

    frame = range_to_frame(customers)
    out = followup_table(frame, range_to_frame(calls), playbook, today)
    heads = customers[0]
    rows = []
    for src, (_, r) in zip(customers[1:], out.iterrows()):
        s = dict(zip(heads, src))
        if not cell(r["current_class"]) or not cell(r["anchor_date"]):
            continue
        rows.append(
            {
                "customer_id": r["customer_id"],
                "name": s.get("姓名", s.get("name")),
                "class": r["current_class"],
                "anchor_date": cell(r["anchor_date"]),
                "calls_done": int(r["steps_closed"]),
                "last_call": cell(r["last_contact"]),
                "failed_attempts": int(r["failed_attempts"]),
                "flags": s.get("标记", s.get("flags")) or "",
            }
        )
    return rows


def manual_outputs(row: dict, playbook: str, today: dt.date) -> dict:
    """NEXT_FOLLOWUP and FOLLOWUP_STEP of one manual-mode row, through the Excel wrappers."""
    from followup.udfs.excel import FOLLOWUP_STEP, NEXT_FOLLOWUP

    args = (
        row["class"],
        row["anchor_date"],
        row["calls_done"],
        row["last_call"] or None,
        row["failed_attempts"],
        row["flags"] or None,
        playbook,
        today,
    )
    ((purpose, channel, owner),) = cast(list[list[Any]], FOLLOWUP_STEP(*args))  # one row of 3 cells
    return {"next_date": cell(NEXT_FOLLOWUP(*args)), "purpose": purpose, "channel": channel, "owner_role": owner}


def quotas_for(playbook: str):
    """A playbook's own quotas, else the retail defaults (002 applies to every service callback)."""
    return get_playbook(playbook).quotas or default_quotas()


def quota(calls: list[dict], group: object, today: dt.date, playbook: str) -> QuotaResult:
    monday = today - dt.timedelta(days=today.weekday())
    return quota_check(
        [c["call_time"] for c in calls], [c["outcome"] for c in calls], group, monday, quotas=quotas_for(playbook)
    )


# Re-exported for the builder.
CUSTOMER_AND_FACT_COLUMNS = {**CUSTOMER_COLUMNS, **FACT_COLUMNS}
CALLS = CALL_COLUMNS
