"""The sample rows every template ships with: realistic, obviously fake (phones 1380000xxxx).

All dates sit around `SAMPLE_TODAY` (a Wednesday), the day the cached formula values are
computed for; Excel recomputes them for the real today as soon as the add-in is loaded.
Rows are keyed by canonical column keys (udfs.schema); the builder turns them into headers.

The four original playbooks keep their rows here. Any other built-in playbook brings its own in
the `[samples]` table of its TOML file (`followup.udfs.playbook.playbook_samples`; see
CONTRIBUTING.md): `store`, `customers`, `calls`, `gifts`, with the defaults the rows above have
(store, owner 小刘, channel 电话, kind 客户服务, agent 小刘, questions by outcome). Without either, the
template's tables start empty.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["SAMPLE_TODAY", "SAMPLE_STORE", "STORES", "SAMPLE_GROUP", "customers", "calls", "gifts", "settings"]

SAMPLE_TODAY = dt.date(2026, 11, 25)
SAMPLE_STORE = "一店"
# Each template's sample store has its own name, so several templates synced together stay apart.
STORES = {"optometry": "视光一店", "aesthetics": "医美一店", "health_products": "健康一店", "retail": "零售一店"}
SAMPLE_GROUP = "2"
D = dt.date
T = dt.datetime


def _c(cid, name, n, cls=None, flags=None, owner="小刘", **facts) -> dict:
    return {
        "customer_id": cid,
        "name": name,
        "phone": f"1380000{n:04d}",
        "store": SAMPLE_STORE,
        "owner": owner,
        "class": cls,
        "flags": flags,
        **facts,
    }


def _call(
    when,
    cid,
    outcome,
    channel="电话",
    kind="客户服务",
    agent="小刘",
    questions=None,
    feedback=None,
    escalate=None,
    resolution=None,
) -> dict:
    if questions is None:
        questions = 3 if outcome == "成功" else (1 if outcome == "未完成" else 0)
    return {
        "call_time": when,
        "store": SAMPLE_STORE,
        "agent": agent,
        "customer_id": cid,
        "kind": kind,
        "channel": channel,
        "outcome": outcome,
        "questions": questions,
        "feedback": feedback,
        "escalate": escalate,
        "resolution": resolution,
    }


_CUSTOMERS = {
    "optometry": [
        _c(
            "K001",
            "王丽",
            1,
            consult_date=D(2026, 11, 1),
            visit_date=D(2026, 11, 20),
            purchase_date=D(2026, 11, 20),
            amount=3280,
            birthday=D(1988, 3, 14),
        ),
        _c("K002", "李强", 2, consult_date=D(2026, 11, 5), visit_date=D(2026, 11, 18)),
        _c("K003", "张敏", 3, consult_date=D(2026, 11, 10), appointment_date=D(2026, 11, 28)),
        _c("K004", "刘洋", 4, consult_date=D(2026, 11, 10)),
        _c("K005", "陈静", 5, consult_date=D(2026, 10, 20), flags="拒访"),
        _c(
            "K006",
            "赵磊",
            6,
            consult_date=D(2026, 10, 8),
            visit_date=D(2026, 10, 12),
            purchase_date=D(2026, 10, 12),
            amount=5600,
            flags="投诉",
        ),
        _c("K007", "孙悦", 7, consult_date=D(2026, 11, 20), flags="夜班", owner="小王"),
        _c("K008", "周婷", 8, consult_date=D(2026, 9, 1), flags="难沟通", owner="小王"),
    ],
    "aesthetics": [
        _c("M001", "林晓", 11, consult_date=D(2026, 11, 20)),
        _c("M002", "黄蕾", 12, cls="611", consult_date=D(2026, 9, 10)),
        _c(
            "M003",
            "吴芳",
            13,
            consult_date=D(2026, 11, 1),
            visit_date=D(2026, 11, 9),
            surgery_date=D(2026, 11, 10),
            amount=26800,
        ),
        _c("M004", "郑洁", 14, consult_date=D(2026, 11, 15), treatment_date=D(2026, 11, 22), amount=4800, owner="小王"),
        _c(
            "M005",
            "何雪",
            15,
            consult_date=D(2026, 7, 1),
            treatment_date=D(2026, 9, 20),
            course_end_date=D(2026, 10, 20),
            amount=9800,
            flags="夜班",
        ),
        _c(
            "M006",
            "马琳",
            16,
            consult_date=D(2026, 10, 30),
            surgery_date=D(2026, 11, 2),
            amount=18000,
            flags="不适",
            owner="小王",
        ),
    ],
    "health_products": [
        _c("H001", "钱建国", 21, received_date=D(2026, 11, 22), amount=1980),
        _c("H002", "冯秀英", 22, received_date=D(2026, 11, 12), amount=2960),
        _c("H003", "褚志明", 23, received_date=D(2026, 10, 20), amount=3880, flags="夜班"),
        _c("H004", "卫桂兰", 24, received_date=D(2026, 11, 24), amount=1580, owner="小王"),
        _c("H005", "蒋国华", 25, received_date=D(2026, 11, 2), amount=2680, flags="拒访", owner="小王"),
    ],
    "retail": [
        _c("R001", "杨帆", 31, purchase_date=D(2026, 11, 16), amount=1680),
        _c("R002", "朱琳", 32, purchase_date=D(2026, 11, 17), amount=3450),
        _c("R003", "秦伟", 33, purchase_date=D(2026, 11, 18), amount=5200),
        _c("R004", "尤佳", 34, purchase_date=D(2026, 11, 19), amount=2380, owner="小王"),
        _c("R005", "许静", 35, purchase_date=D(2026, 11, 20), amount=8800, owner="小王"),
        _c("R006", "何平", 36, purchase_date=D(2026, 11, 21), amount=1500, flags="拒访"),
    ],
}

_CALLS = {
    "optometry": [
        _call(T(2026, 11, 17, 10, 20), "K004", "无人接听"),
        _call(T(2026, 11, 23, 14, 10), "K001", "成功", feedback="佩戴适应良好"),
        _call(T(2026, 11, 23, 14, 30), "K008", "成功", feedback="暂无需求,下月再联系"),
        _call(
            T(2026, 11, 24, 10, 15),
            "K006",
            "未完成",
            feedback="对镜片有投诉,约店长回电",
            escalate="是",
            resolution="处理中",
        ),
        _call(T(2026, 11, 24, 15, 0), "K003", "成功", feedback="确认周六到店"),
        _call(T(2026, 11, 25, 10, 5), "K002", "关机"),
    ],
    "aesthetics": [
        _call(T(2026, 11, 20, 16, 0), "M001", "已发送", channel="短信", agent="小王"),
        _call(T(2026, 11, 11, 10, 30), "M003", "成功", feedback="术后恢复正常"),
        _call(T(2026, 11, 23, 14, 20), "M003", "成功", feedback="肿胀消退"),
        _call(
            T(2026, 11, 24, 14, 40),
            "M006",
            "未完成",
            feedback="反映术后不适,已转医生",
            escalate="是",
            resolution="处理中",
        ),
        _call(T(2026, 11, 25, 10, 10), "M004", "无人接听", agent="小王"),
    ],
    "health_products": [
        _call(T(2026, 11, 14, 10, 30), "H002", "成功", feedback="已核对数量与赠品"),
        _call(T(2026, 11, 21, 14, 15), "H002", "成功", feedback="使用正常"),
        _call(T(2026, 10, 22, 10, 40), "H003", "成功"),
        _call(T(2026, 11, 23, 14, 30), "H003", "无人接听"),
        _call(T(2026, 11, 24, 15, 10), "H001", "成功", feedback="已指导用法用量"),
    ],
}


def _retail_calls() -> list[dict]:
    """A week in progress: Monday afternoon, Tuesday and Wednesday morning (no Monday morning)."""
    rows, outcomes = [], ["成功", "成功", "成功", "无人接听", "成功", "关机", "成功", "未完成", "成功", "停机"]
    ids = [f"R{n:03d}" for n in range(1, 6)]
    plan = [(D(2026, 11, 23), 14, 9), (D(2026, 11, 24), 10, 12), (D(2026, 11, 25), 10, 7)]
    k = 0
    for day, start_hour, n in plan:
        for i in range(n):
            when = T(day.year, day.month, day.day, start_hour + i // 6, (i % 6) * 10)
            kind = "礼品核查" if i % 5 == 4 else "客户服务"
            channel = "短信" if kind == "礼品核查" else "电话"
            outcome = "已发送" if channel == "短信" else outcomes[k % len(outcomes)]
            rows.append(
                _call(when, ids[k % len(ids)], outcome, channel=channel, kind=kind, agent="小刘" if k % 2 else "小王")
            )
            k += 1
    rows.append(_call(T(2026, 11, 24, 15, 0), "R002", "成功", kind="店面核销", feedback="核销无误"))
    return rows


_CALLS["retail"] = _retail_calls()

_GIFTS = [
    {
        "store": SAMPLE_STORE,
        "customer_id": "R005",
        "gift": "按摩仪",
        "value": 680,
        "given_date": D(2026, 11, 20),
        "check_result": None,
    },
    {
        "store": SAMPLE_STORE,
        "customer_id": "R003",
        "gift": "保温杯",
        "value": 199,
        "given_date": D(2026, 11, 18),
        "check_result": "已核实",
    },
    {
        "store": SAMPLE_STORE,
        "customer_id": "R002",
        "gift": "购物卡",
        "value": 100,
        "given_date": D(2026, 11, 17),
        "check_result": None,
    },
    {
        "store": SAMPLE_STORE,
        "customer_id": "R001",
        "gift": "雨伞",
        "value": 39,
        "given_date": D(2026, 11, 16),
        "check_result": None,
    },
]


def _own(playbook: str) -> dict:
    """The playbook file's own `[samples]` (for playbooks not listed above)."""
    from followup.udfs.playbook import playbook_samples

    return playbook_samples(playbook)


