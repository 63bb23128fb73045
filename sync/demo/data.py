"""Synthetic store workbooks (SPEC §4.2 layout) for the demo and the benchmark. Seeded, so
the same arguments always give the same rows. Phone numbers are obviously fake: 1380000xxxx
style (11 digits, so they are still masked everywhere)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import xlsxwriter

from followup.udfs.schema import CALL_COLUMNS, CUSTOMER_COLUMNS, GIFT_COLUMNS

__all__ = ["store_sheets", "write_store_workbook", "SURNAMES", "AGENTS"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉晨雪琳"
AGENTS = ["小刘", "小王", "小陈", "小周", "小林", "小何"]
OUTCOMES = ["成功", "未完成", "无人接听", "关机", "停机", "空号", "拒访"]
OUTCOME_WEIGHTS = [56, 8, 19, 7, 5, 2, 0.6]
FEEDBACK = [
    "镜片清晰,满意",
    "对服务态度满意",
    "希望周末延长营业时间",
    "复查时间需要改约",
    "配送较慢",
    "-不满意,等待时间太长",
    "=认为价格偏高",
    "+建议增加停车位",
    "@店长 请回电",
    "",
]
CONTENT = {"镜片清晰,满意", "对服务态度满意"}  # feedback that is no problem
PROBLEMS = [f for f in FEEDBACK if f and f not in CONTENT]
GIFTS = [
    ("护眼仪", 680),
    ("保温杯", 129),
    ("眼镜布套装", 39),
    ("电动牙刷", 299),
    ("购物卡", 500),
    ("雨伞", 59),
    ("蓝牙音箱", 399),
    ("抱枕", 89),
]
CLASSES = ["A", "B", "C", "D"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(store_idx: int, i: int) -> str:
    return f"1380{store_idx:02d}{i:05d}"[:11] if store_idx < 100 else f"139{store_idx:04d}{i:04d}"


def store_sheets(
    store: str,
    store_idx: int,
    group: str,
    *,
    n_customers: int,
    call_days: list[dt.date],
    calls_per_day: int,
    n_gifts: int,
    seed: int,
    bad_rows: bool = True,
    playbook: str = "optometry",
) -> dict[str, list[list]]:
    """Sheet title → rows (row 0 = Chinese headers). Customers, calls, gifts and settings."""
    rng = random.Random(seed)
    agents = AGENTS[store_idx % 3 : store_idx % 3 + 3]
    ref = call_days[-1] if call_days else dt.date(2026, 11, 22)
    cust: list[list[Any]] = [list(CUSTOMER_COLUMNS.values())]
    ids = []
    for i in range(n_customers):
        cid = f"K{store_idx:02d}{i + 1:05d}"
        ids.append(cid)
        cls = rng.choice(CLASSES)
        consult = ref - dt.timedelta(days=rng.randint(5, 120))
        visit = appt = purchase = amount = None
        if cls == "A":
            visit = purchase = consult + dt.timedelta(days=rng.randint(0, 5))
            amount = rng.choice([680, 1280, 1880, 2580, 3200, 3980, 4600, 5800, 8800])
        elif cls == "B":
            visit = consult + dt.timedelta(days=rng.randint(0, 10))
        elif cls == "C":
            appt = ref + dt.timedelta(days=rng.randint(-3, 10))
        flags = rng.choices(["", "投诉", "夜班", "拒访", "难沟通", "不适"], [90, 2, 4, 2, 1, 1])[0]
        birthday = dt.date(
            rng.randint(1960, 2005), ref.month if rng.random() < 0.05 else rng.randint(1, 12), rng.randint(1, 28)
        )
        cust.append(
            [
                cid,
                _name(rng),
                _phone(store_idx, i + 1),
                store,
                rng.choice(agents),
                cls,
                consult,
                visit,
                appt,
                purchase,
                amount,
                birthday,
                flags or None,
            ]
        )
    calls: list[list[Any]] = [list(CALL_COLUMNS.values())]
    for day in call_days:
        for _ in range(calls_per_day + rng.randint(-3, 3)):
            t = dt.datetime.combine(day, dt.time(rng.choice([10, 11, 14, 15, 16]), rng.randint(0, 29)))
            kind = rng.choices(["客户服务", "礼品核查", "店面核销"], [85, 10, 5])[0]
            channel = "短信" if kind == "礼品核查" else "电话"
            outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0] if channel == "电话" else rng.choice(["已发送", "成功"])
            connected = outcome in ("成功", "未完成")
            escalate = "是" if connected and rng.random() < 0.04 else None
            res = rng.choice(["处理中", "已解决", None]) if escalate else None
            fb = rng.choice(FEEDBACK) if connected else None
            if escalate and rng.random() < 0.3:
                fb = f"客户要求回电 {_phone(store_idx, rng.randint(1, n_customers))}"
            if escalate and (not fb or fb in CONTENT):  # only a problem is escalated
                fb = PROBLEMS[len(calls) % len(PROBLEMS)]
            calls.append(
                [
                    t,
                    store,
                    rng.choice(agents),
                    rng.choice(ids),
                    kind,
                    channel,
                    outcome,
                    rng.randint(1, 3) if connected else None,
                    fb or None,
                    escalate,
                    res,
                ]
            )
    gifts: list[list[Any]] = [list(GIFT_COLUMNS.values())]
    for _ in range(n_gifts):
        gift, value = rng.choice(GIFTS)
        given = rng.choice(call_days) if call_days else ref
        gifts.append([store, rng.choice(ids), gift, value, given, rng.choice([None, None, "已收到", "未收到"])])
    if bad_rows:  # what real workbooks contain: each must be rejected with file/sheet/row/column
        cust.append(
            [
                f"K{store_idx:02d}99999",
                _name(rng),
                None,
                store,
                agents[0],
                "A",
                ref - dt.timedelta(days=10),
                None,
                None,
                ref - dt.timedelta(days=10),
                1880,
                None,
                None,
            ]
        )
        calls.append(
            [
                dt.datetime.combine(ref, dt.time(15, 0)),
                store,
                agents[0],
                ids[0],
                "客户服务",
                "电话",
                "打错了",
                1,
                None,
                None,
                None,
            ]
        )
        calls.append(["2026-13-01 10:00", store, agents[1], ids[1], "客户服务", "电话", "成功", 2, None, None, None])
    settings = [
        ["设置项", "值"],
        ["门店", store],
        ["门店组别", group],
        ["回访方案", playbook],
        ["时区", "Asia/Shanghai"],
    ]
    return {"客户": cust, "回访记录": calls, "礼品": gifts, "设置": settings}


def write_store_workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """Write the sheets with XlsxWriter: header row, typed cells (dates as dates, text as text)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "constant_memory": True},
    )
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    fdate = wb.add_format({"num_format": "yyyy-mm-dd"})
    ftime = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for title, rows in sheets.items():
        ws = wb.add_worksheet(title)
        ws.set_column(0, max(len(r) for r in rows), 13)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if r == 0:
                    ws.write_string(r, c, str(v), head)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(r, c, v, ftime)
                elif isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), fdate)
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, str(v))
        ws.freeze_panes(1, 0)
    wb.close()
    return path
