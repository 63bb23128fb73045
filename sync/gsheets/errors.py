"""Errors of the Google Sheets connector: every gspread/requests failure becomes one of these.

Messages name the spreadsheet (title or key) and what to fix. They never contain the
service-account key path, a token, or a phone number.
"""
from __future__ import annotations

import re

from followup.udfs.errors import FollowupError

__all__ = ["GSheetsError", "GSheetsAccessError", "GSheetsRequestError", "GSheetsUnavailable",
           "GSheetsCredentialsError", "scrub"]

_TOKEN = re.compile(r"(?i)(bearer\s+|access_token=|token=|\"token\"\s*:\s*\")[A-Za-z0-9._\-~+/=]+")
_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.S)


def scrub(text: object) -> str:
    """Remove tokens, private keys and unmasked mobile numbers from a message."""
    s = str(text)
    s = _PEM.sub("[private key removed]", s)
    s = _TOKEN.sub(lambda m: m.group(1) + "***", s)
    try:
        from followup.udfs.privacy import mask_phones_in_text
        s = mask_phones_in_text(s)
    except ImportError:  # pragma: no cover
        pass
    return _PHONE.sub(r"\1****\2", s)


class GSheetsError(FollowupError):
    """A Google Sheets / Drive call failed; `where` is the spreadsheet title or key."""

    def __init__(self, message: str, *, where: str | None = None, status: int | None = None):
        self.where, self.status = where, status
        prefix = f"Google 表格 {where}: " if where else "Google 表格: "
        super().__init__(scrub(prefix + message))


class GSheetsAccessError(GSheetsError):
    """403/404: the sheet is not shared with the service account, or the key is wrong."""


class GSheetsRequestError(GSheetsError):
    """400: the request does not fit the sheet (a missing tab, a bad range)."""


class GSheetsUnavailable(GSheetsError):
    """429/5xx/timeouts that did not clear within the retry budget."""


class GSheetsCredentialsError(GSheetsError):
    """The service-account key could not be loaded (its path is never shown)."""
