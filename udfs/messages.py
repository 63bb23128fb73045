"""The cell functions' error texts, in one table (SPEC §4.1: a bad argument names the argument
and the value). Python raises them through `errors.BadArgument`; `addin/gsheets/make_appsscript.py`
exports the same table to Code.gs (FOLLOWUP_DATA.messages), whose fuBad_ builds the same
message, so a bad argument reads the same in Excel, xlwings Lite and Google Sheets.

Each entry is `中文 (English)` with `{name}` placeholders; `expected(key, **values)` fills them.
`BAD_ARGUMENT` (`BAD_ARGUMENT_EN` when the entry has an English half) frames it with the
argument and its value (Python's `repr`, which Code.gs reproduces).
"""

from __future__ import annotations

__all__ = ["MESSAGES", "BAD_ARGUMENT", "BAD_ARGUMENT_EN", "expected"]

BAD_ARGUMENT = "参数 {argument} 的值 {value} 无效: {zh} (argument {argument}={value} is invalid)"
BAD_ARGUMENT_EN = "参数 {argument} 的值 {value} 无效: {zh} (argument {argument}={value} is invalid: {en})"

MESSAGES: dict[str, str] = {
    # dates (udfs/dates.py, calendar.py)
    "date_text": "应为日期,例如 2026-11-03、2026/11/3 或 2026年11月3日 (expected a date such as 2026-11-03)",
    "date_time": "不是有效的日期时间 (not a valid date/time)",
    "date_bool": "应为日期 (expected a date, got a boolean)",
    "date_serial": "不是有效的 Excel 日期序列号 (not a valid Excel date serial)",
    "date_type": "应为日期 (expected a date)",
    "date_empty": "日期不能为空 (the date is empty)",
    # counts and numbers (udfs/engine.py)
    "count": "应为非负整数 (expected a whole number ≥ 0)",
    "count_max": "次数过大,应不超过 {max} (expected at most {max})",
    "number": "应为非负数 (expected a number ≥ 0)",
    # playbooks and classes (udfs/playbook.py, engine.py)
    "playbook": "可用的回访方案: {names},或一个 .toml 文件路径 (a built-in playbook name or a .toml file)",
    "classes": "回访方案 {playbook} 的类别为 {classes} (a class of playbook {playbook}: {codes})",
    "no_classes": "回访方案 {playbook} 没有客户类别,只定配额 (playbook {playbook} has no customer classes)",
    "class_empty": "类别不能为空 (class is empty)",
    # reports (udfs/calendar.py)
    "report_kind": "报表类型应为 weekly(回访记录单)、gift(礼品)或 monthly(汇总) (expected weekly, gift or monthly)",
    # quotas (udfs/quotas/)
    "yes_no": "应为 是/否 (expected yes or no)",
    "outcome": "结果应为 成功、未完成、无人接听、关机、停机、空号、拒访 或 已发送 (unknown outcome)",
    "group": "门店组别应为 {groups} (unknown store group)",
    "same_length": "应与 dates 一样多 ({n} 个) (dates and outcomes must have the same length)",
    "no_dates": "没有任何通话日期,请给出 week_start (no dates and no week_start)",
    # the cell functions themselves (udfs/excel.py)
    "function_name": "函数名应为 {names} (the name of a followup function)",
    "top": "应为不小于 1 的整数 (expected a whole number ≥ 1)",
    # CRM (udfs/crm.py)
    "customer_id_blank": "请给出客户编号 (give a customer id)",
    "customer_id_unknown": "客户表中没有这个客户编号 (no such customer id in the customer table)",
    "header_row": "表头应包含 {columns} (the header row must name these columns)",
}


def expected(key: str, **values: object) -> str:
    """The `expected` text of a BadArgument: MESSAGES[key] with its placeholders filled."""
    return MESSAGES[key].format(**values)
