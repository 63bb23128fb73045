"""The templates' own texts in Chinese and English, and the English sample codes.

Sheet and column names come from `layout`; these are the labels, notes, prompts and list
values the sheet writers put around them.
"""

from __future__ import annotations

from followup.udfs.schema import CHANNELS, FLAGS, KINDS, OUTCOMES

__all__ = ["TEXTS", "WEEKDAYS_EN", "WEEK_STATUS_EN", "code_lists", "translate"]

TEXTS = {
    "zh": {
        "computed_note": "以下各列由 =FOLLOWUP_TABLE(...) 自动计算,请勿手填",
        # Shown by the formulas themselves when the followup functions are missing (one cell);
        # an Excel string literal: at most 255 characters.
        "missing_note": (
            "本机没有 followup 函数,左侧无法计算。Windows:安装 xlwings 加载项;Mac/网页版:xlwings Lite;"
            "WPS/LibreOffice:请同事运行 followup today 生成回访清单。见 README。"
        ),
        "quota_title": "本周成功回访配额",
        "as_of": "基准日期",
        "week_start": "本周一",
        "group": "门店组别",
        "day_cols": ["日期", "星期", "工作日", "成功数", "日目标", "达标"],
        "total": "本周合计",
        "band": "周目标 ",
        "even": "均衡",
        "uneven": "不均衡",
        "yes": "是",
        "no": "否",
        "helper": "计算依据",
        "n_work": "工作日数",
        "daily": "每日目标",
        "lo": "每周下限",
        "hi": "每周上限",
        "share": "单日占比上限",
        "idle": "零成功工作日",
        "top": "最高单日占比",
        "targets": ["组别", "每日目标", "每周下限", "每周上限"],
        "evenness_max": "均衡:单日最多占全周",
        "chart": "本周每日成功回访",
        "chart_s1": "成功数",
        "chart_s2": "日目标",
        "today": "今天(计算基准日)",
        "today_note": "默认公式 =TODAY();填入某个日期即可查看那天的回访计划与配额",
        "settings": ["项目", "值"],
        "cal": ["日期", "类型"],
        "off": "休",
        "work": "班",
        "cal_note": "与周一至周五规则不同的日子:休 = 工作日放假,班 = 周末调休上班",
        "manual_note": "手动模式:填写类别、锚点日期与回访进度,下次回访由 NEXT_FOLLOWUP 计算(不会自动转类)",
        "resolution": ["待处理", "处理中", "已解决"],
        "check": ["已核实", "未核实", "无法联系"],
        "class_prompt": "类别",
        "flag_prompt": "可填多个,用逗号分隔",
    },
    "en": {
        "computed_note": "Computed by =FOLLOWUP_TABLE(...): do not type here",
        "missing_note": (
            "No followup functions here: nothing on the left is computed. Windows: the xlwings add-in; "
            "Mac/web: xlwings Lite; WPS/LibreOffice: ask for followup today lists. See README."
        ),
        "quota_title": "Successful callbacks this week",
        "as_of": "As of",
        "week_start": "Monday",
        "group": "Store group",
        "day_cols": ["date", "weekday", "working", "successes", "daily target", "met"],
        "total": "Week total",
        "band": "target ",
        "even": "even",
        "uneven": "uneven",
        "yes": "yes",
        "no": "no",
        "helper": "Working",
        "n_work": "working days",
        "daily": "daily target",
        "lo": "weekly min",
        "hi": "weekly max",
        "share": "max share of one day",
        "idle": "working days with 0",
        "top": "largest day share",
        "targets": ["group", "daily", "weekly_min", "weekly_max"],
        "evenness_max": "evenness: max share of one day",
        "chart": "Successful callbacks per day",
        "chart_s1": "successes",
        "chart_s2": "daily target",
        "today": "Today (as-of date)",
        "today_note": "Formula =TODAY() by default; type a date to see the plan and quotas of that day",
        "settings": ["key", "value"],
        "cal": ["date", "kind"],
        "off": "off",
        "work": "work",
        "cal_note": "Days that differ from the Mon-Fri rule: off = weekday holiday, work = make-up working day",
        "manual_note": "Manual mode: type class, anchor date and progress; NEXT_FOLLOWUP computes the next date (no class changes)",
        "resolution": ["open", "in progress", "resolved"],
        "check": ["verified", "not verified", "unreachable"],
        "class_prompt": "class",
        "flag_prompt": "several allowed, comma separated",
    },
}
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEK_STATUS_EN = {"below": "below", "within": "within", "above": "above"}


def code_lists(lang: str) -> dict[str, list[str]]:
    if lang == "zh":
        return {"outcome": list(OUTCOMES), "channel": list(CHANNELS), "kind": list(KINDS), "flags": list(FLAGS)}
    return {
        "outcome": list(OUTCOMES.values()),
        "channel": list(CHANNELS.values()),
        "kind": list(KINDS.values()),
        "flags": list(FLAGS.values()),
    }


def translate(row: dict, lang: str) -> dict:
    """Sample values in English codes for the English template (the engine accepts both)."""
    if lang == "zh":
        return row
    out = dict(row)
    for key, table in (("outcome", OUTCOMES), ("channel", CHANNELS), ("kind", KINDS)):
        if out.get(key) in table:
            out[key] = table[out[key]]
    if out.get("flags"):
        out["flags"] = ", ".join(FLAGS.get(w.strip(), w.strip()) for w in str(out["flags"]).split(","))
    return out
