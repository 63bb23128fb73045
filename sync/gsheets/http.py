"""The HTTP layer under gspread: throttle, bounded retries, error wrapping, loopback base URL.

`FollowupHTTPClient` subclasses gspread's `HTTPClient` and overrides only `request`, so every
gspread helper (values_batch_get, values_batch_update, batch_update, Drive listing) goes
through it and issues real HTTP requests:

- a token bucket keeps each credential at ≤ `per_minute` requests in any 60 s window;
- 429, 408, 5xx, Drive's 403 `rateLimitExceeded`/`userRateLimitExceeded` and connection
  errors/timeouts are retried with exponential backoff and full jitter, bounded by a number of
  tries *and* a total number of seconds (gspread's own BackOffHTTPClient is unbounded);
- 400/403/404 fail fast with a `GSheetsError` naming the spreadsheet and what to fix;
- `base_url` sends every Google URL to another host (the loopback fake in the tests).

Clock, sleep and random source are injectable for tests.
"""
from __future__ import annotations

import functools
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import gspread
import requests
from gspread.exceptions import APIError

from .errors import (GSheetsAccessError, GSheetsCredentialsError, GSheetsError, GSheetsRequestError,
                     GSheetsUnavailable)

__all__ = ["RetryPolicy", "TokenBucket", "FollowupHTTPClient", "make_client", "GOOGLE_HOSTS",
           "SCOPES", "RequestLog"]

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")
SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")
_RETRY_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"}


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, capped by tries and total seconds."""
    max_tries: int = 5
    max_total_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 32.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before try number `attempt + 1` (attempt counts from 1)."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = cap / 2 + rng.random() * cap / 2
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_delay))
        return wait


class TokenBucket:
    """At most `per_minute` requests in any 60 s window.

    A bucket of `burst` tokens refilled at (per_minute − burst)/60 tokens a second: the worst
    window is a full bucket spent at once plus 60 s of refill = per_minute. Thread-safe.
    """

    def __init__(self, per_minute: int = 60, burst: int = 10, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if not 0 < burst < per_minute:
            raise ValueError("burst must be between 0 and per_minute")
        self.capacity, self.rate = float(burst), (per_minute - burst) / 60.0
        self.clock, self.sleep = clock, sleep
        self.tokens, self.stamp = float(burst), clock()
        self.waited = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is there; returns the seconds waited."""
        with self._lock:
            waited = 0.0
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= 1.0 - 1e-9:   # float rounding must not spin forever
                    self.tokens = max(0.0, self.tokens - 1.0)
                    self.waited += waited
                    return waited
                need = (1.0 - self.tokens) / self.rate
                self.sleep(need)
                waited += need


# One bucket per credential (service-account email or key), shared by every client built for it.
_BUCKETS: dict[str, TokenBucket] = {}
_BUCKETS_LOCK = threading.Lock()


def bucket_for(credential_id: str, **kwargs) -> TokenBucket:
    with _BUCKETS_LOCK:
        if credential_id not in _BUCKETS:
            _BUCKETS[credential_id] = TokenBucket(**kwargs)
        return _BUCKETS[credential_id]


@dataclass
class RequestLog:
    """Counts of what was sent (for the bench and for tests of the request budget)."""
    requests: int = 0
    retries: int = 0
    slept: float = 0.0
    by_kind: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


def _kind(method: str, url: str) -> str:
    path = url.split("?", 1)[0]
    if "/drive/" in path:
        return f"drive.{method.lower()}"
    for tail in ("values:batchGet", "values:batchUpdate", ":batchUpdate"):
        if path.endswith(tail):
            return "sheets." + tail.lstrip(":")
    return f"sheets.{method.lower()}"


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