def _store_name(playbook: str) -> str:
    return STORES.get(playbook) or str(_own(playbook).get("store") or SAMPLE_STORE)


def _store(rows: list[dict], playbook: str) -> list[dict]:
    return [{**r, "store": _store_name(playbook)} if "store" in r else dict(r) for r in rows]


def customers(playbook: str) -> list[dict]:
    if playbook in _CUSTOMERS:
        return _store(_CUSTOMERS[playbook], playbook)
    return _store(
        [
            {"store": SAMPLE_STORE, "owner": "小刘", "class": None, "flags": None, **r}
            for r in _own(playbook).get("customers", [])
        ],
        playbook,
    )


def calls(playbook: str) -> list[dict]:
    if playbook in _CUSTOMERS:
        return _store(_CALLS.get(playbook, []), playbook)
    return _store(
        [
            _call(r.pop("call_time"), r.pop("customer_id"), r.pop("outcome"), **r)
            for r in map(dict, _own(playbook).get("calls", []))
        ],
        playbook,
    )


def gifts(playbook: str) -> list[dict]:
    if playbook in _CUSTOMERS:
        return _store(_GIFTS, playbook) if playbook == "retail" else []
    return _store([{"store": SAMPLE_STORE, **r} for r in _own(playbook).get("gifts", [])], playbook)


def settings(playbook: str) -> dict[str, object]:
    return {
        "store": _store_name(playbook),
        "store_group": SAMPLE_GROUP,
        "playbook": playbook,
        "timezone": "Asia/Shanghai",
        "daily_reception": 12,
    }
