"""Written forms of phone numbers for the privacy tests (unit, property, Apps Script parity), and
an independent leak detector.

`FORMS`: (name, form) for an 11-digit mobile number n — the common forms and the 14 forms of
issue 20 (digit groups split by format characters, the separators , ， 。 ~ : *, a landline
with an extension, a mobile glued to hexadecimal letters, Chinese numerals, superscripts).
`digit_runs(text)` is the detector: it does not use the masker's code — format characters
removed, NFKC (full-width, superscript and circled digits), Chinese numerals read as digits —
then each run of digits and separators kept as its digits only.
"""

from __future__ import annotations

import re
import unicodedata

FW = str.maketrans("0123456789+", "０１２３４５６７８９＋")
CN = str.maketrans("0123456789", "〇一二三四五六七八九")
CN_YAO = str.maketrans("0123456789", "零幺二三四五六七八九")
SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
CIRCLED = str.maketrans("0123456789", "⓪①②③④⑤⑥⑦⑧⑨")


def g(n: str, sep: str) -> str:
    return f"{n[:3]}{sep}{n[3:7]}{sep}{n[7:]}"


def each(n: str, sep: str) -> str:
    return sep.join(n)


MOBILE_FORMS = [
    ("bare", lambda n: n),
    ("Tel.", lambda n: "Tel." + n),
    ("No.", lambda n: "No." + n),
    ("dots", lambda n: g(n, ".")),
    ("parens", lambda n: f"({n[:3]}){n[3:7]}-{n[7:]}"),
    ("double spaces", lambda n: g(n, "  ")),
    ("spaces", lambda n: g(n, " ")),
    ("dashes", lambda n: g(n, "-")),
    ("en dash", lambda n: g(n, "–")),
    ("em dash", lambda n: g(n, "—")),
    ("slashes", lambda n: g(n, "/")),
    ("full-width", lambda n: n.translate(FW)),
    ("full-width grouped", lambda n: ("+86 " + g(n, " ")).translate(FW)),
    ("+86 spaced", lambda n: "+86 " + g(n, " ")),
    ("+86 glued", lambda n: "+86" + n),
    ("(+86)", lambda n: "(+86)" + n),
    ("0086 dashes", lambda n: "0086-" + g(n, "-")),
    ("86 glued", lambda n: "86" + n),
    ("tel:", lambda n: "tel:+86" + n),
    ("underscores", lambda n: g(n, "_")),
]
# issue 20's forms (the landline with an extension is in LANDLINE_FORMS)
NEW_MOBILE_FORMS = [
    ("zero-width space", lambda n: g(n, "\u200b")),
    ("zero-width space between every digit", lambda n: each(n, "\u200b")),
    ("soft hyphen", lambda n: g(n, "\u00ad")),
    ("word joiner", lambda n: g(n, "\u2060")),
    ("BOM", lambda n: g(n, "\ufeff")),
    ("comma", lambda n: g(n, ",")),
    ("full-width comma", lambda n: g(n, "，")),
    ("ideographic full stop", lambda n: g(n, "。")),
    ("tilde", lambda n: g(n, "~")),
    ("colon", lambda n: g(n, ":")),
    ("asterisk", lambda n: g(n, "*")),
    ("comma between every digit", lambda n: each(n, ",")),
    ("hex letters glued", lambda n: "deadbeef" + n + "cafe"),
    ("Chinese numerals", lambda n: n.translate(CN)),
    ("Chinese numerals 幺", lambda n: g(n.translate(CN_YAO), " ")),
    ("superscript digits", lambda n: n.translate(SUPER)),
    ("subscript digits", lambda n: n.translate(SUB)),
    ("circled digits", lambda n: n.translate(CIRCLED)),
    ("mixed scripts", lambda n: n[:3] + n[3:7].translate(CN) + n[7:].translate(FW)),
]
ALL_MOBILE_FORMS = MOBILE_FORMS + NEW_MOBILE_FORMS
# (area code, subscriber) → written forms of a landline
LANDLINE_FORMS = [
    ("area-dash", lambda a, s: f"{a}-{s}"),
    ("(area)", lambda a, s: f"({a}){s}"),
    ("+86 area", lambda a, s: f"+86 {a[1:]} {s[:4]} {s[4:]}"),
    ("area spaced", lambda a, s: f"{a} {s[:4]} {s[4:]}"),
    ("extension", lambda a, s: f"{a}-{s}-801"),
    ("zero-width space", lambda a, s: f"{a}\u200b{s}"),
]
AREAS = ["010", "021", "022", "023", "020", "0755", "0571", "025", "027", "028"]

_CN_DIGITS = str.maketrans("〇零幺一二三四五六七八九", "001123456789")
_RUN = re.compile(r"[0-9](?:[0-9\s()\-./_+\u2010-\u2015,，。~～:：*＊]*[0-9])?")
_HASH = re.compile(r"[0-9a-f]{64}")  # the ledger's sha256 digests are not phone numbers
ANY_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def normalised(text: str) -> str:
    """Format characters removed, NFKC, Chinese numerals as digits."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFKC", text).translate(_CN_DIGITS)


def digit_runs(text: str) -> list[tuple[str, str]]:
    """(run as written, its digits) for every run of digits and separators of the normalised text."""
    text = _HASH.sub("#", normalised(text))
    return [(m.group(), re.sub(r"\D", "", m.group())) for m in _RUN.finditer(text)]


def leaks(where: str, text: str, secrets, any_mobile: bool = True) -> list[str]:
    """Each run holding a secret number (or, with `any_mobile`, any Chinese mobile number)."""
    out = []
    for run, digits in digit_runs(text):
        if any(s in digits for s in secrets) or (any_mobile and ANY_MOBILE.search(digits)):
            out.append(f"{where}: {run!r} in {text[:200]!r}")
    return out


def worst_cells(n: int) -> dict[str, str]:
    """The digit-heavy cells of `n` characters that cost the masker most (issue 26 item 4): for
    the linearity test and `bench/masking.py`."""
    import random

    rng = random.Random(26)
    reps = {
        "one run of digits": "1",
        "digits and spaces": "1 3 8 ",
        "digits and commas": "0,1,3,8,",
        "mobiles": "13812345678 ",
        "zero-width spaced": "1\u200b3\u200b8",
        "Chinese numerals": "一三八一二三四五六七八，",
        "superscripts": "¹³⁸¹²³⁴⁵⁶⁷⁸ ",
        "landlines with extensions": "021-12345678-801 ",
        "brackets": "(0 (1 (2 ",
        "plus signs": "+1 2 3 ",
        "0086": "0086 ",
        "hex": "deadbeef13812345678cafe",
    }
    cells = {k: (v * n)[:n] for k, v in reps.items()}
    cells["random"] = "".join(rng.choice("0123456789 -,.:*+()一\u200b") for _ in range(n))
    return cells


def mask_cpu_ms(text: str, runs: int = 5) -> float:
    """CPU milliseconds to mask `text`, best of `runs` (this thread's CPU time: another process's
    load does not count)."""
    import time

    from followup.udfs.privacy import mask_phones_in_text

    best = float("inf")
    for _ in range(runs):
        t = time.thread_time()
        mask_phones_in_text(text)
        best = min(best, time.thread_time() - t)
    return best * 1000
