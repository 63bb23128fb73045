"""The vocabulary shared by the engine, the templates, the sync and Google Sheets (SPEC §4.2).

Each sheet's columns are declared once: canonical English key → Chinese header. Input accepts
either; output uses Chinese by default and English with `lang="en"`.
"""

from __future__ import annotations

__all__ = [
    "CUSTOMER_COLUMNS",
    "FACT_COLUMNS",
    "COUNT_COLUMNS",
    "REQUEST_COLUMNS",
    "COMPUTED_COLUMNS",
    "CALL_COLUMNS",
    "EXTRA_ALIASES",
    "GIFT_COLUMNS",
    "SETTINGS_KEYS",
    "SHEETS",
    "OUTCOMES",
    "SUCCESS_OUTCOMES",
    "FAILED_DIAL_OUTCOMES",
    "CHANNELS",
    "FLAGS",
    "KINDS",
    "STATUSES",
    "PRIORITIES",
    "PURPOSES",
    "header",
    "canonical",
    "normalize",
    "outcome_code",
    "channel_code",
    "flag_codes",
]

# 客户 sheet (customers). Keys are also the column names of the engine's frames.
CUSTOMER_COLUMNS: dict[str, str] = {
    "customer_id": "客户编号",
    "name": "姓名",
    "phone": "电话",
    "store": "门店",
    "owner": "归属",
    "class": "类别",
    "consult_date": "咨询日期",
    "visit_date": "到店日期",
    "appointment_date": "预约日期",
    "purchase_date": "购买日期",
    "amount": "购买金额",
    "birthday": "生日",
    "flags": "标记",
}
# Event dates other playbooks anchor on (aesthetics, health products); optional columns.
FACT_COLUMNS: dict[str, str] = {
    "surgery_date": "手术日期",
    "discharge_date": "出院日期",
    "treatment_date": "治疗日期",
    "course_end_date": "疗程结束日期",
    "received_date": "收货日期",
    # aesthetics daily SMS list (003 每日必做工作)
    "dressing_date": "换药日期",
    "stitch_removal_date": "拆线日期",
    "revisit_date": "复诊日期",
    "next_treatment_date": "下次治疗日期",
    # the day the 投诉/不适 flag was set: phone entries after it act on the urgent step (SPEC §3.7)
    "flag_date": "标记日期",
}
# Optional whole-number columns of 客户 (aesthetics: which treatment of the course the 治疗日期 is).
COUNT_COLUMNS: dict[str, str] = {"treatment_count": "治疗次数"}
# The computed block written by FOLLOWUP_TABLE / the sync, in this order.
COMPUTED_COLUMNS: dict[str, str] = {
    "current_class": "当前类别",
    "anchor_date": "锚点日期",
    "next_date": "下次回访",
    "purpose": "回访目的",
    "channel": "方式",
    "owner_role": "负责人",
    "priority": "优先级",
    "status": "状态",
}
CALL_COLUMNS: dict[str, str] = {
    "call_time": "时间",
    "store": "门店",
    "agent": "坐席",
    "customer_id": "客户编号",
    "kind": "类型",
    "channel": "方式",
    "outcome": "结果",
    "questions": "问题数",
    "feedback": "反馈",
    "escalate": "需跟进",
    "resolution": "处理状态",
}
GIFT_COLUMNS: dict[str, str] = {
    "store": "门店",
    "customer_id": "客户编号",
    "gift": "礼品",
    "value": "价值",
    "given_date": "发放日期",
    "check_result": "核查结果",
}
# 回访需求 sheet (002: 各部门、店面1月一次回访需求, 报名 then 客户部确认): one row per request.
REQUEST_COLUMNS: dict[str, str] = {
    "requester": "门店或部门",
    "request_date": "提报日期",
    "content": "需求内容",
    "confirmed_by": "确认人",
}
SETTINGS_KEYS: dict[str, str] = {
    "store": "门店",
    "store_group": "门店组别",
    "playbook": "回访方案",
    "timezone": "时区",
    "daily_reception": "日均接待",
}
# Sheet names (SPEC §4.2): key → Chinese title.
SHEETS: dict[str, str] = {
    "customers": "客户",
    "calls": "回访记录",
    "gifts": "礼品",
    "quota": "配额",
    "settings": "设置",
    "requests": "回访需求",
}

