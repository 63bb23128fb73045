"""`followup today`: each agent's call and SMS list for a day (SPEC §3.1 tomorrow's list, §3.3).

Calls and SMS steps come from the follow-up table (due that day, retries and overdue ones);
the daily SMS tasks of the customer-service specialist are added: thanks for yesterday's first
visits, today's birthdays, a holiday greeting on each festival's first day off, reminders for
tomorrow's appointments, the playbook's own daily SMS list (aesthetics: dressing change,
stitch removal, post-op care, re-visit thanks, …; `udfs.dailysms`), the SMS after two failed
dials, and a section of hard cases (难沟通). 拒访 customers get SMS only where the playbook
allows it. After 17:00 (Asia/Shanghai) the default day is tomorrow. Phones masked.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from followup.udfs.privacy import mask_phone
from followup.udfs.store_order import store_rank

from .deadline import localize

__all__ = ["default_day", "day_list", "TASK_KEYS", "HARD_TASK"]

HARD_TASK = "难沟通"  # rows of the hard-case section (000 难以沟通的个案)
TASK_KEYS = ["owner", "store", "task", "customer_id", "name", "phone", "purpose", "window", "priority", "status"]
_PRIO = {"高": 0, "high": 0, "中": 1, "normal": 1, "低": 2, "low": 2}
_OPEN = {"overdue", "due_today", "retry", "upcoming"}


def default_day(now: dt.datetime) -> dt.date:
    local = localize(now)
    return local.date() + dt.timedelta(days=1) if local.hour >= 17 else local.date()


def _windows(day: dt.date, flags: pd.Series) -> pd.Series:
    from followup.udfs.callwindow import call_window

    return flags.map(lambda f: call_window(day, f if isinstance(f, str) else ""))


def _base(cust: pd.DataFrame, rows: pd.Index | list, task: str, purpose, priority: str, day) -> pd.DataFrame:
    c = cust.loc[rows]
    return pd.DataFrame(
        {
            "owner": c.get("owner", pd.Series(None, index=c.index)).fillna("").to_numpy(),
            "store": c["store"].to_numpy(),
            "task": task,
            "customer_id": c["customer_id"].to_numpy(),
            "name": c.get("name", pd.Series(None, index=c.index)).to_numpy(),
            "phone": c["phone"].map(mask_phone).to_numpy(),
            "purpose": purpose,
            "window": "" if task != "电话" else _windows(day, c.get("flags", pd.Series("", index=c.index))).to_numpy(),
            "priority": priority,
            "status": "",
        }
    )


def _same_day(series: pd.Series | None, day: dt.date, month_day: bool = False) -> np.ndarray:
    if series is None:
        return np.zeros(0, bool)
    s = pd.to_datetime(series, errors="coerce")
    if not month_day:
        return (s.dt.normalize() == pd.Timestamp(day)).to_numpy()
    feb29 = (s.dt.month == 2) & (s.dt.day == 29)
    leap = day.year % 4 == 0 and (day.year % 100 != 0 or day.year % 400 == 0)
    md = (s.dt.month == day.month) & (s.dt.day == day.day)
    if not leap and (day.month, day.day) == (2, 28):
        md |= feb29
    return md.fillna(False).to_numpy()


def _daily_sms(store, cust: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    from followup.udfs.dailysms import daily_sms_tasks
    from followup.udfs.errors import FollowupError

    try:
        return daily_sms_tasks(cust, getattr(store, "playbook", None) or "optometry", day)
    except FollowupError:  # a bad playbook or date was reported when the table was computed
        return pd.DataFrame(columns=["row", "purpose", "owner", "source"])


def _flagged(cust: pd.DataFrame, code: str) -> np.ndarray:
    from followup.udfs.schema import flag_codes

    if "flags" not in cust:
        return np.zeros(len(cust), bool)
    return cust["flags"].map(lambda f: code in flag_codes(f)).to_numpy(bool)


def _dnc_sms_allowed(store, table, day: dt.date) -> np.ndarray | bool:
    """Where a 拒访 customer may still get an SMS: the playbook's SMS months after the anchor."""
    from followup.udfs.playbook import Playbook, get_playbook

    pb = getattr(store, "playbook", None)
    try:
        pb = pb if isinstance(pb, Playbook) else get_playbook(str(pb or "optometry"))
    except Exception:  # an unknown playbook was reported when the table was computed
        return False
    if pb.dnc_sms_months is None or table is None:
        return False
    # SPEC §3.7: counted from the 拒访 entry when the log has one, else from the anchor
    since = table["anchor_date"]
    if "dnc_since" in table:
        since = table["dnc_since"].where(table["dnc_since"].notna(), since)
    until = since + pd.DateOffset(months=pb.dnc_sms_months)
    return (until >= pd.Timestamp(day)).fillna(False).to_numpy()


