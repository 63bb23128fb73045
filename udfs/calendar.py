"""Weeks, report names and deadlines, and call windows (SPEC §3.2, §3.6).

Weeks run Monday–Sunday and belong to the month that holds their Thursday, numbered from 1.
Working days and statutory holidays of China come from the `holidays` package, including the
make-up working days (调休) that fall on a weekend. Times are Asia/Shanghai.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import PureWindowsPath
from typing import NamedTuple
from zoneinfo import ZoneInfo

import holidays

from .dates import to_date
from .errors import BadArgument
from .schema import flag_codes, normalize

__all__ = [
    "TZ", "MORNING", "AFTERNOON", "WINDOWS", "REPORT_KINDS", "week_of", "week_label",
    "weeks_in_month", "report_kind", "report_name", "report_deadline", "is_working_day",
    "is_makeup_workday", "call_windows", "call_window", "NameCheck", "check_report_name",
]

TZ = ZoneInfo("Asia/Shanghai")
DAY = dt.timedelta(days=1)

# Call windows as data: which windows a kind of day gets (SPEC §3.2, 003_…).
MORNING = (dt.time(10, 0), dt.time(11, 30))
AFTERNOON = (dt.time(14, 0), dt.time(16, 30))
WINDOWS: dict[str, tuple[tuple[dt.time, dt.time], ...]] = {
    "workday": (MORNING, AFTERNOON),
    "monday": (AFTERNOON,),        # no morning window on Mondays (weekly report due 12:00)
    "day_off": (AFTERNOON,),       # weekends and statutory holidays
    "night_shift": (AFTERNOON,),   # customers flagged 夜班
}

# Report kinds: file-name pattern, deadline rule, and the aliases users type.
REPORT_KINDS: dict[str, dict] = {
    "weekly": {"name": "{M}月第{W}周客户回访记录单.xlsx",
               "aliases": ("weekly", "week", "回访记录单", "客户回访", "客户回访记录单", "周报")},
    "gift": {"name": "{M}月第{W}周礼品回访记录单.xlsx",
             "aliases": ("gift", "gifts", "礼品", "礼品回访", "礼品回访记录单", "礼品核查")},
    "monthly": {"name": "{M}月客户回访汇总表.xlsx",
                "aliases": ("monthly", "month", "汇总", "汇总表", "客户回访汇总表", "月报")},
}
WEEKLY_DEADLINE = dt.time(12, 0)   # the Monday after the week
MONTHLY_DEADLINE = (2, dt.time(18, 0))  # the 2nd of the next month ("每月2日18:00前")


def _day(value: object, argument: str = "date") -> dt.date:
    day = to_date(value, argument)
    if day is None:
        raise BadArgument(argument, value, "日期不能为空 (the date is empty)")
    return day


def week_of(date: object) -> tuple[int, int, dt.date]:
    """(month, week number in that month, Monday) of the Monday–Sunday week holding `date`."""
    day = _day(date)
    monday = day - day.weekday() * DAY
    thursday = monday + 3 * DAY
    return thursday.month, (thursday.day - 1) // 7 + 1, monday


def week_label(date: object) -> str:
    """`11月第3周` for any day of 2026-11-16…22."""
    month, week, _ = week_of(date)
    return f"{month}月第{week}周"


def weeks_in_month(year: int, month: int) -> int:
    """How many weeks (Thursdays) a month has: 4 or 5."""
    first = dt.date(year, month, 1)
    first_thursday = 1 + (3 - first.weekday()) % 7
    last = ((dt.date(year + month // 12, month % 12 + 1, 1)) - DAY).day
    return (last - first_thursday) // 7 + 1


def report_kind(kind: object) -> str:
    """`weekly`, `gift` or `monthly` from a code or a Chinese alias (礼品, 汇总, 回访记录单, …)."""
    text = normalize(kind).replace(" ", "")
    for code, spec in REPORT_KINDS.items():
        if text in spec["aliases"]:
            return code
    raise BadArgument("kind", kind, "报表类型应为 weekly(回访记录单)、gift(礼品)或 monthly(汇总) "
                      "(expected weekly, gift or monthly)")


def report_name(kind: object, date: object) -> str:
    """THE file name of the report of `kind` that covers `date` (SPEC §3.6)."""
    code = report_kind(kind)
    day = _day(date)
    if code == "monthly":
        return REPORT_KINDS[code]["name"].format(M=day.month)
    month, week, _ = week_of(day)
    return REPORT_KINDS[code]["name"].format(M=month, W=week)


def report_deadline(kind: object, date: object) -> dt.datetime:
    """When the report covering `date` is due, tz-aware in Asia/Shanghai."""
    code = report_kind(kind)
    day = _day(date)
    if code == "monthly":
        dom, at = MONTHLY_DEADLINE
        first_next = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return dt.datetime.combine(first_next.replace(day=dom), at, tzinfo=TZ)
    _, _, monday = week_of(day)
    return dt.datetime.combine(monday + 7 * DAY, WEEKLY_DEADLINE, tzinfo=TZ)


@lru_cache(maxsize=32)
def _cn(year: int) -> holidays.HolidayBase:
    return holidays.China(years=year)


def is_working_day(date: object) -> bool:
    """Mon–Fri that is no statutory holiday, or a make-up working day (调休) on a weekend."""
    day = _day(date)
    return bool(_cn(day.year).is_working_day(day))


def is_makeup_workday(date: object) -> bool:
    day = _day(date)
    return day.weekday() >= 5 and day in _cn(day.year).weekend_workdays


def _day_kind(day: dt.date, flags: object) -> str:
    if "night_shift" in flag_codes(flags):
        return "night_shift"
    if not _cn(day.year).is_working_day(day):
        return "day_off"
    return "monday" if day.weekday() == 0 else "workday"


def call_windows(date: object, flags: object = "") -> list[tuple[dt.time, dt.time]]:
    """The allowed call windows that day as (start, end) times, earliest first."""
    day = _day(date)
    return list(WINDOWS[_day_kind(day, flags)])


def call_window(date: object, flags: object = "") -> str:
    """`10:00-11:30,14:00-16:30` on ordinary working days; afternoons only otherwise."""
    return ",".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in call_windows(date, flags))


class NameCheck(NamedTuple):
    ok: bool
    expected: str | None   # the correct name closest to what was given, when it can be inferred
    problems: list[str]


_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}
_QUOTES = "《》<>〈〉「」『』“”\"'"
_NAME = re.compile(r"^(\d+)月(?:第(\d+)周)?(.*)$")


def _cn_numerals(stem: str) -> str:
    pattern = "|".join(sorted(_CN_NUM, key=len, reverse=True))
    stem = re.sub(rf"^({pattern})(?=月)", lambda m: str(_CN_NUM[m.group(1)]), stem)
    return re.sub(rf"第({pattern})周", lambda m: f"第{_CN_NUM[m.group(1)]}周", stem)


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
        problems.append("无法识别月份和周次,应为 {M}月第{W}周客户回访记录单.xlsx 或 {M}月客户回访汇总表.xlsx "
                        "(cannot read the month and week)")
        return NameCheck(False, None, problems)
    month, week, words = int(m.group(1)), m.group(2), m.group(3)
    kind = "gift" if "礼品" in words else "monthly" if "汇总" in words or week is None else "weekly"
    if not 1 <= month <= 12:
        problems.append(f"月份 {month} 不存在 (month {month} does not exist)")
        return NameCheck(False, None, problems)
    expected: str | None
    if kind == "monthly":
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
    wording = REPORT_KINDS[kind]["name"].split("周" if kind != "monthly" else "月", 1)[1][:-5]
    if words != wording:
        problems.append(f"用词应为「{wording}」而不是「{words}」 (wrong wording: {words!r} → {wording!r})")
    return NameCheck(not problems, expected, problems)
