"""Every CSV the tool writes goes through here: formula prefixes are neutralised (issue 20).

OWASP's CSV-injection rule: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return (or a full-width `＝ ＋ － ＠`, which Excel and WPS also take as a formula start) is
written with a leading apostrophe `'`, so a spreadsheet shows it as text and never evaluates it
(`=HYPERLINK(…)` in a customer's name stays a name). Every cell, every column.

Phone numbers: the SMS gateway column is written by `gateway_phone` as digits only — the
11-digit number for a mainland mobile, country code + number (no `+`) otherwise, the format
Aliyun's SendSms/SendBatchSms expect — so it never starts with a formula character and needs no
apostrophe that the gateway would reject. A value that is no parseable number is left to the
rule above.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

__all__ = ["neutralise", "csv_bytes", "gateway_phone", "FORMULA_STARTS"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: object) -> str:
    """The text of one CSV cell, with a leading `'` when it would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_bytes(header: list[str], rows: Iterable[Iterable[object]], bom: bool = True) -> bytes:
    """A CSV file (UTF-8, with a BOM so Excel reads it as UTF-8; CRLF) whose every cell, the
    header included, passed `neutralise`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([neutralise(h) for h in header])
    for row in rows:
        w.writerow([neutralise(v) for v in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


def gateway_phone(phone: object) -> str:
    """The number as the SMS gateway takes it: digits only (see the module docstring)."""
    import phonenumbers

    text = "" if phone is None else str(phone).strip()
    try:
        num = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return text
    if num.country_code == 86:
        return str(num.national_number)
    return f"{num.country_code}{num.national_number}"
