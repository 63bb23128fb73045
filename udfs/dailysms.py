"""The daily SMS list of a playbook (003 每日必做工作: tomorrow's dressing change and stitch removal,
day-after comfort, post-op care, thanks for yesterday's re-visits, …) for one day.

Pure and vectorised: which customers get which SMS on `day`, from the playbook's `daily_sms`
rules (data) and the customers' own date columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .dates import to_date
from .errors import BadArgument
from .playbook import Playbook, get_playbook
from .table.dates import add_offset, parse_days
from .table.prep import canonical_frame

__all__ = ["daily_sms_tasks"]


def daily_sms_tasks(customers: pd.DataFrame, playbook: str | Playbook, day: object) -> pd.DataFrame:
    """One row per SMS due on `day`: `row` (position in `customers`), `purpose`, `owner`, `source`."""
    pb = playbook if isinstance(playbook, Playbook) else get_playbook(str(playbook or "optometry"))
    d = to_date(day, "day")
    if d is None:
        raise BadArgument("day", day, "应为日期 (expected a date)")
    cols = ["row", "purpose", "owner", "source"]
    if not pb.daily_sms or len(customers) == 0:
        return pd.DataFrame(columns=cols)
    cust = canonical_frame(customers.reset_index(drop=True), "customers")
    n = len(cust)
    target = np.datetime64(d, "D")
    parsed: dict[str, np.ndarray] = {}

    def dates(key: str) -> np.ndarray:
        if key not in parsed:
            parsed[key] = parse_days(cust[key]) if key in cust.columns else np.full(n, np.datetime64("NaT", "D"))
        return parsed[key]

    parts = []
    for rule in pb.daily_sms:
        base = dates(rule.on)
        hit = ~np.isnat(base)
        for key in rule.requires:
            hit &= ~np.isnat(dates(key))
        if not hit.any():
            continue
        when = add_offset(base, np.full(n, rule.offset.months), np.full(n, rule.offset.days))
        rows = np.flatnonzero(hit & (when == target))
        if len(rows):
            parts.append(
                pd.DataFrame({"row": rows, "purpose": rule.purpose, "owner": rule.owner, "source": rule.source})
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