class FollowupHTTPClient(gspread.HTTPClient):
    """gspread's HTTPClient with throttle, bounded retries, error wrapping and a base-URL switch."""

    def __init__(self, auth: Any, session: requests.Session | None = None, *, base_url: str | None = None,
                 policy: RetryPolicy | None = None, bucket: TokenBucket | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None, timeout: float | tuple[float, float] | None = (10, 120),
                 log: RequestLog | None = None, where: str | None = None):
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.policy = policy or RetryPolicy()
        self.bucket = bucket
        self.sleep, self.clock, self.rng = sleep, clock, rng or random.Random()
        self.timeout = timeout
        self.log = log or RequestLog()
        self.where = where  # the spreadsheet in hand, named in error messages

    def url(self, endpoint: str) -> str:
        if self.base_url:
            for host in GOOGLE_HOSTS:
                if endpoint.startswith(host):
                    return self.base_url + endpoint[len(host):]
        return endpoint

    def request(self, method: str, endpoint: str, params=None, data=None, json=None, files=None,
                headers=None) -> requests.Response:
        endpoint = self.url(endpoint)
        kind = _kind(method, endpoint)
        start = self.clock()
        attempt = 0
        while True:
            attempt += 1
            if self.bucket is not None:
                self.bucket.acquire()
            self.log.add(kind)
            retry_after = None
            try:
                response = self.session.request(method=method, url=endpoint, json=json, params=params,
                                                data=data, files=files, headers=headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as e:
                failure = GSheetsUnavailable(
                    f"网络超时或连接失败,已重试 {attempt} 次 (network timeout/connection error after "
                    f"{attempt} tries: {type(e).__name__})", where=self.where)
            else:
                if response.ok:
                    return response
                status, reason, message = _error_of(response)
                if not _retryable(status, reason):
                    raise _fail_fast(status, reason, message, self.where)
                failure = GSheetsUnavailable(
                    f"Google 服务繁忙或出错 (HTTP {status}),已重试 {attempt} 次,请稍后再同步 "
                    f"(HTTP {status} {message[:200]} after {attempt} tries: try the sync again later)",
                    where=self.where, status=status)
                retry_after = _retry_after(response)
            wait = self.policy.delay(attempt, self.rng, retry_after)
            if attempt >= self.policy.max_tries or (self.clock() - start) + wait > self.policy.max_total_seconds:
                raise failure
            self.log.retries += 1
            self.log.slept += wait
            self.sleep(wait)


def _error_of(response: requests.Response) -> tuple[int, str, str]:
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


def _retryable(status: int, reason: str) -> bool:
    if status in (408, 429) or status >= 500:
        return True
    return status == 403 and reason in _RETRY_REASONS


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _fail_fast(status: int, reason: str, message: str, where: str | None) -> GSheetsError:
    cls = GSheetsAccessError if status in (401, 403, 404) else GSheetsRequestError
    return cls(f"HTTP {status} {message[:300]}. {_hint(status, reason)}", where=where, status=status)


def wrap_api_error(err: APIError, where: str | None) -> GSheetsError:
    """A gspread APIError (raised by code paths that bypass our request()) → GSheetsError."""
    status = int(getattr(err, "code", 0) or 0)
    e = getattr(err, "error", {}) or {}
    return _fail_fast(status, str(e.get("status", "")), str(e.get("message", "")), where)


def _credentials(service_account: str | None, credentials: Any):
    if credentials is not None:
        return credentials
    if not service_account:
        raise GSheetsCredentialsError("配置中缺少服务账号密钥 sources.service_account "
                                      "(sources.service_account is not set in the config)")
    from google.oauth2.service_account import Credentials
    try:
        return Credentials.from_service_account_file(str(service_account), scopes=list(SCOPES))
    except (OSError, ValueError, KeyError) as e:
        # the path is never echoed: it says where the key lives
        raise GSheetsCredentialsError(
            "服务账号密钥文件无法读取或格式不对,请检查配置 sources.service_account 指向的 JSON 文件 "
            f"(the service-account key file could not be read: {type(e).__name__}; check "
            "sources.service_account in the config)") from None


def make_client(service_account: str | None = None, *, credentials: Any = None,
                session: requests.Session | None = None, base_url: str | None = None,
                policy: RetryPolicy | None = None, bucket: TokenBucket | None = None,
                sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                rng: random.Random | None = None, per_minute: int = 60,
                log: RequestLog | None = None) -> gspread.Client:
    """A gspread Client whose HTTP goes through `FollowupHTTPClient`.

    Production: `make_client(config.sources.service_account)`. Tests: pass `credentials`
    (e.g. `google.oauth2.credentials.Credentials(token="fake")`) and `base_url` of the fake.
    """
    creds = _credentials(service_account, credentials)
    if bucket is None:
        ident = getattr(creds, "service_account_email", None) or f"creds-{id(creds)}"
        bucket = bucket_for(ident, per_minute=per_minute, clock=clock, sleep=sleep)
    factory = functools.partial(FollowupHTTPClient, base_url=base_url, policy=policy, bucket=bucket,
                                sleep=sleep, clock=clock, rng=rng, log=log)
    return gspread.Client(auth=creds, session=session, http_client=factory)
