"""Errors of the Google Sheets connector: every gspread/requests failure becomes one of these.

Messages name the spreadsheet (title or key) and what to fix. They never contain the
service-account key path, a token, or a phone number. `fail_fast` (a failed response, via
`error_of`) and `wrap_api_error` (a gspread APIError) pick the class and the hint.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from followup.udfs.errors import FollowupError
from followup.udfs.privacy import mask_phones_in_text

if TYPE_CHECKING:
    import requests
    from gspread.exceptions import APIError

__all__ = ["GSheetsError", "GSheetsAccessError", "GSheetsRequestError", "GSheetsUnavailable",
           "GSheetsCredentialsError", "scrub", "error_of", "fail_fast", "wrap_api_error"]

_TOKEN = re.compile(r"(?i)(bearer\s+|access_token=|token=|\"token\"\s*:\s*\")[A-Za-z0-9._\-~+/=]+")
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.S)


def scrub(text: object) -> str:
    """Remove tokens, private keys and unmasked mobile numbers from a message."""
    s = str(text)
    s = _PEM.sub("[private key removed]", s)
    s = _TOKEN.sub(lambda m: m.group(1) + "***", s)
    return mask_phones_in_text(s)


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


def _hint(status: int, reason: str) -> str:
    if status == 404:
        return ("找不到该表格:请核对配置中的表格 key,并确认已与服务账号共享 "
                "(not found: check the spreadsheet key in the config and share the sheet with the "
                "service-account email)")
    if status in (401, 403):
        return ("无权访问:请把该表格以编辑者身份共享给服务账号邮箱,并确认已启用 Sheets/Drive API "
                "(permission denied: share the sheet with the service-account email as an editor and "
                "enable the Google Sheets and Drive APIs for the project)" + (f" [{reason}]" if reason else ""))
    return ("请求与表格结构不符:请确认 客户/回访记录/设置 工作表存在且未改名 "
            "(the request does not fit the sheet: check that the tabs exist and were not renamed)")


def error_of(response: requests.Response) -> tuple[int, str, str]:
    status, reason, message = response.status_code, "", response.reason or ""
    try:
        err = response.json().get("error", {})
        message = str(err.get("message") or message)
        details = err.get("errors") or []
        if details:
            reason = str(details[0].get("reason", ""))
        reason = reason or str(err.get("status", ""))
    except (ValueError, AttributeError):
        pass
    return status, reason, message


def fail_fast(status: int, reason: str, message: str, where: str | None) -> GSheetsError:
    cls = GSheetsAccessError if status in (401, 403, 404) else GSheetsRequestError
    return cls(f"HTTP {status} {message[:300]}. {_hint(status, reason)}", where=where, status=status)


def wrap_api_error(err: APIError, where: str | None) -> GSheetsError:
    """A gspread APIError (raised by code paths that bypass our request()) → GSheetsError."""
    status = int(getattr(err, "code", 0) or 0)
    e = getattr(err, "error", {}) or {}
    return fail_fast(status, str(e.get("status", "")), str(e.get("message", "")), where)
