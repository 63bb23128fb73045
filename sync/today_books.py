"""Each agent's day as a workbook: `followup today --out DIR` and the sync's `[today] out = …`.

For agents without the add-in: one workbook per agent, `今日回访_<坐席>_<日期>.xlsx`, with sheet
电话回访 (whom to call, when: the call window, why, by which channel, priority, status) and sheet
短信 (the SMS list). The phone number is written in full ONLY in the 电话 column (text, so no
digits are lost), which is what an agent dials from; every other cell is masked. Values only,
no formulas: the file opens the same in Excel, WPS and LibreOffice, with or without add-in.
The tasks are `today.day_list`'s: the same list `followup today` prints.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from followup.udfs.privacy import mask_phones_in_text, normalize_phone

from .filenames import data_names
from .reports.xlsx_out import PhoneField, SheetWriter, build_workbook, fixed_created
from .today import day_list

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = [
    "AGENT_BOOK",
    "BOOKS_NOTE",
    "agent_book_name",
    "agent_book_names",
    "agent_tasks",
    "write_agent_books",
    "write_for_sync",
]

AGENT_BOOK = "今日回访_{agent}_{day:%Y-%m-%d}.xlsx"
UNASSIGNED = "未分配"
# Said once wherever the books are written: they are files with the folder's normal permissions
# (the umask, like the reports: meant for the agents on a shared folder) that hold full numbers.
BOOKS_NOTE = (
    "注意: 今日回访工作簿的电话列是完整号码(文件权限同报表,按 umask),只交给对应坐席",
    "note: the day workbooks hold full phone numbers in their phone column (file permissions "
    "follow the umask, like the reports); give each only to its agent",
)
CALL_COLUMNS = [
    ("priority", "优先级"),
    ("window", "可拨打时段"),
    ("customer_id", "客户编号"),
    ("name", "姓名"),
    ("phone", "电话"),
    ("channel", "方式"),
    ("flag", "标记"),
    ("purpose", "回访目的"),
    ("status", "状态"),
    ("store", "门店"),
]
SMS_COLUMNS = [
    ("customer_id", "客户编号"),
    ("name", "姓名"),
    ("phone", "电话"),
    ("purpose", "短信内容"),
    ("flag", "标记"),
    ("priority", "优先级"),
    ("store", "门店"),
]
CHANNELS = ("电话", "短信", "到店")  # the 方式 column holds these only; flags go to 标记
INVALID = "号码无效"  # a number that cannot be dialled (calls) or texted (SMS, as the SMS export judges it)
NOT_CALLED = "号码无效,请先核实号码,不拨打"
NOT_SENT = "号码无效,请先核实号码,不发送"


def agent_book_names(agents, day: dt.date) -> dict[str, str]:
    """今日回访_<坐席>_<日期>.xlsx for each agent, made by `filenames.data_names`: safe, bounded,
    phones masked, and distinct (`A/B` and `A:B` get two books)."""
    prefix, suffix = AGENT_BOOK.split("{agent}")
    return data_names(agents, prefix, suffix.format(day=day), empty=UNASSIGNED)


def agent_book_name(agent: str, day: dt.date) -> str:
    """The day book's name of one agent (`agent_book_names`)."""
    return agent_book_names([agent], day)[agent or ""]


def agent_tasks(stores, tasks: pd.DataFrame) -> pd.DataFrame:
    """The day's tasks with the customer's full phone number (digits) in `phone`, masked elsewhere."""
    phones = {}
    for s in stores:
        cust = s.customers
        if cust.empty or "phone" not in cust.columns:
            continue
        for cid, raw in zip(cust["customer_id"], cust["phone"]):
            phones[(s.name, str(cid))] = normalize_phone(raw)
    out = tasks.copy()
    out["phone"] = [
        PhoneField(phones.get((store, str(cid)), "")) if cid else ""
        for store, cid in zip(out["store"], out["customer_id"])
    ]
    for col in ("name", "purpose", "status", "window"):
        out[col] = out[col].map(lambda v: "" if v is None or v != v else mask_phones_in_text(str(v)))
    return with_flags(out)


def callable_number(phone: object) -> bool:
    """A number that can be dialled: valid for `phonenumbers` (region CN), mobile or fixed line."""
    import phonenumbers

    text = "" if phone is None else str(phone).strip()
    try:
        return bool(text) and phonenumbers.is_valid_number(phonenumbers.parse(text, "CN"))
    except phonenumbers.NumberParseException:
        return False


