"""The 投诉 (complaints) and 常见问题 (FAQ) sheets of the templates (seed 001: 投诉记录, 常见问题的检索).

Plain data Tables read by the sync (`followup.sync.crm.sheets`) and by the cell functions
`=FAQ_LOOKUP("关键词", tFAQ[#All])` and `=CUSTOMER_HISTORY(id, tCustomers[#All], tCalls[#All],
tGifts[#All], tComplaints[#All])`. A few sample rows show the shape.
"""

from __future__ import annotations

import datetime as dt

from followup.udfs.crm import COMPLAINT_COLUMNS, COMPLAINT_STATUSES, FAQ_COLUMNS

from .writer import WriterBase

__all__ = ["CrmSheets", "CRM_TABLES"]

CRM_TABLES = {"complaints": "tComplaints", "faq": "tFAQ"}
_FAQ = [
    {
        "question": "新配的眼镜戴着头晕怎么办?",
        "answer": "新镜一般需要 3–7 天适应期;一周后仍头晕请到店免费复查验光和瞳距。",
        "keywords": "头晕,不适应",
    },
    {
        "question": "镜片可以保修多久?",
        "answer": "非人为损坏 6 个月内免费更换一次,请带上购买凭证。",
        "keywords": "保修,质保",
    },
    {
        "question": "营业时间是几点到几点?",
        "answer": "每天 9:00–21:00,节假日照常营业。",
        "keywords": "营业时间,几点,开门",
    },
    {
        "question": "可以开发票吗?",
        "answer": "可以开具普通发票或电子发票,付款时告知抬头和税号。",
        "keywords": "发票,报销",
    },
    {
        "question": "投诉找谁处理?",
        "answer": "告诉回访专员即可,24 小时内由责任部门联系您,处理结果会再回访确认。",
        "keywords": "投诉,不满意",
    },
]


class CrmSheets(WriterBase):
    def _crm_headers(self, columns: dict[str, str]) -> dict[str, str]:
        return dict(columns) if self.lang == "zh" else {k: k for k in columns}

    def complaints_sheet(self):
        ws = self.wb.add_worksheet("投诉" if self.lang == "zh" else "Complaints")
        ids = [str(c.get("customer_id")) for c in self.customers[:2]] or ["A001", "A002"]
        rows = [
            {
                "complaint_id": "TS-001",
                "date": dt.datetime(2026, 11, 10),
                "customer_id": ids[0],
                "content": "新配眼镜戴了一周仍然头晕",
                "category": "产品质量",
                "department": "验光部",
                "resolver": "张验光师",
                "status": "处理中",
                "resolution": "已安排重新验光",
                "resolved_date": None,
                "callback_date": None,
            },
            {
                "complaint_id": "TS-002",
                "date": dt.datetime(2026, 11, 2),
                "customer_id": ids[-1],
                "content": "赠送的礼品没有收到",
                "category": "礼品",
                "department": "客服部",
                "resolver": "王客服",
                "status": "已解决",
                "resolution": "已补寄,客户确认收到",
                "resolved_date": dt.datetime(2026, 11, 5),
                "callback_date": dt.datetime(2026, 11, 8),
            },
        ]
        if self.lang != "zh":
            rows = [{**r, "status": COMPLAINT_STATUSES[str(r["status"])]} for r in rows]
        keys = tuple(COMPLAINT_COLUMNS)
        self._table(ws, CRM_TABLES["complaints"], keys, rows, headers=self._crm_headers(COMPLAINT_COLUMNS))
        for k in ("date", "resolved_date", "callback_date"):
            j = keys.index(k)
            ws.set_column(j, j, 12, self.f_date)
        for k in ("content", "resolution"):
            j = keys.index(k)
            ws.set_column(j, j, 30)
        statuses = list(COMPLAINT_STATUSES) if self.lang == "zh" else list(COMPLAINT_STATUSES.values())
        self._dv_list(ws, keys.index("status"), statuses, prompt=self._crm_headers(COMPLAINT_COLUMNS)["status"])
        ws.freeze_panes(1, 1)
        ws.write_comment(
            0,
            0,
            "投诉记录:反馈单用 followup feedback-form --complaint 投诉编号 打印(一式两份)"
            if self.lang == "zh"
            else "Complaints: print a feedback form with followup feedback-form --complaint ID",
        )

    def faq_sheet(self):
        ws = self.wb.add_worksheet("常见问题" if self.lang == "zh" else "FAQ")
        keys = tuple(FAQ_COLUMNS)
        self._table(ws, CRM_TABLES["faq"], keys, _FAQ, headers=self._crm_headers(FAQ_COLUMNS))
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 50)
        ws.set_column(2, 2, 20)
        ws.freeze_panes(1, 0)
        ws.write_comment(
            0,
            0,
            '检索: =FAQ_LOOKUP("关键词", tFAQ[#All]) 或 followup faq 关键词'
            if self.lang == "zh"
            else 'Search: =FAQ_LOOKUP("words", tFAQ[#All]) or followup faq words',
        )
