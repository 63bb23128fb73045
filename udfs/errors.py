"""One base exception for the whole package; every message names the value and the fix."""
from __future__ import annotations

__all__ = ["FollowupError", "BadArgument", "PlaybookError"]


class FollowupError(Exception):
    """Base class of every error raised by followup on purpose.

    Its text passes the phone masker (SPEC §3.5): a phone number typed into a date cell and
    echoed in the message reaches the cell, the log or the console as `138****5678`.
    """

    def __init__(self, *args):
        from .privacy import mask_phones_in_text

        super().__init__(*(mask_phones_in_text(a) if isinstance(a, str) else a for a in args))


class BadArgument(FollowupError, ValueError):
    """A function argument that cannot be used; names the argument and the value."""

    def __init__(self, argument: str, value: object, expected: str):
        self.argument, self.value, self.expected = argument, value, expected
        super().__init__(f"参数 {argument} 的值 {value!r} 无效: {expected} "
                         f"(argument {argument}={value!r} is invalid: {expected})")


class PlaybookError(FollowupError):
    """A playbook file that does not validate; names the file, the key and the value."""