# 结果 (outcome) values: Chinese → code. 已发送 records an SMS sent.
OUTCOMES: dict[str, str] = {
    "成功": "success",
    "未完成": "incomplete",
    "无人接听": "no_answer",
    "关机": "powered_off",
    "停机": "suspended",
    "空号": "invalid_number",
    "拒访": "refused",
    "已发送": "sent",
}
SUCCESS_OUTCOMES = frozenset({"success"})  # 002: connected and all questions answered
FAILED_DIAL_OUTCOMES = frozenset({"no_answer", "powered_off", "suspended"})
CHANNELS: dict[str, str] = {"电话": "call", "短信": "sms", "到店": "visit"}
FLAGS: dict[str, str] = {
    "投诉": "complaint",
    "不适": "adverse",
    "拒访": "dnc",
    "夜班": "night_shift",
    "难沟通": "hard_case",
    "公务车": "company_car",
}
KINDS: dict[str, str] = {"客户服务": "service", "礼品核查": "gift_check", "店面核销": "store_verify"}
STATUSES: dict[str, str] = {
    "逾期": "overdue",
    "今日到期": "due_today",
    "重拨": "retry",
    "待回访": "upcoming",
    "无法接通": "unreachable",
    "空号待更正": "invalid_number",
    "拒访": "do_not_call",
    "待转类": "pending_transition",
    "已完成": "finished",
    "缺锚点日期": "missing_anchor",
    "已取消": "cancelled",
    "无回访计划": "not_scheduled",
}
PRIORITIES: dict[str, str] = {"高": "high", "中": "normal", "低": "low"}
# 回访目的 (purpose) texts when there is no step to take; manual and table mode share them.
PURPOSES: dict[str, str] = {
    "do_not_call": "拒访:不再电话回访",
    "finished": "回访已完成",
    "cancelled": "已到店或成交,未到的提醒已取消",
    "transition": "转{to}类",
    "missing_anchor": "缺少{field}",
    "sms_first": "{m}月{d}日先发短信:{sms};然后:{then}",
    "cap": "{purpose};本月已回访{cap}次,达到上限,请勿再电话打扰 (monthly cap {cap} reached)",
}

_ALL_COLUMNS = {
    **CUSTOMER_COLUMNS,
    **FACT_COLUMNS,
    **COUNT_COLUMNS,
    **REQUEST_COLUMNS,
    **COMPUTED_COLUMNS,
    **CALL_COLUMNS,
    **GIFT_COLUMNS,
    **SETTINGS_KEYS,
}
# Other headers agents type for a column: one table, exported to Code.gs (FOLLOWUP_CRM.aliases).
EXTRA_ALIASES = {
    "phone_number": "phone",
    "mobile": "phone",
    "手机": "phone",
    "手机号": "phone",
    "class_code": "class",
    "时间/日期": "call_time",
    "日期": "call_time",
    "门店/部门": "requester",
    "部门": "requester",
    "需求": "content",
    "确认": "confirmed_by",
    "request": "content",
}


def header(key: str, lang: str = "zh") -> str:
    """The column header for a canonical key (`lang` "zh" or "en")."""
    return key if lang == "en" else _ALL_COLUMNS[key]


def normalize(text: object) -> str:
    """Trim, fold full-width spaces and case, as headers and dropdown values arrive from users."""
    return str(text).replace("\u3000", " ").strip().lower() if text is not None else ""


def canonical(columns: dict[str, str], text: object) -> str | None:
    """Map a header (Chinese, or an English alias) to its canonical key in `columns`, else None."""
    t = normalize(text).replace(" ", "_")
    for key, zh in columns.items():
        if t == key or t == normalize(zh):
            return key
    alias = EXTRA_ALIASES.get(t)
    return alias if alias in columns else None


def _code(table: dict[str, str], value: object) -> str | None:
    t = normalize(value)
    if not t:
        return None
    if t in table:
        return table[t]
    return t if t in table.values() else None


def outcome_code(value: object) -> str | None:
    """成功 / success → "success"; unknown → None."""
    return _code(OUTCOMES, value)


def channel_code(value: object) -> str | None:
    return _code(CHANNELS, value)


_EMPTY: frozenset[str] = frozenset()


def flag_codes(value: object) -> frozenset[str]:
    """`投诉, 夜班` (any of , ， ; 、 or spaces between) → {"complaint", "night_shift"}; unknown words kept as is."""
    if value is None or value != value or value == "":
        return _EMPTY
    out = set()
    for part in str(value).replace("，", ",").replace("、", ",").replace(";", ",").replace("；", ",").split(","):
        for word in part.split():
            code = _code(FLAGS, word)
            out.add(code if code else word)
    return frozenset(out)