def day_list(stores, tables: dict[str, pd.DataFrame], day: dt.date, *, keep_dnc_sms: bool = False) -> pd.DataFrame:
    """One row per task, sorted by owner, priority, call window, then customer.

    `keep_dnc_sms`: keep the SMS a 拒访 customer may not get (for a caller that lists them as
    excluded, e.g. the SMS batch export); the day list itself leaves them out (SPEC §3.5)."""
    from followup.udfs.workcalendar import greeting

    holiday = greeting(day)  # SPEC §3.7: one per festival, on its first day off (not a moved one)
    parts = []
    for s in stores:
        cust = s.customers.reset_index(drop=True)
        if cust.empty:
            continue
        t = tables.get(s.name)
        dnc = t["dnc"].to_numpy() if t is not None else np.zeros(len(cust), bool)
        if "flags" in cust:
            from followup.udfs.schema import flag_codes

            dnc = dnc | cust["flags"].map(lambda f: "dnc" in flag_codes(f)).to_numpy(bool)
        if t is not None:
            due = (t["next_date"] <= pd.Timestamp(day)) & t["status_code"].isin(_OPEN)
            for channel in ("电话", "短信", "到店"):
                idx = cust.index[(due & (t["channel"] == channel)).to_numpy()]
                if len(idx):
                    p = _base(cust, idx, channel, t.loc[idx, "purpose"].to_numpy(), "", day)
                    p["priority"] = t.loc[idx, "priority"].to_numpy()
                    p["status"] = t.loc[idx, "status"].to_numpy()
                    parts.append(p)
            if "sms_date" in t:  # SPEC §3.7: the SMS after two failed dials, until it is logged as sent
                idx = cust.index[(t["sms_date"] <= pd.Timestamp(day)).to_numpy()]
                if len(idx):
                    p = _base(cust, idx, "短信", t.loc[idx, "sms_purpose"].to_numpy(), "中", day)
                    p["status"] = np.where(t.loc[idx, "sms_date"] < pd.Timestamp(day), "逾期", "")
                    parts.append(p)
        # SPEC §3.5: a 拒访 customer gets SMS only where the playbook allows SMS after 拒访
        no_sms = dnc & ~np.broadcast_to(np.asarray(_dnc_sms_allowed(s, t, day), bool), dnc.shape)
        if keep_dnc_sms:
            no_sms = np.zeros(len(cust), bool)
        sms = [
            (_same_day(cust.get("visit_date"), day - dt.timedelta(days=1)), "感谢昨日到店(首诊)"),
            (_same_day(cust.get("birthday"), day, month_day=True), "生日祝福"),
            (_same_day(cust.get("appointment_date"), day + dt.timedelta(days=1)), "明日到店/预约提醒"),
        ]
        for mask, purpose in sms:
            idx = cust.index[mask & ~no_sms] if len(mask) else []
            if len(idx):
                parts.append(_base(cust, idx, "短信", purpose, "中", day))
        daily = _daily_sms(s, cust, day)  # 003 每日必做工作: the playbook's daily SMS list
        if len(daily):
            daily = daily[~no_sms[daily["row"].to_numpy()]]
        if len(daily):
            idx = cust.index[daily["row"].to_numpy()]
            p = _base(cust, idx, "短信", daily["purpose"].to_numpy(), "中", day)
            p["owner"] = daily["owner"].to_numpy()
            parts.append(p)
        hard = _flagged(cust, "hard_case")
        if hard.any():  # 000 对难以沟通的个案进行特别标记,一起商量回访对策: their own section
            idx = cust.index[hard]
            p = _base(cust, idx, HARD_TASK, "难沟通个案:一起商量回访对策", "中", day)
            if t is not None:
                nxt = t.loc[idx, "next_date"]
                p["status"] = [f"下次回访 {d:%m-%d}" if not pd.isna(d) else "" for d in nxt]
            parts.append(p)
        if holiday:  # one bulk SMS per agent and store, not one line per customer
            who = cust.loc[~no_sms].assign(owner=cust.get("owner", pd.Series("", index=cust.index)).fillna(""))
            for (owner, store), g in who.groupby(["owner", "store"], sort=True):
                parts.append(
                    pd.DataFrame(
                        [
                            {
                                "owner": owner,
                                "store": store,
                                "task": "短信",
                                "customer_id": "",
                                "name": f"{len(g)} 位客户 (群发)",
                                "phone": "",
                                "purpose": f"节日问候: {holiday}",
                                "window": "",
                                "priority": "低",
                                "status": "",
                            }
                        ]
                    )
                )
    if not parts:
        return pd.DataFrame(columns=TASK_KEYS)
    out = pd.concat(parts, ignore_index=True)
    out["_p"] = out["priority"].map(_PRIO).fillna(1)
    out["_w"] = out["window"].fillna("").map(lambda w: w or "99")
    out["_t"] = (out["task"] != "电话").astype(int) + 2 * (out["task"] == HARD_TASK)
    out = out.sort_values(
        ["owner", "_p", "_t", "_w", "store", "customer_id"], kind="stable", key=store_rank([s.name for s in stores])
    )
    return out.drop(columns=["_p", "_w", "_t"]).reset_index(drop=True)[TASK_KEYS]
