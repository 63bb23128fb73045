"""Phone numbers: normalise, recognise and mask them (SPEC §3.5 privacy, from 004_…).

A customer's number appears only in its phone field; every report, export, log line and error
message shows it masked as `138****5678`.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

__all__ = ["normalize_phone", "is_mobile", "mask_phone", "mask_phones_in_text", "MOBILE"]

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# A mobile number inside free text: optional +86 / 0086 / 86, then 11 digits, which may be
# grouped 3-4-4 with spaces or dashes; never part of a longer run of digits.
_IN_TEXT = re.compile(r"(?<![\d.])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![\d])")
_NUMBER_TEXT = re.compile(r"^\s*[+]?\d+(?:\.\d*)?(?:[eE][+]?\d+)?\s*$")


def normalize_phone(value: object) -> str:
    """Digits only: `+86 138-1234-5678` → `13812345678`; 13812345678.0 → `13812345678`.

    The country code (+86, 0086, 86) is dropped in front of a mobile number; empty → "".
    Numbers never come out in scientific notation.
    """
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        value = Decimal(str(float(value)))  # shortest repr; numpy floats too
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        return _strip_country(str(int(value)))  # numpy integers too
    if isinstance(value, Decimal):
        value = format(value.to_integral_value() if value == value.to_integral_value() else value, "f")
    text = str(value)
    if _NUMBER_TEXT.match(text) and not text.strip().startswith("+"):
        try:  # "13812345678.0" or "1.3812345678E+10" typed or pasted as text
            number = Decimal(text.strip())
            if number == number.to_integral_value():
                text = format(number.to_integral_value(), "f")
        except InvalidOperation:
            pass
    return _strip_country(re.sub(r"\D", "", text))


def _strip_country(digits: str) -> str:
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and MOBILE.match(rest):
            return rest
    return digits


def is_mobile(text: object) -> bool:
    """A Chinese mobile number (1[3-9] + 9 digits), whatever its formatting."""
    return bool(MOBILE.match(normalize_phone(text)))


def mask_phone(phone: object) -> str:
    """`138****5678`. Numbers of 11+ digits keep the first 3 and the last 4; 8–10 digits keep
    only the last 4; shorter ones only the last 2 (2 digits or fewer: all masked). Empty → ""."""
    digits = normalize_phone(phone)
    n = len(digits)
    if n == 0:
        return ""
    if n >= 11:
        return digits[:3] + "*" * (n - 7) + digits[-4:]
    if n >= 8:
        return "*" * (n - 4) + digits[-4:]
    if n > 2:
        return "*" * (n - 2) + digits[-2:]
    return "*" * n


def mask_phones_in_text(text: object) -> str:
    """Replace every mobile number inside free text by its mask (for logs and error messages)."""
    if text is None:
        return ""
    return _IN_TEXT.sub(lambda m: mask_phone("".join(m.groups())), str(text))
