"""Chinese-first texts of the sync, with English available (`--lang en` or FOLLOWUP_LANG=en)."""

from __future__ import annotations

import os
import re

__all__ = ["lang_of", "T", "tr", "HEAD", "heads", "in_lang"]


def lang_of(lang: str | None = None) -> str:
    """ "en" when asked (argument, else env FOLLOWUP_LANG), otherwise "zh"."""
    value = (lang or os.environ.get("FOLLOWUP_LANG") or "zh").strip().lower()
    return "en" if value.startswith("en") else "zh"


# Report column headers: key → (zh, en)
HEAD: dict[str, tuple[str, str]] = {
    "call_time": ("时间", "Time"),
    "store": ("门店", "Store"),
    "agent": ("坐席", "Agent"),
    "customer_id": ("客户编号", "Customer"),
    "name": ("姓名", "Name"),
    "phone": ("电话", "Phone"),
    "kind": ("类型", "Kind"),
    "channel": ("方式", "Channel"),
    "outcome": ("结果", "Outcome"),
    "success": ("成功回访", "Success"),
    "questions": ("问题数", "Questions"),
    "feedback": ("反馈", "Feedback"),
    "escalate": ("需跟进", "Follow-up needed"),
    "resolution": ("处理状态", "Status"),
    "owner": ("负责人", "Owner"),
    "group": ("组别", "Group"),
    "calls": ("回访数", "Calls"),
    "successes": ("成功数", "Successes"),
    "people": ("成功人数", "People reached"),
    "rate": ("成功率", "Success rate"),
    "daily_target": ("日目标", "Daily target"),
    "weekly_min": ("周目标下限", "Weekly min"),
    "weekly_max": ("周目标上限", "Weekly max"),
    "days_met": ("达标天数", "Days on target"),
    "working_days": ("工作日", "Working days"),
    "max_share": ("单日最高占比", "Max day share"),
    "even": ("均衡", "Even"),
    "verdict": ("结论", "Verdict"),
    "day": ("日期", "Date"),
    "target": ("目标", "Target"),
    "gift": ("礼品", "Gift"),
    "value": ("价值", "Value"),
    "given_date": ("发放日期", "Given"),
    "check_result": ("核查结果", "Check result"),
    "sampled": ("抽查", "Sampled"),
    "total_gifts": ("礼品记录数", "Gift records"),
    "sample_size": ("应抽查", "Sample due"),
    "checked": ("已核查", "Checked"),
    "missing": ("待核查", "To check"),
    "checked_share": ("核查比例", "Share checked"),
    "check_sms": ("核查短信", "Check SMS"),
    "sms_to_sample": ("其中发给抽查客户", "Of which to the sample"),
    "in_sample": ("在抽查名单中", "In the sample"),
    "state": ("核查状态", "Check state"),
    "small": ("小店", "Small store"),
    "monthly_min": ("月最低", "Monthly min"),
    "month_ok": ("月度达标", "Month OK"),
    "who": ("提交人", "Filed by"),
    "report": ("报表", "Report"),
    "period": ("期间", "Period"),
    "filed_at": ("提交时间", "Filed at"),
    "deadline": ("截止时间", "Deadline"),
    "minutes_late": ("逾期分钟", "Minutes late"),
    "penalty": ("罚款(元)", "Penalty (CNY)"),
    "file": ("文件", "File"),
    "sheet": ("工作表", "Sheet"),
    "row": ("行", "Row"),
    "column": ("列", "Column"),
    "message": ("问题", "Problem"),
    "total": ("合计", "Total"),
    "origin": ("来源", "Source"),
    "read": ("读取", "Read"),
    "used": ("使用", "Used"),
    "rejected": ("拒绝", "Rejected"),
    "days_open": ("已等待天数", "Days open"),
    "purpose": ("回访目的", "Purpose"),
    "window": ("时段", "Call window"),
    "priority": ("优先级", "Priority"),
    "task": ("任务", "Task"),
    "flag": ("标记", "Flag"),
    "due": ("日期", "Due"),
    "current_class": ("当前类别", "Class"),
    "next_date": ("下次回访", "Next contact"),
    "last_feedback": ("最近反馈", "Last feedback"),
    "requester": ("门店或部门", "Store or department"),
    "requests": ("需求数", "Requests"),
    "confirmed": ("已确认", "Confirmed"),
    "ok": ("达标", "OK"),
    "status": ("状态", "Status"),
    "reasons": ("说明", "Notes"),
    "range": ("起止日期", "Dates"),
    "tier": ("金额档", "Amount tier"),
    "draw": ("抽取数", "Drawn"),
}