def with_flags(tasks: pd.DataFrame) -> pd.DataFrame:
    """`channel` (电话 / 短信 / 到店, nothing else) and `flag` (号码无效, 难沟通) in their own columns.
    A call to a number that cannot be dialled, or an SMS to one the SMS export rejects, is shown
    as 号码无效 without a call window and listed after the scheduled tasks (stable order otherwise)."""
    from .crm.sms_export import valid_mobile
    from .today import HARD_TASK

    out = tasks.copy()
    task = out["task"].fillna("").astype(str)
    keys = list(zip(out["store"].astype(str), out["customer_id"].fillna("").astype(str)))
    hard = {k for k, t in zip(keys, task) if t == HARD_TASK and k[1]}
    invalid = [
        bool(k[1]) and ((t == "电话" and not callable_number(p)) or (t == "短信" and not valid_mobile(p)))
        for k, t, p in zip(keys, task, out["phone"])
    ]
    out["channel"] = [t if t in CHANNELS else None for t in task]
    out["flag"] = [
        "、".join(f for f, on in ((INVALID, bad), (HARD_TASK, k in hard)) if on) or None
        for k, bad in zip(keys, invalid)
    ]
    bad = pd.Series(invalid, index=out.index, dtype=bool)
    out.loc[bad, "window"] = ""
    out.loc[bad, "status"] = [NOT_CALLED if t == "电话" else NOT_SENT for t in task[bad]]
    owner = out["owner"].fillna("").astype(str) if "owner" in out else pd.Series("", index=out.index)
    order = pd.DataFrame({"owner": owner, "bad": bad.astype(int)}, index=out.index)
    return out.loc[order.sort_values(["owner", "bad"], kind="stable").index]


def _sheet(wb, formats, title: str, name: str, rows: pd.DataFrame, columns, empty: str, note: str) -> None:
    w = SheetWriter(wb, name, formats)
    w.title(title)
    w.note(note)
    frame = rows[[k for k, _ in columns]].reset_index(drop=True)
    if frame.empty:
        w.line([h for _, h in columns], formats["head"])
        w.note(empty)
    else:
        w.frame(frame, [h for _, h in columns])
    w.finish(freeze=4)


def write_agent_books(stores, tables: dict[str, pd.DataFrame], day: dt.date, out_dir: Path) -> list[Path]:
    """One workbook per agent with a task that day; returns the paths written."""
    tasks = agent_tasks(stores, day_list(stores, tables, day))
    out_dir = Path(out_dir)
    paths = []
    owners = tasks["owner"].fillna("").astype(str)
    names = agent_book_names(sorted(set(owners)), day)
    for agent, part in tasks.groupby(owners, sort=True):
        who = mask_phones_in_text(agent) or UNASSIGNED
        calls = part[part["task"] != "短信"]
        sms = part[part["task"] == "短信"]
        path = out_dir / names[str(agent)]

        def fill(wb, formats, who=who, calls=calls, sms=sms):
            _sheet(
                wb,
                formats,
                f"{day:%Y-%m-%d} {who} 回访清单 ({len(calls)} 个电话/到店)",
                "电话回访",
                calls,
                CALL_COLUMNS,
                "今天没有要打的电话。",
                "按顺序拨打:先看优先级,再在可拨打时段内联系;完整号码只在本表的电话列,请勿外传。",
            )
            _sheet(
                wb,
                formats,
                f"{day:%Y-%m-%d} {who} 短信清单 ({len(sms)} 条)",
                "短信",
                sms,
                SMS_COLUMNS,
                "今天没有要发的短信。",
                "节日群发一行代表该坐席全部客户(拒访者除外)。",
            )

        build_workbook(path, fixed_created(day), fill, title=f"今日回访 {who} {day:%Y-%m-%d}")
        paths.append(path)
    return paths


def write_for_sync(result, config: Config) -> None:
    """Called by the pipeline after the computation: with `[today] out = DIR`, the day's books."""
    out = config.today.out
    if out is None:
        return
    from .merge import merge_stores
    from .model import Rejection
    from .today import default_day

    day = default_day(result.now)
    stores = [s for s in merge_stores(result.read.stores, config) if not s.customers.empty]
    try:
        if write_agent_books(stores, result.tables, day, Path(out)):
            result.paths["today"] = Path(out)
    except OSError as e:
        result.extra_rejections.append(
            Rejection(
                str(out),
                "",
                None,
                None,
                None,
                f"无法写入今日回访工作簿,请检查该文件夹是否存在、可写且磁盘未满 "
                f"(cannot write the agents' day workbooks: check the folder exists, is writable and the disk "
                f"is not full): {e.strerror or e}",
            )
        )
