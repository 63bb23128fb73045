"""Phone numbers: normalise, recognise and mask them (SPEC §3.5 privacy, from 004_…).

A customer's number appears only in its phone field; every report, export, log line and error
message shows it masked as `138****5678`.

`mask_phone` masks the phone field itself; `mask_phones_in_text` is the one masking function
for every other text that leaves the sync (the rule is described above its code below: fold
the text, match one regular expression, replace each number's span by its mask). Each number
found reads as in its phone field: mobiles `138****5678`; landlines keep the trunk 0 and area
code (`021-12345678` → `021****5678`, `(0755)12345678` → `075*****5678`, an extension is kept:
`021-12345678-801` → `021****5678-801`); other countries' numbers are masked with their
country code (`+1 202 555 0143` → `120****0143`).

Left alone: texts with fewer than 7 digits, digit runs longer than a phone number
(`2013812345678999`), local numbers without an area code (`87654321`, `95588`), digits
grouped by thousands with commas (`17,179,869,184`) and a run of exactly 64 hexadecimal
characters (the ledger's sha256 digests). The cost is linear in the
text's length (a 32,767-character cell of digits: a few milliseconds).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import SupportsInt

__all__ = [
    "normalize_phone",
    "is_mobile",
    "mask_phone",
    "mask_phones_in_text",
    "MOBILE",
    "PHONE_PATTERN",
    "DIGEST_PATTERN",
    "fold_table",
]

MOBILE = re.compile(r"^1[3-9]\d{9}$")
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


# ---------------------------------------------------------------------------------------------
# Phones inside free text. One rule, written as data so Code.gs applies the very same one
# (addin/gsheets/make_appsscript.py exports fold_table, PHONE_PATTERN and DIGEST_PATTERN to
# privacy.js; tests/unit/test_masking_parity.py runs both on the same texts):
#
# 1. Fold (`fold_table`): every character maps to at most one: format characters (Unicode
#    category Cf: U+200B, U+FEFF, soft hyphen, word joiner …) and NUL are dropped; every decimal
#    digit of any script, superscripts, subscripts and circled digits become 0-9; Chinese
#    numerals (〇零幺一二…九, 壹贰…玖) become a second digit class (U+E000 + value), so a number
#    written in them is found like one in digits while 第一13812345678 still ends at 一; ＋ → +.
# 2. Match (`PHONE_PATTERN`, one regular expression, the same text in Python and JavaScript) on
#    the folded text: a number is a run of digit groups joined by up to three separators
#    (spaces, - _ . · / ( ) dashes , ， 。 ~ ～ : ： * ＊) that starts and ends at a group's edge,
#    so it is never part of a longer run of digits; alternatives, first match wins:
#    (1) a mobile after 86, 0086, +86 or (+86), any grouping; (2) a landline after +86 /
#    0086 without its trunk 0; (3) + and 8–15 digits (another country); (4) a mobile
#    1[3-9] + 9 digits, any grouping; (5) a landline: 0, area code (10, 2x or a 3-digit one),
#    7–8 digits, grouped as written (area, then 3/4 + 4), optionally in brackets.
# 3. Replace each match's span of the original text by the mask of its digits (mobiles
#    `138****5678`; landlines with their trunk 0 and area code as `mask_phone` shows them;
#    another country's number with its country code); the rest of the text is kept as it was.
#
# Left alone: a run of exactly 64 hexadecimal characters (a sha256 digest, as the ledger
# writes) and digits grouped by thousands with commas (`17,179,869,184`: a count). The expression has no nested repetition over the same characters: each position is
# tried against at most ~15 digits and their separators, so the time is linear in the length.
# ---------------------------------------------------------------------------------------------

_CN_NUMERALS = {
    **dict.fromkeys("〇零", 0),
    **dict.fromkeys("一幺壹", 1),
    **dict.fromkeys("二贰貳", 2),
    **dict.fromkeys("三叁", 3),
    **dict.fromkeys("四肆", 4),
    **dict.fromkeys("五伍", 5),
    **dict.fromkeys("六陆陸", 6),
    **dict.fromkeys("七柒", 7),
    **dict.fromkeys("八捌", 8),
    **dict.fromkeys("九玖", 9),
}
_CN0 = 0xE000  # folded Chinese numeral k is chr(_CN0 + k) (private use; such characters in
# the input fold to U+0001 so they never read as numerals)
_SCAN = (range(0x20000), range(0xE0000, 0xE1000))  # every Cf / digit character lies in these


@functools.cache
def fold_table() -> dict[int, str]:
    """Code point → its folded character (NUL: dropped) for every character that changes."""
    table: dict[int, str] = {}
    for block in _SCAN:
        for c in block:
            if c < 128:
                continue
            ch = chr(c)
            if unicodedata.category(ch) == "Cf":
                table[c] = "\x00"
            elif (d := unicodedata.digit(ch, None)) is not None:
                table[c] = str(d)
    for ch, v in _CN_NUMERALS.items():
        table[ord(ch)] = chr(_CN0 + v)
    for c in range(_CN0, _CN0 + 10):
        table[c] = "\x01"
    table[ord("＋")] = "+"
    return table


def _d(chars: str) -> str:
    """A digit of `chars` (e.g. "3-9") in either class: ASCII or folded Chinese numeral."""
    lo, _, hi = chars.partition("-")
    cn = f"\\u{_CN0 + int(lo):04x}" + (f"-\\u{_CN0 + int(hi):04x}" if hi else "")
    return f"[{chars}{cn}]"


_D = _d("0-9")
_J = (  # up to three separators between two digit groups
    r"[ \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\-_./\u00b7()\uff08\uff09"
    r"\u2010-\u2015\u2212,\uff0c\u3002~\uff5e:\uff1a*\uff0a]{0,3}"
)
# After a number's first digit: the character before it is no digit of the same class. (Each
# alternative starts with a character class, so the search skips other characters quickly.)
_ST = r"(?<![0-9][0-9])(?<![\ue000-\ue009][\ue000-\ue009])"
_END = r"(?:(?<=[0-9])(?![0-9])|(?<=[\ue000-\ue009])(?![\ue000-\ue009]))"
_OPEN, _CLOSE = r"[(\uff08]", r"[)\uff09]"
_BRACKET = rf"{_OPEN}(?={_D}+{_CLOSE})"  # "(" before a first group closed by ")": masked with it
_MOBILE_REST = _J + _d("3-9") + (_J + _D) * 9  # a mobile after its leading 1
_MOBILE = _d("1") + _MOBILE_REST
_AREA = f"(?:{_d('1')}{_d('0')}|{_d('2')}{_D}|{_d('3-9')}{_D}{_D})"
_SUB = f"{_d('1-9')}{_D}{{2,3}}{_J}{_D}{{4}}"
_PLUS86 = rf"{_OPEN}\+86{_CLOSE}|\+86|{_d('0')}{_ST}{_d('0')}{_d('8')}{_d('6')}"
# 17,179,869,184: digits grouped by thousands with commas are an amount or a count, not a phone
_THOUSANDS = r"(?![0-9]{1,3}(?:,[0-9]{3})+(?![0-9]|,[0-9]))"
PHONE_PATTERN = (
    rf"{_THOUSANDS}(?:((?:{_PLUS86}|{_d('8')}{_ST}{_d('6')}){_J}{_MOBILE}{_END})"
    rf"|((?:{_PLUS86}){_J}{_AREA}{_J}{_SUB}{_END})"
    rf"|(\+{_d('1-9')}(?:{_J}{_D}){{7,14}}{_END})"
    rf"|((?:{_BRACKET}{_d('1')}|{_d('1')}{_ST}){_MOBILE_REST}{_END})"
    rf"|((?:{_BRACKET}{_d('0')}|{_d('0')}{_ST}){_AREA}{_J}{_SUB}{_END}))"
)
DIGEST_PATTERN = r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])"
_PHONE = re.compile(PHONE_PATTERN)
_DIGEST = re.compile(DIGEST_PATTERN)
_DIGIT_CHARS = "0123456789" + "".join(chr(_CN0 + k) for k in range(10))
MIN_DIGITS = 7  # a text with fewer digits holds no phone number: nothing else is checked
_CACHE_LEN = 512  # texts up to this length are memoised (store names, statuses, feedback)


_TO_ASCII = {_CN0 + k: 48 + k for k in range(10)}
_NOT_DIGIT = re.compile(r"[^0-9]+")


_TO_ASCII = {_CN0 + k: 48 + k for k in range(10)}
_NOT_DIGIT = re.compile(r"[^0-9]+")


@functools.cache
def _dropped() -> re.Pattern[str]:
    """The characters folding drops (format characters, NUL), as one character class."""
    dropped = sorted(c for c, v in fold_table().items() if v == "")
    return re.compile("[" + "".join(re.escape(chr(c)) for c in dropped) + "]")


def _digits(matched: str) -> str:
    return _NOT_DIGIT.sub("", matched.translate(_TO_ASCII))


def _mask_digits(d: str) -> str:
    n = len(d)
    if n >= 11:
        return d[:3] + "*" * (n - 7) + d[-4:]
    return "*" * (n - 4) + d[-4:]


def _masked(kind: int, matched: str) -> str:
    d = _digits(matched)
    if kind == 1:  # a mobile behind 86 / 0086 / +86
        return _mask_digits(d[-11:])
    if kind == 2:  # +86 / 0086 and a landline without its trunk 0
        return _mask_digits("0" + d[4:] if d.startswith("0086") else "0" + d[2:])
    return _mask_digits(d)


def mask_phones_in_text(text: object) -> str:
    """Every phone number inside free text replaced by its mask (the rule above, from 004_…).

    The one masking function for report cells, chart and sheet names, console lines, logs,
    file names and exception messages. None → ""."""
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
    folded = s if s.isascii() and "\x00" not in s else s.translate(fold_table())
    shift: list[int] = []  # the folded index of each dropped character, when any was dropped
    if "\x00" in folded:
        pieces = folded.split("\x00")
        shift = list(itertools.accumulate(map(len, pieces[:-1])))
        folded = "".join(pieces)
    if sum(map(folded.count, _DIGIT_CHARS)) < MIN_DIGITS:
        return s
    digests = [m.span() for m in _DIGEST.finditer(folded)] if len(folded) >= 64 else []
    starts = [x for x, _ in digests]
    out, pos = [], 0
    for m in _PHONE.finditer(folded):
        a, b = m.span()
        if digests and (k := bisect.bisect_right(starts, a)) and b <= digests[k - 1][1]:
            continue  # inside a digest
        if shift:  # back to the original's indices: add the dropped characters before
            a, b = a + bisect.bisect_right(shift, a), b + bisect.bisect_right(shift, b - 1)
        out += [s[pos:a], _masked(m.lastindex or 0, m.group(0))]
        pos = b
    if not out:
        return s
    out.append(s[pos:])
    return "".join(out)


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.digit(c)) for c in text)
