"""Demo rows for the CRM sheets (投诉, 常见问题) and the SMS exclusions of the demo workspace.

FAQ_ROWS is also the test set of the FAQ ranking (tests/unit/test_crm_faq.py): 20 questions an
optical / service store's customers ask, with the answer and the keywords agents search by.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from followup.udfs.crm import COMPLAINT_COLUMNS, FAQ_COLUMNS
from followup.udfs.schema import CUSTOMER_COLUMNS

__all__ = ["FAQ_ROWS", "complaint_rows", "add_crm_sheets"]

FAQ_ROWS: list[tuple[str, str, str]] = [
    (
        "新配的眼镜戴着头晕怎么办?",
        "新镜一般需要 3–7 天适应期,请先在室内短时间佩戴;一周后仍头晕请到店复查验光和瞳距,免费调整。",
        "头晕,不适应,晕",
    ),
    (
        "镜片可以保修多久?",
        "镜片自购买之日起 6 个月内非人为损坏(膜层脱落等)免费更换一次,请带上购买凭证。",
        "保修,质保,换片",
    ),
    (
        "镜架坏了可以免费维修吗?",
        "镜架螺丝松动、鼻托更换、整形调整长期免费;焊接和配件按成本收费,一般当天可取。",
        "维修,修理,镜架,鼻托,螺丝",
    ),
    (
        "角膜塑形镜(OK镜)多久复查一次?",
        "戴镜后第 1 天、1 周、1 个月、3 个月各复查一次,之后每 3 个月复查;出现眼红眼痛请立即停戴并来院。",
        "ok镜,塑形镜,角膜塑形,复查",
    ),
    (
        "孩子近视度数涨得快怎么办?",
        "建议每 3–6 个月复查一次,增加户外活动,控制连续近距离用眼时间;医生会根据检查结果建议离焦镜片或塑形镜。",
        "近视,涨得快,度数增长,孩子,儿童",
    ),
    ("验光需要预约吗?", "建议提前一天电话或微信预约,周末人较多;散瞳验光需要约 1 小时,请家长陪同。", "预约,验光,散瞳"),
    (
        "营业时间是几点到几点?",
        "每天 9:00–21:00 营业,节假日照常营业;春节期间以门店通知为准。",
        "营业时间,几点,开门,关门",
    ),
    (
        "可以开发票吗?",
        "可以开具增值税普通发票或电子发票,请在付款时告知抬头和税号,也可在 30 天内补开。",
        "发票,报销,抬头",
    ),
    (
        "支持哪些付款方式?",
        "支持现金、银行卡、微信、支付宝和医保个人账户(部分项目)。",
        "付款,支付,微信,支付宝,医保,刷卡",
    ),
    (
        "眼镜可以退换吗?",
        "定制镜片一经加工不能退货;质量问题 7 天内可换,不适应可在 30 天内免费重新验配一次。",
        "退货,退换,换货,退款",
    ),
    (
        "隐形眼镜护理液多久换一次?",
        "护理液开封后 3 个月内用完;镜盒每 3 个月更换,每次使用后清洗晾干。",
        "护理液,隐形眼镜,镜盒",
    ),
    (
        "会员积分怎么使用?",
        "每消费 1 元积 1 分,100 分抵 1 元,可在下次消费时直接抵扣,积分有效期 2 年。",
        "积分,会员,抵扣",
    ),
    (
        "赠送的礼品什么时候能收到?",
        "礼品一般在购买后 7 个工作日内寄出或到店领取,未收到请告诉客服,我们马上核查。",
        "礼品,赠品,没收到,礼物",
    ),
    ("镜片起雾怎么处理?", "可使用防雾镜布或防雾喷剂;戴口罩时把口罩上沿压紧鼻梁,也可选择防雾镜片。", "起雾,雾气,口罩"),
    (
        "老花镜和近视镜可以做在一副上吗?",
        "可以配渐进多焦点镜片,看远看近一副解决;需要专业验光和适应期,建议到店试戴。",
        "老花,渐进,多焦点,远近",
    ),
    (
        "眼睛干涩是什么原因?",
        "长时间看屏幕、空调环境、佩戴隐形眼镜都会引起干涩;可遵医嘱使用人工泪液,症状持续请来院检查。",
        "干涩,干眼,眼干,眼睛干",
    ),
    ("可以上门验光吗?", "行动不便的老人和企业团体可预约上门服务,请提前 3 天联系客服安排。", "上门,到家,上门服务"),
    ("在哪里停车?", "门店地下停车场可停车,消费后凭小票免费停车 2 小时。", "停车,车位,停车场"),
    (
        "镜片有哪些品牌可以选?",
        "门店有国产和进口多个品牌,价格从几百元到几千元不等,验光师会按您的度数和用眼习惯推荐。",
        "品牌,镜片,价格,进口",
    ),
    (
        "投诉找谁处理?",
        "请拨打客服电话或告诉回访专员,我们会在 24 小时内由责任部门联系您,处理结果会再回访确认。",
        "投诉,不满意,找谁,反映",
    ),
]

# (query as agents type it, index of the right FAQ row). Typos, colloquial wording, fragments.
FAQ_QUERIES: list[tuple[str, int]] = [
    ("眼镜头晕", 0),
    ("戴新眼镜晕乎乎的", 0),
    ("配了眼睛头昏", 0),
    ("镜片保修", 1),
    ("质保多长时间", 1),
    ("镜架断了能修吗", 2),
    ("鼻托掉了", 2),
    ("螺丝松了", 2),
    ("ok镜复查", 3),
    ("塑型镜多久复查", 3),
    ("小孩近视涨的快", 4),
    ("孩子度数长得快", 4),
    ("要不要预约验光", 5),
    ("散瞳要多久", 5),
    ("几点关门", 6),
    ("周末开门吗", 6),
    ("能开票吗", 7),
    ("报销要发票", 7),
    ("能用医保吗", 8),
    ("可以刷支付宝吗", 8),
    ("能退吗", 9),
    ("不合适可以换吗", 9),
    ("护理液多久换", 10),
    ("积分怎么用", 11),
    ("礼品没收到", 12),
    ("送的东西还没到", 12),
    ("口罩起雾", 13),
    ("老花近视一副", 14),
    ("眼睛干", 15),
    ("上门服务", 16),
    ("停车", 17),
    ("客户不满意要投诉", 19),
]


def complaint_rows(store: str, store_idx: int) -> list[list]:
    """投诉 sheet rows (header first): one open, one in progress, one resolved with a callback."""
    cid = lambda i: f"K{store_idx:02d}{i:05d}"  # noqa: E731
    p = f"TS{store_idx:02d}"
    return [
        list(COMPLAINT_COLUMNS.values()),
        [
            f"{p}-001",
            dt.date(2026, 11, 3),
            cid(1),
            "新配眼镜戴了一周仍然头晕,复查两次没有解决",
            "产品质量",
            "验光部",
            "张验光师",
            "处理中",
            "已安排主任验光师重新验光",
            None,
            None,
        ],
        [
            f"{p}-002",
            dt.date(2026, 11, 12),
            cid(2),
            "周末等待时间太长,约了时间还排队 40 分钟",
            "服务态度",
            "前台",
            "李店长",
            "待处理",
            None,
            None,
            None,
        ],
        [
            f"{p}-003",
            dt.date(2026, 10, 20),
            cid(3),
            "赠送的护眼仪一直没有收到",
            "礼品",
            "客服部",
            "王客服",
            "已解决",
            "已补寄护眼仪,客户确认收到",
            dt.date(2026, 10, 24),
            dt.date(2026, 10, 27),
        ],
    ]


def add_crm_sheets(sheets: dict[str, list[list]], store: str, store_idx: int) -> dict[str, list[list]]:
    """Add 投诉 and 常见问题 to one demo store's sheets, and one customer whose number cannot get an
    SMS (11 digits, but 154 is no allocated mobile prefix) with a birthday on 2026-11-24, so
    `sms export` has an exclusion to count."""
    customers = sheets["客户"]
    row: list[Any] = [None] * len(CUSTOMER_COLUMNS)
    keys = list(CUSTOMER_COLUMNS)
    row[keys.index("customer_id")] = f"K{store_idx:02d}90001"
    row[keys.index("name")] = "周小云"
    row[keys.index("phone")] = f"15400{store_idx:02d}9001"
    row[keys.index("store")] = store
    row[keys.index("class")] = "D"
    row[keys.index("consult_date")] = dt.date(2026, 11, 10)
    row[keys.index("birthday")] = dt.date(1980, 11, 24)
    customers.insert(len(customers) - 1, row)  # before the demo's deliberately bad last row
    sheets["投诉"] = complaint_rows(store, store_idx)
    sheets["常见问题"] = [list(FAQ_COLUMNS.values())] + [list(r) for r in FAQ_ROWS]
    return sheets
