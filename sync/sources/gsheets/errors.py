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

__all__ = [
    "GSheetsError",
    "GSheetsAccessError",
    "GSheetsRequestError",
    "GSheetsUnavailable",
    "GSheetsCredentialsError",
    "scrub",
    "error_of",
    "reason_of",
    "fail_fast",
    "wrap_api_error",
    "STORAGE_QUOTA_HINT",
    "REASON_HINTS",
]

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


def _hint(status: int, reason: str, message: str = "") -> str:
    if reason in REASON_HINTS:
        return REASON_HINTS[reason]
    if "protected cell" in message.lower():
        return (
            "表格中受保护的区域拒绝写入:请表格所有者在 数据 → 保护工作表和范围 中把所用账号加为编辑者,"
            "或把该保护改为“仅显示警告” (a protected range refused the write: the owner can add the account "
            "as an editor of that protection, or make it warning-only, under Data → Protect sheets and ranges)"
        )
    if status == 404:
        return (
            "找不到该表格:请核对配置中的表格 key,并确认已与服务账号共享 "
            "(not found: check the spreadsheet key in the config and share the sheet with the "
            "service-account email)"
        )
    if status in (401, 403):
        return (
            "无权访问:请把该表格以编辑者身份共享给服务账号邮箱,并确认已启用 Sheets/Drive API "
            "(permission denied: share the sheet with the service-account email as an editor and "
            "enable the Google Sheets and Drive APIs for the project)" + (f" [{reason}]" if reason else "")
        )
    return (
        "请求与表格结构不符:请确认 客户/回访记录/设置 工作表存在且未改名 "
        "(the request does not fit the sheet: check that the tabs exist and were not renamed)"
    )


# What to do for the ErrorInfo reasons Google sends (Drive's `error.errors[].reason`, or Sheets'
# `error.details[]` ErrorInfo `reason`, e.g. RATE_LIMIT_EXCEEDED, normalised to camelCase).
STORAGE_QUOTA_HINT = (
    "服务账号没有云端硬盘存储空间,不能在“我的云端硬盘”里新建文件:请用 --folder 指定共享云端硬盘中的文件夹"
    '(把服务账号加为该共享云端硬盘的成员,角色“内容管理员”),或在配置中设 sources.auth = "oauth" '
    "以您本人的 Google 账号上传 [storageQuotaExceeded] "
    "(service accounts have no Drive storage and cannot create files in My Drive: pass --folder with a "
    "folder on a shared drive that has the service account as a Content manager, or set "
    'sources.auth = "oauth" in the config to file as yourself)'
)
REASON_HINTS = {
    "storageQuotaExceeded": STORAGE_QUOTA_HINT,
    "insufficientPermissions": (
        "授权范围不足:凭据缺少 Sheets/Drive 的读写权限,请使用含 spreadsheets 与 drive 范围的服务账号或重新登录 OAuth "
        "[insufficientPermissions] (the credentials lack the Sheets/Drive scopes: use a service account or "
        "sign in with OAuth again with the spreadsheets and drive scopes)"
    ),
    "insufficientFilePermissions": (
        "对该文件或文件夹只有查看权限:请把它以编辑者身份共享给所用账号 [insufficientFilePermissions] "
        "(read-only access to this file or folder: share it as an editor with the account in use)"
    ),
    "rateLimitExceeded": (
        "Google 的项目请求配额已用尽,请稍后再试或在 Cloud 控制台申请更高配额 [rateLimitExceeded] "
        "(the project's request quota is used up: try again later or raise the quota in the Cloud console)"
    ),
    "userRateLimitExceeded": (
        "该账号每分钟请求数超限,请稍后再试 [userRateLimitExceeded] "
        "(too many requests a minute for this account: try again later)"
    ),
}
_UPPER_REASONS = {
    "RATE_LIMIT_EXCEEDED": "rateLimitExceeded",
    "USER_RATE_LIMIT_EXCEEDED": "userRateLimitExceeded",
    "ACCESS_TOKEN_SCOPE_INSUFFICIENT": "insufficientPermissions",
    "STORAGE_QUOTA_EXCEEDED": "storageQuotaExceeded",
}


def reason_of(err: dict) -> str:
    """The ErrorInfo reason of an `{"error": …}` body: `errors[].reason` (Drive, Sheets v3 style)
    first, then a `details[]` entry of @type ErrorInfo (Sheets v4); else the status ("NOT_FOUND")."""
    for item in err.get("errors") or []:
        if isinstance(item, dict) and item.get("reason"):
            return _UPPER_REASONS.get(str(item["reason"]), str(item["reason"]))
    for item in err.get("details") or []:
        if (
            isinstance(item, dict)
            and str(item.get("@type", "")).endswith("google.rpc.ErrorInfo")
            and item.get("reason")
        ):
            return _UPPER_REASONS.get(str(item["reason"]), str(item["reason"]))
    if "storage quota" in str(err.get("message", "")).lower():
        return "storageQuotaExceeded"
    return str(err.get("status", "") or "")


def error_of(response: requests.Response) -> tuple[int, str, str]:
    status, reason, message = response.status_code, "", response.reason or ""
    try:
        err = response.json().get("error", {})
        message = str(err.get("message") or message)
        reason = reason_of(err)
    except (ValueError, AttributeError):
        pass
    return status, reason, message


def fail_fast(status: int, reason: str, message: str, where: str | None) -> GSheetsError:
    cls = GSheetsAccessError if status in (401, 403, 404) else GSheetsRequestError
    return cls(
        f"HTTP {status} {message[:300].rstrip('.')}. {_hint(status, reason, message)}", where=where, status=status
    )


def wrap_api_error(err: APIError, where: str | None) -> GSheetsError:
    """A gspread APIError (raised by code paths that bypass our request()) → GSheetsError."""
    status = int(getattr(err, "code", 0) or 0)
    e = getattr(err, "error", {}) or {}
    return fail_fast(status, reason_of(e), str(e.get("message", "")), where)
