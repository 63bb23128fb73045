"""CRM lookups of seed 001 (「常见问题的检索」「维修历史查录」「投诉记录」): pure functions, no I/O.

- `faq_lookup(query, faq)`: ranked answers from a 常见问题 table (question, answer, keywords),
  tolerant of how agents type (fuzzy alignment as rapidfuzz's partial_ratio, or shared character
  bigrams, whichever is better; the same numbers in Excel, xlwings Lite and Google Sheets).
- `customer_history(customer_id, customers, calls, gifts, complaints)`: one customer's calls,
  visits, purchases, gifts and complaints in date order; phones masked.

Tables arrive as DataFrames whose headers are Chinese or the English keys below (or as 2-D lists
with a header row, as a cell range arrives); dates as anything `to_date` accepts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from .dates import to_datetime
from .errors import BadArgument
from .messages import expected
from .privacy import mask_phone, mask_phones_in_text
from .schema import (
    CALL_COLUMNS,
    CHANNELS,
    CUSTOMER_COLUMNS,
    FACT_COLUMNS,
    GIFT_COLUMNS,
    KINDS,
    OUTCOMES,
    canonical,
    normalize,
)

__all__ = [
    "COMPLAINT_COLUMNS",
    "COMPLAINT_STATUSES",
    "OPEN_COMPLAINT_STATUSES",
    "FAQ_COLUMNS",
    "HISTORY_COLUMNS",
    "faq_lookup",
    "faq_scores",
    "customer_history",
    "similarity",
    "partial_ratio",
]

# 投诉 sheet (complaints): key → Chinese header.
COMPLAINT_COLUMNS: dict[str, str] = {
    "complaint_id": "投诉编号",
    "date": "投诉日期",
    "customer_id": "客户编号",
    "content": "投诉内容",
    "category": "投诉类别",
    "department": "责任部门",
    "resolver": "处理人",
    "status": "处理状态",
    "resolution": "处理结果",
    "resolved_date": "解决日期",
    "callback_date": "回访日期",
}
COMPLAINT_STATUSES: dict[str, str] = {
    "待处理": "open",
    "处理中": "in_progress",
    "已解决": "resolved",
    "已关闭": "closed",
}
OPEN_COMPLAINT_STATUSES = frozenset({"open", "in_progress"})
# 常见问题 sheet (FAQ).
FAQ_COLUMNS: dict[str, str] = {"question": "问题", "answer": "答案", "keywords": "关键词"}
# What CUSTOMER_HISTORY spills (header row).
HISTORY_COLUMNS: dict[str, str] = {"date": "日期", "event": "事项", "detail": "内容", "result": "结果", "who": "经办"}

Table = Any  # a DataFrame or a 2-D list of cells with a header row (a sheet range's values)
Row = dict[str, Any]

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_SPLIT = re.compile(r"[,，、;；/|\s]+")
# Filler an agent types around the real words; removed before matching.
_FILLER = (
    "请问",
    "客户问",
    "顾客问",
    "怎么办",
    "怎么",
    "如何",
    "可以吗",
    "可以",
    "能不能",
    "能否",
    "是不是",
    "什么",
    "吗",
    "呢",
    "呀",
    "啊",
    "吧",
    "的",
    "了",
)


def _norm(text: object) -> str:
    t = unicodedata.normalize("NFKC", "" if text is None else str(text)).lower()
    return _PUNCT.sub("", t)


def _strip_filler(t: str) -> str:
    for w in _FILLER:
        t = t.replace(w, "")
    return t


def _bigrams(t: str) -> list[str]:
    return [t[i : i + 2] for i in range(len(t) - 1)] if len(t) > 1 else ([t] if t else [])


def _bigram_overlap(q: str, text: str) -> float:
    """Share of the query's character bigrams found in `text` (0–100): order-free, so a
    reworded question still matches."""
    qb = _bigrams(q)
    if not qb or not text:
        return 0.0
    hits = sum(1 for b in qb if b in text)
    return 100.0 * hits / len(qb)


def _lcs(a: str, b: str) -> int:
    """Length of the longest common subsequence (bit-parallel, one machine word per char of `a`)."""
    masks: dict[str, int] = {}
    for i, ch in enumerate(a):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for ch in b:
        u = v & masks.get(ch, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def _ratio(a: str, b: str) -> float:
    """Normalised indel similarity 0–100 (rapidfuzz's `ratio`)."""
    total = len(a) + len(b)
    return 100.0 * (1.0 - (total - 2 * _lcs(a, b)) / total) if total else 100.0


def _partial_one(short: str, long: str) -> float:
    m, n = len(short), len(long)
    best = 0.0
    for i in range(1, m):  # the needle hanging over the start …
        best = max(best, _ratio(short, long[:i]))
    for i in range(n - m + 1):  # … every full window …
        best = max(best, _ratio(short, long[i : i + m]))
    for i in range(n - m + 1, n):  # … and over the end
        best = max(best, _ratio(short, long[i:]))
    return best


def partial_ratio(a: str, b: str) -> float:
    """The best `_ratio` of the shorter text against any alignment on the longer one: the
    score of rapidfuzz's `fuzz.partial_ratio` (equal on every needle up to 64 characters,
    tests/unit/test_crm_lookup.py), computed exhaustively so that Code.gs (crm.js), Lite
    (Pyodide, no rapidfuzz) and Excel rank the FAQ with the same numbers."""
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    best = _partial_one(a, b)
    if len(a) == len(b) and best != 100.0:
        best = max(best, _partial_one(b, a))
    return best


def similarity(query: str, text: str) -> float:
    """0–100: how well `query` (normalised) matches `text` (normalised): the better of the
    fuzzy alignment and the share of shared character bigrams. crm.js computes exactly this."""
    if not query or not text:
        return 0.0
    return max(partial_ratio(query, text), _bigram_overlap(query, text))


def _keywords(cell: object) -> list[str]:
    return [k for k in (_norm(p) for p in _SPLIT.split("" if cell is None else str(cell))) if k]


def _blank(v: object) -> bool:
    if v is None or type(v).__name__ in ("NaTType", "NAType"):
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and not v.strip()


def _rows(table: Table, columns: dict[str, str], what: str) -> list[Row]:
    """A DataFrame or a 2-D list with a header row → list of {key: value} (unknown headers dropped)."""
    if table is None:
        return []
    if hasattr(table, "columns"):
        heads = list(table.columns)
        body = list(table.itertuples(index=False, name=None))
    else:
        grid = [list(r) if isinstance(r, (list, tuple)) else [r] for r in table]
        grid = [r for r in grid if any(v not in (None, "") for v in r)]
        if not grid:
            return []
        heads, body = grid[0], grid[1:]
    keys = [canonical(columns, h) if h is not None else None for h in heads]
    if not any(keys):
        raise BadArgument(
            what,
            ", ".join(str(h) for h in heads[:8]),
            expected("header_row", columns="、".join(columns.values())),
        )
    out: list[Row] = []
    for row in body:
        rec: Row = {}
        for k, v in zip(keys, row):
            if k and k not in rec:
                rec[k] = None if _blank(v) else v
        if any(v is not None for v in rec.values()):
            out.append(rec)
    return out


def faq_scores(query: object, faq: Table) -> list[tuple[float, int, Row]]:
    """(score 0–100, row index, row) for every FAQ row, best first (ties: sheet order)."""
    rows = _rows(faq, FAQ_COLUMNS, "faq")
    q = _norm(query)
    qs = _strip_filler(q) or q
    scored = []
    for i, r in enumerate(rows):
        question = _norm(r.get("question"))
        qtext = _strip_filler(question) or question
        kws = _keywords(r.get("keywords"))
        kw = max([100.0 if k in q else similarity(k, qs) * 0.8 for k in kws], default=0.0)
        text = similarity(qs, qtext)
        answer = similarity(qs, _norm(r.get("answer"))) * 0.5
        scored.append((round(0.55 * max(kw, answer) + 0.45 * text, 1), i, r))
    scored.sort(key=lambda s: (-s[0], s[1]))
    return scored


def faq_lookup(query: object, faq: Table, top: int = 3, min_score: float = 30.0) -> list[Row]:
    """The best `top` answers for `query`: [{"score", "question", "answer"}], best first; empty
    when the query is blank or nothing scores `min_score`."""
    if _norm(query) == "":
        return []
    out: list[Row] = []
    for score, _, r in faq_scores(query, faq):
        if score < min_score or len(out) >= max(1, int(top)):
            break
        if r.get("answer") is None and r.get("question") is None:
            continue
        out.append({"score": score, "question": r.get("question") or "", "answer": r.get("answer") or ""})
    return out


# ---- customer history --------------------------------------------------------------------

_FACT_EVENTS = [
    ("consult_date", "咨询"),
    ("appointment_date", "预约"),
    ("visit_date", "到店"),
    ("purchase_date", "购买"),
    ("surgery_date", "手术"),
    ("discharge_date", "出院"),
    ("treatment_date", "治疗"),
    ("course_end_date", "疗程结束"),
    ("received_date", "收货"),
]
_KIND_ZH = {v: k for k, v in KINDS.items()}
_CHANNEL_ZH = {v: k for k, v in CHANNELS.items()}
_OUTCOME_ZH = {v: k for k, v in OUTCOMES.items()}
_STATUS_ZH = {v: k for k, v in COMPLAINT_STATUSES.items()}


def _when(value: object, argument: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return to_datetime(value, argument)
    except (BadArgument, ValueError, TypeError):
        return None


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return mask_phones_in_text(str(v).strip())


def _same_id(v: object, cid: str) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return normalize(v) == cid


def _zh(table: dict[str, str], value: object) -> str:
    t = _text(value)
    return table.get(normalize(t), t)


def customer_history(
    customer_id: object, customers: Table, calls: Table = None, gifts: Table = None, complaints: Table = None
) -> list[Row]:
    """One customer's events in date order: [{"date", "event", "detail", "result", "who"}].

    The first row is the customer's card (name, masked phone, store, class; no date). Raises
    BadArgument for a blank id or an id not in `customers`."""
    cid = normalize(
        customer_id.__int__() if isinstance(customer_id, float) and customer_id.is_integer() else customer_id
    )
    if not cid:
        raise BadArgument("customer_id", customer_id, expected("customer_id_blank"))
    cust = [
        r
        for r in _rows(customers, {**CUSTOMER_COLUMNS, **FACT_COLUMNS}, "customers")
        if _same_id(r.get("customer_id"), cid)
    ]
    if not cust:
        raise BadArgument("customer_id", customer_id, expected("customer_id_unknown"))
    events: list[Row] = []
    c = cust[0]
    card = "  ".join(
        p
        for p in (_text(c.get("name")), mask_phone(c.get("phone")) if c.get("phone") else "", _text(c.get("store")))
        if p
    )
    head = {
        "date": None,
        "event": "客户资料",
        "detail": card,
        "result": _text(c.get("class")),
        "who": _text(c.get("owner")),
    }
    for rec in cust:
        for key, label in _FACT_EVENTS:
            when = _when(rec.get(key), key)
            if when is None:
                continue
            detail = ""
            if key == "purchase_date" and rec.get("amount") is not None:
                detail = f"金额 {_text(rec.get('amount'))}"
            events.append(
                {"date": when, "event": label, "detail": detail, "result": "", "who": _text(rec.get("owner")), "_o": 0}
            )
    for r in _rows(calls, CALL_COLUMNS, "calls") if calls is not None else []:
        if not _same_id(r.get("customer_id"), cid):
            continue
        when = _when(r.get("call_time"), "call_time")
        kind = _zh(_KIND_ZH, r.get("kind")) or "回访"
        channel = _zh(_CHANNEL_ZH, r.get("channel")) or "电话"
        detail = _text(r.get("feedback"))
        if r.get("resolution"):
            detail = (detail + f"(处理状态: {_text(r.get('resolution'))})").strip()
        events.append(
            {
                "date": when,
                "event": f"{kind}·{channel}",
                "detail": detail,
                "result": _zh(_OUTCOME_ZH, r.get("outcome")),
                "who": _text(r.get("agent")),
                "_o": 1,
            }
        )
    for r in _rows(gifts, GIFT_COLUMNS, "gifts") if gifts is not None else []:
        if not _same_id(r.get("customer_id"), cid):
            continue
        value = f"(价值 {_text(r.get('value'))})" if r.get("value") is not None else ""
        events.append(
            {
                "date": _when(r.get("given_date"), "given_date"),
                "event": "礼品",
                "detail": f"{_text(r.get('gift'))}{value}",
                "result": _text(r.get("check_result")),
                "who": "",
                "_o": 2,
            }
        )
    for r in _rows(complaints, COMPLAINT_COLUMNS, "complaints") if complaints is not None else []:
        if not _same_id(r.get("customer_id"), cid):
            continue
        ident = _text(r.get("complaint_id"))
        category = _text(r.get("category"))
        label = "投诉" + (f" {ident}" if ident else "")
        detail = (f"[{category}] " if category else "") + _text(r.get("content"))
        events.append(
            {
                "date": _when(r.get("date"), "date"),
                "event": label,
                "detail": detail,
                "result": _zh(_STATUS_ZH, r.get("status")),
                "who": " / ".join(p for p in (_text(r.get("department")), _text(r.get("resolver"))) if p),
                "_o": 3,
            }
        )
        solved = _when(r.get("resolved_date"), "resolved_date")
        if solved is not None:
            events.append(
                {
                    "date": solved,
                    "event": label + " 解决",
                    "detail": _text(r.get("resolution")),
                    "result": _zh(_STATUS_ZH, r.get("status")),
                    "who": _text(r.get("resolver")),
                    "_o": 4,
                }
            )
        back = _when(r.get("callback_date"), "callback_date")
        if back is not None:
            events.append(
                {
                    "date": back,
                    "event": label + " 回访",
                    "detail": "",
                    "result": "",
                    "who": _text(r.get("resolver")),
                    "_o": 5,
                }
            )
    far = dt.datetime.max
    events.sort(key=lambda e: (e["date"] or far, e["_o"]))
    for e in events:
        e.pop("_o")
    return [head] + events
