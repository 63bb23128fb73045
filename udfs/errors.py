"""One base exception for the whole package; every message names the value and the fix."""

from __future__ import annotations

__all__ = ["FollowupError", "BadArgument", "PlaybookError"]


class FollowupError(Exception):
    """Base class of every error raised by followup on purpose; its message shows phone
    numbers masked (SPEC §3.5), whatever text it was built from."""

    def __str__(self) -> str:
        from .privacy import mask_phones_in_text

        return mask_phones_in_text(super().__str__())


class BadArgument(FollowupError, ValueError):
    """A function argument that cannot be used; names the argument and the value."""

    def __init__(self, argument: str, value: object, expected: str):
        self.argument, self.value, self.expected = argument, value, expected
        from .messages import BAD_ARGUMENT, BAD_ARGUMENT_EN

        zh, en = _split(expected)
        frame = BAD_ARGUMENT_EN if en else BAD_ARGUMENT
        super().__init__(frame.format(argument=argument, value=repr(value), zh=zh, en=en))


def _split(text: str) -> tuple[str, str]:
    """'中文 (English)' → ('中文', 'English'): each language said once in the message."""
    text = text.strip()
    if not text.endswith(")"):
        return text, ""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            inner = text[i + 1 : -1].strip()
            if i == 0 or any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in inner):
                return text, ""
            return text[:i].rstrip(), inner
    return text, ""


class PlaybookError(FollowupError):
    """A playbook file that does not validate; names the file, the key and the value."""
