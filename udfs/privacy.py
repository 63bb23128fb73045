"""Phone numbers: normalise, recognise and mask them (SPEC §3.5 privacy, from 004_…).

A customer's number appears only in its phone field; every report, export, log line and error
message shows it masked as `138****5678`.

`mask_phone` masks the phone field itself; `mask_phones_in_text` is the one masking function
for every other text that leaves the sync. It finds numbers with `phonenumbers`'
`PhoneNumberMatcher` (region CN: valid numbers such as `Tel.13812345678`, `138.1234.5678`,
`(138)1234-5678`, `138–1234–5678`, full-width digits, `+86 …`, `0086-…`, landlines such as
`021-12345678` or `(0755)12345678`, and merely possible ones written with a trunk 0, an
area code in brackets or a country code, such as `010-80000000`), then a strict fallback for what the matcher refuses: a
mobile number (optionally +86/0086/86 in front, optionally grouped 3-4-4) glued to letters,
CJK or underscores. Each number found is replaced by the `mask_phone` of its digits, so it
reads the same as in its phone field: mobiles `138****5678`; landlines keep the trunk 0 and
area code as `mask_phone` does (`021-12345678` → `021****5678`, `(0755)12345678` →
`075*****5678`); other countries' numbers are masked with their country code
(`+1 202 555 0143` → `120****0143`).

Left alone: texts with fewer than 7 digits (the cheap pre-filter; the matcher runs only on a
text where digits and separators form a cluster of 9+ digits), digit runs longer than a
phone number (`2013812345678999`), and digits inside a hexadecimal run of 32+ characters (a
content digest such as the ledger's sha256, which is not a phone number).
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import SupportsInt

import phonenumbers

__all__ = ["normalize_phone", "is_mobile", "mask_phone", "mask_phones_in_text", "MOBILE"]

MOBILE = re.compile(r"^1[3-9]\d{9}$")
# The fallback: a mobile number the matcher refuses (glued to letters or underscores): optional
# +86 / 0086 / 86, then 11 digits (any script's digits; checked as 1[3-9]… once folded), maybe
# grouped 3-4-4 by up to two separators; never part of a longer run of digits.
_SEP = r"[\s\-_.·/\u2010-\u2015]{0,2}"
_FALLBACK = re.compile(
    rf"(?<!\d)(?:(?:[+＋]|[0０]{{2}})?[8８][6６]{_SEP})?(\d{{3}}){_SEP}(\d{{4}}){_SEP}(\d{{4}})(?!\d)"
)
_PREFIXED = set("0(+（＋０")
_HEX_RUN = re.compile(r"[0-9a-fA-F]{32,}")
_DIGIT = re.compile(r"\d")
# Digits with what separates a number's groups: the matcher only runs where one such cluster
# holds 9+ digits (a Chinese number with its area code has 10+, a mobile 11).
_CLUSTER = re.compile(r"\d[\d\s\-.()/_+（）＋\u2010-\u2015]*")
MIN_DIGITS = 7  # a text with fewer digits holds no phone number: nothing else is checked
_CACHE_LEN = 512  # texts up to this length are memoised (store names, statuses, feedback)
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
    if isinstance(value, int) or (type(value).__name__.startswith(("int", "uint")) and isinstance(value, SupportsInt)):
        return _strip_country(str(int(value)))  # numpy integers too
    if isinstance(value, Decimal):
        value = format(value.to_integral_value() if value == value.to_integral_value() else value, "f")
    text = str(value)
    if _NUMBER_TEXT.match(text) and not text.strip().startswith("+") and not text.strip().isdigit():
        try:  # "13812345678.0" or "1.3812345678E+10" typed or pasted as text
            number = Decimal(text.strip())
            if number == number.to_integral_value():
                text = format(number.to_integral_value(), "f")
        except InvalidOperation:
            pass
    return _strip_country(_ascii_digits(re.sub(r"\D", "", text)))


def _strip_country(digits: str) -> str:
    for prefix in ("0086", "86"):
        rest = digits[len(prefix) :]
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
    """Every phone number inside free text replaced by its `mask_phone` (module docstring).

    The one masking function for report cells, chart and sheet names, console lines, logs and
    exception messages. None → ""."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if len(s) <= _CACHE_LEN:
        return _mask_short(s)
    return _mask_text(s)


@functools.lru_cache(maxsize=1 << 16)
def _mask_short(s: str) -> str:
    return _mask_text(s)


def _mask_text(s: str) -> str:
    if len(_DIGIT.findall(s)) < MIN_DIGITS:
        return s
    if not any(len(_DIGIT.findall(c)) >= 9 for c in _CLUSTER.findall(s)):
        return _fallback(s)
    parts, pos = [], 0
    hashes = _hex_runs(s)
    for m in phonenumbers.PhoneNumberMatcher(s, "CN", leniency=phonenumbers.Leniency.POSSIBLE):
        if not _is_phone(m) or any(a <= m.start and m.end <= b for a, b in hashes):
            continue
        parts += [s[pos : m.start], mask_phone(_digits_of(m.number))]
        pos = m.end
    return _fallback("".join(parts) + s[pos:])


def _fallback(s: str) -> str:
    if len(_DIGIT.findall(s)) < 11:
        return s
    hashes = _hex_runs(s)

    def fallback(m: re.Match[str]) -> str:
        digits = _ascii_digits("".join(m.groups()))
        if not MOBILE.match(digits) or any(a <= m.start() and m.end() <= b for a, b in hashes):
            return m.group(0)
        return mask_phone(digits)

    return _FALLBACK.sub(fallback, s)


def _hex_runs(s: str) -> list[tuple[int, int]]:
    return [h.span() for h in _HEX_RUN.finditer(s)] if len(s) >= 32 else []


def _is_phone(match: phonenumbers.PhoneNumberMatch) -> bool:
    """A valid number (per the library's metadata), or a possible one written with its trunk 0,
    an area code in brackets or a country code (`010-80000000` is not in the metadata but is
    written as a Beijing number); bare possible-only digits (`87654321`, `95588`) are not."""
    number = match.number
    national = phonenumbers.national_significant_number(number)
    if len(national) < 7:
        return False
    if len(national) >= 9 and match.raw_string[:1] in _PREFIXED:
        return True
    return phonenumbers.is_valid_number(number)


def _digits_of(number: phonenumbers.PhoneNumber) -> str:
    """The digits `mask_phone` shows for a matched number: mobiles without +86, Chinese
    landlines with their trunk 0, other countries with their country code."""
    national = phonenumbers.national_significant_number(number)
    if number.country_code == 86:
        return national if MOBILE.match(national) else "0" + national
    return str(number.country_code) + national


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) for c in text)