T: dict[str, tuple[str, str]] = {
    "sheet_detail": ("回访明细", "Calls"),
    "sheet_summary": ("汇总", "Summary"),
    "sheet_requests": ("回访需求", "Callback requests"),
    "requests_missing": (
        "本月没有已确认回访需求的门店/部门: {names}",
        "Stores/departments without a confirmed callback request this month: {names}",
    ),
    "req_store": ("门店", "store"),
    "req_department": ("部门", "department"),
    "req_other": ("其他", "other"),
    "sheet_open": ("待跟进问题", "Open issues"),
    "sheet_hard": ("难沟通个案", "Hard cases"),
    "no_hard": ("本周没有标记为难沟通的客户。", "No customer is marked as a hard case."),
    "sheet_daily": ("每日成功数", "Daily successes"),
    "sheet_gift_sample": ("礼品抽查", "Gift sample"),
    "sheet_gift_calls": ("礼品核查回访", "Gift checks"),
    "sheet_month": ("门店汇总", "By store"),
    "sheet_weeks": ("分周合计", "By week"),
    "sheet_late": ("逾期提交", "Late filings"),
    "sheet_ledger": ("提交记录", "Filings"),
    "sheet_errors": ("错误清单", "Rejected rows"),
    "sheet_tiers": ("金额档抽取", "Tier draws"),
    "title_weekly": ("{label}客户回访记录单", "Customer callback record, {label}"),
    "title_gift": ("{label}礼品回访记录单", "Gift check record, {label}"),
    "title_monthly": ("{label}客户回访汇总表", "Monthly callback summary, {label}"),
    "period_note": (
        "统计期间: {start} 至 {end} (电话号码已隐去中间四位)",
        "Period: {start} to {end} (phone numbers masked)",
    ),
    "rotation_note": (
        "本周抽取资料: {which} (大店/小店每周轮流,国际标准周第{week}周): {stores}",
        "Records drawn this week: {which_en} (big/small stores take turns, ISO week {week}): {stores}",
    ),
    "chart_title": ("每日成功回访数 vs 日目标", "Daily successful callbacks vs daily target"),
    "chart_target": ("日目标", "Daily target"),
    "group_target": ("{group}组 日目标 ({stores})", "group {group} daily target ({stores})"),
    "cap_stores": ("各门店本周回访与配额", "Calls and quota per store this week"),
    "cap_agents": ("各坐席本周回访", "Calls per agent this week"),
    "no_calls": ("本周没有回访记录。", "No calls this week."),
    "no_open": ("本周没有待跟进的问题。", "No open issues this week."),
    "sample_note": (
        "按礼品价值从高到低抽取每店 {share:.0%} 的礼品记录,以短信核查。",
        "{share:.0%} of each store's gift records, highest value first, checked by SMS.",
    ),
    "yes": ("是", "yes"),
    "warning": ("警告", "warning"),
    "no": ("否", "no"),
    "no_gifts": ("本周无礼品", "no gifts this week"),
    "gift_checked": ("已核查", "checked"),
    "gift_missing": ("未核查", "not checked"),
    "gift_reconcile": (
        "核对: 礼品记录 {total_gifts} 条 → 应抽查 {sample_size} 条 (每店 {share:.0%},向上取整) = 已核查 {checked} 条 + "
        "待核查 {missing} 条。抽查名单全部核查才算达到 {share:.0%} 目标。",
        "Reconciled: {total_gifts} gift records → {sample_size} to check ({share:.0%} per store, rounded up) = "
        "{checked} checked + {missing} still to check. The {share:.0%} target is met when the whole sample is checked.",
    ),
    "gift_sms_note": (
        "回访记录中本周有 {check_sms} 条礼品核查短信/电话(见「礼品核查回访」),其中 {sms_to_sample} 条发给抽查名单中的客户;"
        "其余是发给非抽查客户或本周以前发放的礼品的,不计入本周抽查。已核查只按名单中填写的核查结果计算。",
        "The call log holds {check_sms} gift-check SMS/calls this week (sheet Gift checks), {sms_to_sample} of them "
        "to customers of the sample; the others went to customers outside the sample or for earlier gifts and do "
        "not count. Checked counts only the check results entered in the sample.",
    ),
    "gift_calls_note": (
        "回访记录中类型为礼品核查的本周全部记录 ({check_sms} 条);「在抽查名单中」为是的 {sms_to_sample} 条发给本周抽查的客户。",
        "Every gift-check entry of the week's call log ({check_sms}); the {sms_to_sample} marked In the sample "
        "went to customers of this week's sample.",
    ),
    "no_gifts_week": ("本周没有发放礼品的记录。", "No gifts were given this week."),
    "no_gift_calls": ("本周回访记录中没有礼品核查记录。", "No gift checks in this week's call log."),
    "even_ok": ("均衡", "even"),
    "uneven": ("不均衡", "uneven"),
    "below": ("未达标", "below target"),
    "within": ("达标", "on target"),
    "above": ("超出", "above target"),
    "no_group": ("未设组别,无目标", "no store group: no target"),
    "late_none": ("本月没有逾期提交。", "No late filings this month."),
    "open_status": ("未解决", "open"),
    "sheet_month_chart": ("分周成功数", "Weekly successes"),
    "cap_month_stores": ("各门店本月回访", "Calls per store this month"),
    "cap_gift_summary": ("各门店礼品抽查核对", "Gift check per store"),
    "cap_gift_sample": ("抽查名单 (逐条核查结果)", "The sample, record by record"),
    "month_chart_title": ("各门店每周成功回访数 vs 周目标", "Successful callbacks per store and week vs weekly target"),
    "band_low": ("{group}组 周目标下限", "group {group} weekly min"),
    "band_high": ("{group}组 周目标上限", "group {group} weekly max"),
    "small_check": (
        "小店月度检查: {store} 本月成功回访 {n} 人,至少 {min} 人 — {verdict}",
        "Small-store check: {store} {n} people reached this month, at least {min} — {verdict}",
    ),
    "no_small": ("小店月度检查: 没有设为小店的门店。", "Small-store check: no store is marked small."),
}


