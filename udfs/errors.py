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
        super().__init__(f"参数 {argument} 的值 {value!r} 无效: {expected} "
                         f"(argument {argument}={value!r} is invalid: {expected})")


class PlaybookError(FollowupError):
    """A playbook file that does not validate; names the file, the key and the value."""
