"""One cell value at a time: blank, shown, text, id, number, phone, date (SPEC §4.2).

The sheet checks (`rows`) call these once per distinct value of a column, never once
per row. A value that cannot be used raises `Problem` with a Chinese-first message.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata

from followup.udfs.privacy import mask_phone as _mask_phone
from followup.udfs.privacy import mask_phones_in_text as mask_text

__all__ = [
    "mask",
    "mask_text",
    "is_blank",
    "show",
    "as_text",
    "as_ident",
    "fold",
    "as_number",
    "has_invisible",
    "any_invisible",
    "visible",
]


@functools.cache
def _invisible() -> re.Pattern[str]:
    """Unicode format characters (category Cf: U+200B, U+FEFF, soft hyphen, word joiner, …) and NUL."""
    from followup.udfs.privacy import fold_table

    chars = ["\x00", *(chr(c) for c, v in sorted(fold_table().items()) if v == "\x00")]
    return re.compile("[" + "".join(re.escape(c) for c in chars) + "]")


def has_invisible(v: object) -> bool:
    """A text cell holding an invisible format character (it would make two equal ids differ)."""
    return isinstance(v, str) and _invisible().search(v) is not None


def visible(text: str) -> str:
    """`text` without its invisible format characters."""
    return text if text.isascii() and "\x00" not in text else _invisible().sub("", text)


def any_invisible(values) -> bool:
    """Does any text among `values` hold an invisible format character? (one search over all)"""
    texts = [v for v in values if isinstance(v, str)]
    return bool(texts) and _invisible().search("\x01".join(texts)) is not None


def mask(phone: object) -> str:
    """The masked form of a phone cell for messages (`138****5678`); text without digits as is."""
    if phone is None:
        return ""
    if isinstance(phone, str):
        phone = unicodedata.normalize("NFKC", phone)
    return _mask_phone(phone) or mask_text(phone)


def is_blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str) and not v.strip():
        return True
    return type(v).__name__ in ("NaTType", "NAType")


def show(v: object) -> str:
    """A cell value as the user would recognise it (for Rejection.value)."""
    if is_blank(v):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="minutes") if (v.hour or v.minute) else v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return mask_text(str(v).strip())


def as_text(v: object) -> str | None:
    """A text cell: trimmed (full-width spaces too); integral numbers without '.0'; empty → None."""
    if is_blank(v):
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).replace("\u3000", " ").strip()


def as_ident(v: object) -> str | None:
    """An id: text, full-width letters/digits folded (ＣＯ０１ → CO01), inner spaces and invisible
    format characters (U+200B, U+FEFF, soft hyphen …) removed."""
    t = as_text(v)
    if t is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", visible(t))) or None


def fold(v: object) -> object:
    """Dropdown text as users type it: full-width letters and spaces folded (Ａ类 → A类)."""
    return unicodedata.normalize("NFKC", v) if isinstance(v, str) else v


def as_number(v: object) -> float:
    """A number cell or number text ('1,280', '¥1280', '1280元', full-width digits); else ValueError."""
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ValueError(v)
        return float(v)
    t = unicodedata.normalize("NFKC", str(v)).strip()
    t = re.sub(r"^[¥￥$]|元$|[,\s]", "", t)
    return float(t)