def tr(key: str, lang: str = "zh", **kw) -> str:
    zh, en = T[key] if key in T else HEAD[key]
    text = en if lang == "en" else zh
    return text.format(**kw) if kw else text


def heads(keys: list[str], lang: str = "zh") -> list[str]:
    return [HEAD[k][1 if lang == "en" else 0] for k in keys]


_CJK = re.compile(r"[\u2e80-\u9fff\uff00-\uffef]")


def _latin_groups(text: str) -> list[tuple[int, int]]:
    """Spans of the balanced `( … )` groups (outermost) that hold Latin letters and no CJK."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
            if depth == 0:
                inner = text[start + 1 : i]
                if re.search(r"[A-Za-z]", inner) and not _CJK.search(inner):
                    spans.append((start, i + 1))
    return spans


def in_lang(text: str, lang: str = "zh") -> str:
    """One language of a bilingual message (`电话为空,请补填 (phone is missing)` or
    `找不到工作簿 / workbook not found`): the Chinese for zh, the English for en. A text in one
    language only is returned as it is."""
    text = str(text)
    if not _CJK.search(text):
        return text
    left, sep, right = text.partition(" / ")
    if sep and _CJK.search(left) and not _CJK.search(right) and re.search(r"[A-Za-z]", right):
        return right.strip() if lang == "en" else left.strip()
    spans = _latin_groups(text)
    if not spans:
        return text
    if lang == "en":
        return "; ".join(text[a + 1 : b - 1].strip() for a, b in spans)
    out, at = [], 0
    for a, b in spans:
        out.append(text[at:a].rstrip(" "))
        at = b
    out.append(text[at:])
    return "".join(out).strip()
