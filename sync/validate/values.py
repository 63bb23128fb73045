"""Typed cell values that can be wrong: phone, date, call time, amount → value or `Problem`."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from followup.udfs.dates import to_date, to_datetime
from followup.udfs.errors import BadArgument

from .cells import as_number, is_blank

__all__ = ["Problem", "as_phone", "as_day", "as_moment", "as_amount", "what_en", "EARLIEST", "LATEST"]

EARLIEST, LATEST = 1950, 2100
_SCI = re.compile(r"^\s*[+-]?\d+(?:\.\d+)?[eE][+-]?\d+\s*$")
_PHONE_FORMAT = re.compile(r"[\s\-()（）.]")


class Problem(Exception):
    def __init__(self, message: str, fatal: bool = True):
        super().__init__(message)
        self.message, self.fatal = message, fatal


def as_phone(v: object) -> str:
    """A phone cell → digits as text. 13812345678.0 → '13812345678'; '+86 138 1234 5678' →
    '13812345678'; leading zeros of text cells kept. Anything else → Problem."""
    if isinstance(v, bool):
        raise Problem("电话应为数字 (phone must be digits)")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or not v.is_integer() or v < 0):
            raise Problem(
                "电话不是有效的号码:单元格里是带小数的数字,请把电话列设为文本格式后重新填写 "
                "(phone is not a valid number: the cell holds a fraction; format the column as text)"
            )
        return _strip_country(str(int(v)))
    text = unicodedata.normalize("NFKC", str(v)).strip()
    if _SCI.match(text):
        raise Problem(
            "电话以科学计数法保存,号码的后几位可能已丢失;请把电话列设为文本格式后重新输入完整号码 "
            "(phone is in scientific notation and may have lost digits; format the column "
            "as text and type the full number again)"
        )
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    plus = text.startswith("+")
    body = _PHONE_FORMAT.sub("", text[1:] if plus else text)
    if not body.isdigit() or not body.isascii():
        raise Problem(
            "电话只能包含数字(可带 +86、空格或短横线),请改正 "
            "(phone must be digits, optionally with +86, spaces or dashes)"
        )
    if plus and not body.startswith("86"):
        raise Problem("只支持中国号码(+86),请改正 (only Chinese numbers, +86, are supported)")
    return _strip_country(body)


def _strip_country(digits: str) -> str:
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
        if digits.startswith(prefix) and re.fullmatch(r"1[3-9]\d{9}", rest):
            return rest
    return digits


# Excel's error values: a formula cell whose cached result is one of them (a broken lookup,
# a deleted reference) is not an empty cell
CELL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA")


def _cell_error(v: object, what_zh: str, what_en: str) -> None:
    if isinstance(v, str) and v.strip().upper() in CELL_ERRORS:
        raise Problem(
            f"单元格是公式错误值 {v.strip()}(公式引用有误或查找不到数据),不是{what_zh};请改正公式或直接填写{what_zh} "
            f"(the cell holds the formula error {v.strip()}, not a {what_en}: fix the formula or type the {what_en})"
        )


def as_day(v: object, argument: str) -> dt.date | None:
    _cell_error(v, "日期", "date")
    try:
        d = to_date(v, argument)
    except BadArgument:
        raise Problem(
            "无法识别的日期,请写成 2026-11-03、2026/11/3 或 2026年11月3日,或设为日期格式 "
            "(not a date: write 2026-11-03, 2026/11/3 or 2026年11月3日)"
        ) from None
    if d is not None and not (EARLIEST <= d.year <= LATEST) and argument != "birthday":
        raise Problem(
            f"日期 {d.isoformat()} 不在 {EARLIEST}–{LATEST} 年之间,可能是把数字填进了日期列 "
            f"(date {d.isoformat()} is outside {EARLIEST}–{LATEST}: a number in a date column?)"
        )
    return d


def as_moment(v: object) -> dt.datetime | None:
    _cell_error(v, "回访时间", "call time")
    try:
        t = to_datetime(v, "call_time")
    except BadArgument:
        raise Problem(
            "无法识别的回访时间,请写成 2026-11-03 10:20 或设为日期时间格式 (not a date/time: write 2026-11-03 10:20)"
        ) from None
    if t is not None:
        t = t.replace(tzinfo=None)
        if not (EARLIEST <= t.year <= LATEST):
            raise Problem(
                f"时间 {t:%Y-%m-%d} 不在 {EARLIEST}–{LATEST} 年之间 (time {t:%Y-%m-%d} is outside {EARLIEST}–{LATEST})"
            )
    return t


def as_amount(v: object, what: str) -> float | None:
    if is_blank(v):
        return None
    try:
        x = as_number(v)
    except (ValueError, TypeError):
        raise Problem(f"{what}应为数字,例如 1280 或 1,280.50 ({what_en(what)} must be a number such as 1280)") from None
    if x < 0:
        raise Problem(f"{what}不能为负数 ({what_en(what)} must not be negative)")
    return x


def what_en(zh: str) -> str:
    return {"购买金额": "amount", "价值": "value", "问题数": "questions"}.get(zh, zh)
