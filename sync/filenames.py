"""One function makes every output file name that carries data (issue 20): an agent's day book
(owner), an SMS batch (signature), a complaint's feedback form (complaint id), …

    data_names(["A/B", "A:B"], "今日回访_", "_2026-11-23.xlsx")
    → {"A/B": "今日回访_A_B-1f0c3e2a_2026-11-23.xlsx", "A:B": "今日回访_A_B-7d41b09c_2026-11-23.xlsx"}

The rules, for each value:
- phones masked first (`followup.udfs.privacy.mask_phones_in_text`): a file name is an output;
- Unicode NFC; control, format (zero-width, bidi overrides), private-use, unassigned and line
  separator characters, NUL and the characters Windows refuses (`\\ / : * ? " < > |`) become `_`;
  runs of `_` and spaces are folded; leading and trailing dots, spaces and `_` are dropped (no
  hidden file, no `..`, nothing Windows strips); an empty result is `empty`; a Windows device
  name (CON, NUL, COM1, …) gets `_`;
- the whole name is at most `max_bytes` bytes of UTF-8 (200: room under the 255 of every common
  file system for the `.<name>.<random>.tmp` an atomic write makes beside it), cut at a
  character boundary;
- a name that is no faithful copy of its masked value (a character replaced, the value cut or a
  phone masked) ends in `-` and 8 hex digits of the sha256 of the masked value (never of the
  raw one: a digest of a phone number would give the number away), so `A/B` and `A:B`, or two
  signatures differing in punctuation, get different names;
- values whose names still meet — equal ignoring case (as on Windows and macOS), or equal once
  masked — are told apart by `-2`, `-3`, … in the sorted order of the values: nothing is overwritten.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

from followup.udfs.privacy import mask_phones_in_text

__all__ = ["data_names", "data_name", "MAX_NAME_BYTES"]

MAX_NAME_BYTES = 200
_FORBIDDEN = set('\\/:*?"<>|\x00')
_BAD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
_FOLD = re.compile(r"[_\s]*_[_\s]*|\s+")
_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10)}


def _clean(text: str) -> str:
    out = []
    for ch in text:
        if ch in _FORBIDDEN or unicodedata.category(ch) in _BAD_CATEGORIES:
            out.append("_")
        elif ch.isspace():
            out.append(" ")
        else:
            out.append(ch)
    folded = _FOLD.sub(lambda m: "_" if "_" in m.group(0) else " ", "".join(out))
    folded = folded.strip(" ._")
    if folded.split(".")[0].upper() in _DEVICES:
        folded += "_"
    return folded


def _cut(text: str, room: int) -> str:
    """The longest start of `text` of at most `room` bytes of UTF-8, cut at a character boundary."""
    raw = text.encode("utf-8")
    if len(raw) <= room:
        return text
    return raw[: max(room, 0)].decode("utf-8", "ignore").rstrip(" ._")


def _name(value: str, prefix: str, suffix: str, empty: str, max_bytes: int, extra: str = "") -> str:
    masked = unicodedata.normalize("NFC", mask_phones_in_text(value))
    safe = _clean(masked) or empty
    faithful = safe == masked or not masked.strip()  # a blank value is simply `empty`
    tag = "" if faithful else "-" + hashlib.sha256(masked.encode("utf-8")).hexdigest()[:8]
    room = max_bytes - len((prefix + suffix + extra).encode("utf-8"))
    if len((safe + tag).encode("utf-8")) > room:
        tag = "-" + hashlib.sha256(masked.encode("utf-8")).hexdigest()[:8]
        safe = _cut(safe, room - len(tag)) or empty
    return f"{prefix}{safe}{tag}{extra}{suffix}"


def data_names(
    values: Iterable[object],
    prefix: str = "",
    suffix: str = "",
    *,
    empty: str = "未命名",
    max_bytes: int = MAX_NAME_BYTES,
) -> dict[str, str]:
    """A distinct, safe file name `prefix + <value> + suffix` for each value (see the module
    docstring); keys are the values as text (None → ""). `prefix` and `suffix` are the caller's
    own fixed text (`短信群发_2026-11-23_`, `.csv`)."""
    keys = list(dict.fromkeys("" if v is None else str(v) for v in values))
    names = {k: _name(k, prefix, suffix, empty, max_bytes) for k in keys}
    taken: dict[str, str] = {}
    for k in sorted(keys):  # the same values get the same names, whatever their order
        n, i = names[k], 1
        while n.casefold() in taken:
            i += 1
            n = _name(k, prefix, suffix, empty, max_bytes, extra=f"-{i}")
        taken[n.casefold()] = k
        names[k] = n
    return names


def data_name(
    value: object, prefix: str = "", suffix: str = "", *, empty: str = "未命名", max_bytes: int = MAX_NAME_BYTES
) -> str:
    """The file name of one value (`data_names` of one)."""
    return next(iter(data_names([value], prefix, suffix, empty=empty, max_bytes=max_bytes).values()))
