"""Checking a file name against the report names (SPEC §3.6): `check_report_name`."""

from __future__ import annotations

import re
from pathlib import PureWindowsPath
from typing import NamedTuple

from .calendar import REPORT_KINDS, weeks_in_month
from .errors import BadArgument

__all__ = ["NameCheck", "check_report_name", "guess_kind"]


class NameCheck(NamedTuple):
    ok: bool
    expected: str | None  # the correct name closest to what was given, when it can be inferred
    problems: list[str]


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_NUM = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}
_QUOTES = "《》<>〈〉「」『』“”\"'"
_NAME = re.compile(r"^(\d+)月(?:第(\d+)周)?(.*)$")


def _cn_numerals(stem: str) -> str:
    pattern = "|".join(sorted(_CN_NUM, key=len, reverse=True))
    stem = re.sub(rf"^({pattern})(?=月)", lambda m: str(_CN_NUM[m.group(1)]), stem)
    return re.sub(rf"第({pattern})周", lambda m: f"第{_CN_NUM[m.group(1)]}周", stem)


def guess_kind(words: str, has_week: bool) -> str:
    """The report kind a name's words (after 第W周 / 月) most likely mean: the first kind of
    `REPORT_KINDS` with one of its keywords in them, else the first kind of the period the name
    has (a week number: "week", none: "month")."""
    for code, spec in REPORT_KINDS.items():
        if any(k in words for k in spec["keywords"]):
            return code
    period = "week" if has_week else "month"
    return next(code for code, spec in REPORT_KINDS.items() if spec["period"] == period)


def check_report_name(filename: object, year: int | None = None) -> NameCheck:
    """Is `filename` (a path is fine: only its base name counts) exactly a report name?

    `year`, when known, lets the check reject a week the month does not have that year.
    """
    if filename is None or not str(filename).strip():
        raise BadArgument("filename", filename, "文件名不能为空 (the file name is empty)")
    base = PureWindowsPath(str(filename).strip()).name  # splits on both / and \\
    problems: list[str] = []
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
        problems.append("缺少扩展名 .xlsx (the extension .xlsx is missing)")
    elif ext != "xlsx":
        hint = "应为小写 .xlsx" if ext.lower() == "xlsx" else "应为 .xlsx"
        problems.append(f"扩展名 .{ext} {hint} (the extension must be .xlsx)")
    if any(q in stem for q in _QUOTES):
        problems.append("文件名不含书名号或引号《》 (remove the 《》 quotes)")
        stem = "".join(c for c in stem if c not in _QUOTES)
    if re.search(r"\s", stem):
        problems.append("文件名不能有空格 (remove the spaces)")
        stem = re.sub(r"\s+", "", stem)
    if stem != stem.translate(_FULLWIDTH):
        problems.append("数字应为半角 (use ASCII digits, not full-width ones)")
        stem = stem.translate(_FULLWIDTH)
    if _cn_numerals(stem) != stem:
        problems.append("月份和周次应使用阿拉伯数字 (write month and week as 11, 3, not 十一, 三)")
        stem = _cn_numerals(stem)
    if re.search(r"(?<!\d)0\d", stem):
        problems.append("数字不补零: 写 11月、第3周 (no zero padding: 11月, 第3周)")
        stem = re.sub(r"(?<!\d)0+(?=\d)", "", stem)
    if re.match(r"^\d{4}年", stem):
        problems.append("文件名不含年份 (no year in the name)")
        stem = stem[5:]
    m = _NAME.match(stem)
    if not m:
        problems.append(
            "无法识别月份和周次,应为 {M}月第{W}周客户回访记录单.xlsx 或 {M}月客户回访汇总表.xlsx "
            "(cannot read the month and week)"
        )
        return NameCheck(False, None, problems)
    month, week, words = int(m.group(1)), m.group(2), m.group(3)
    kind = guess_kind(words, week is not None)
    if not 1 <= month <= 12:
        problems.append(f"月份 {month} 不存在 (month {month} does not exist)")
        return NameCheck(False, None, problems)
    expected: str | None
    monthly = REPORT_KINDS[kind]["period"] == "month"
    if monthly:
        expected = REPORT_KINDS[kind]["name"].format(M=month)
        if week is not None:
            problems.append("月度汇总表不含周次 (the monthly summary has no week number)")
    else:
        w = int(week)
        most = weeks_in_month(year, month) if year else 5
        expected = REPORT_KINDS[kind]["name"].format(M=month, W=w)
        if not 1 <= w <= most:
            where = f"{year}年{month}月" if year else f"{month}月"
            problems.append(f"{where}没有第{w}周,最多 {most} 周 (week {w} is impossible: at most {most})")
            expected = None
    wording = REPORT_KINDS[kind]["name"].split("月" if monthly else "周", 1)[1][:-5]
    if words != wording:
        problems.append(f"用词应为「{wording}」而不是「{words}」 (wrong wording: {words!r} → {wording!r})")
    return NameCheck(not problems, expected, problems)
