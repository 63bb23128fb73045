"""The HTTP layer under gspread: throttle, bounded retries, error wrapping, loopback base URL.

`FollowupHTTPClient` subclasses gspread's `HTTPClient` and overrides only `request`, so every
gspread helper (values_batch_get, values_batch_update, batch_update, Drive listing) goes
through it and issues real HTTP requests:

- a token bucket keeps each credential at ≤ `per_minute` requests in any 60 s window, and
  retryable failures are retried with bounded backoff (both in `throttle.py`);
- 400/403/404 fail fast with a `GSheetsError` naming the spreadsheet and what to fix
  (`errors.fail_fast`);
- `base_url` sends every Google URL to another host (the loopback fake in the tests).

`client.make_client` builds a gspread Client on top of it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import gspread
import requests

from .errors import REASON_HINTS, GSheetsRequestError, GSheetsUnavailable, error_of, fail_fast
from .throttle import RetryPolicy, TokenBucket, retry_after_seconds, retryable

__all__ = ["FollowupHTTPClient", "RequestLog", "GOOGLE_HOSTS", "CircuitBreaker", "json_of"]

GOOGLE_HOSTS = ("https://sheets.googleapis.com", "https://www.googleapis.com")


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


def json_of(response: requests.Response, where: str | None, expect: type = dict) -> Any:
    """The response's JSON, checked to be an object (or `expect`): malformed JSON or another shape
    becomes a GSheetsRequestError naming the spreadsheet, never a traceback."""
    try:
        data = response.json()
    except ValueError:  # requests.exceptions.JSONDecodeError is a ValueError
        data = ValueError
    if not isinstance(data, expect):
        raise GSheetsRequestError(
            "Google 的回答不是有效的 JSON 或格式不对,本表本次未读取/写入,请稍后再同步 "
            "(Google's answer was not valid JSON or had an unexpected shape; try the sync "
            "again later)",
            where=where,
        )
    return data


@dataclass
class CircuitBreaker:
    """After `limit` requests in a row that each used up their whole retry budget (429/5xx/
    timeouts), the spreadsheets not asked yet fail at once, each with this message, instead of
    each waiting out the budget again; one answered request closes it. Each spreadsheet fails on
    its own: the others (read before, or unchanged and served from the cache) still count."""

    limit: int = 3
    cool_down: float = 300.0
    failures: int = 0  # requests in a row that used up their retry budget

    def check(self, where: str | None) -> None:
        if self.failures >= self.limit:
            until = time.strftime("%H:%M", time.localtime(time.time() + self.cool_down))
            raise GSheetsUnavailable(
                f"Google 连续 {self.failures} 个请求在重试期限内都繁忙或出错,本表本次未请求,请在 {until} 之后再同步 "
                f"({self.failures} requests in a row used up their retry budget on 429/5xx/timeouts: this "
                f"spreadsheet was not asked this sync; try again after {until})",
                where=where,
            )


def _kind(method: str, url: str) -> str:
    path = url.split("?", 1)[0]
    if "/drive/" in path:
        return f"drive.{method.lower()}"
    for tail in ("values:batchGet", "values:batchUpdate", ":batchUpdate"):
        if path.endswith(tail):
            return "sheets." + tail.lstrip(":")
    return f"sheets.{method.lower()}"


def _unavailable(
    status: int, reason: str, message: str, attempt: int, retry_after: float | None, where: str | None
) -> GSheetsUnavailable:
    """A retryable failure that outlasted the budget: names Google's reason and its Retry-After."""
    tag = f" [{reason}]" if reason and not reason.isupper() else ""
    wait_zh = f",Google 要求 {retry_after:.0f} 秒后再试" if retry_after is not None else ""
    wait_en = f"; Google asked to wait {retry_after:.0f} s" if retry_after is not None else ""
    text = (
        f"Google 服务繁忙或出错 (HTTP {status}){tag},共尝试 {attempt} 次{wait_zh},请稍后再同步 "
        f"(HTTP {status} {message[:200]} after {attempt} tries{wait_en}: try the sync again later)"
    )
    hint = REASON_HINTS.get(reason)
    return GSheetsUnavailable(text + (f". {hint}" if hint else ""), where=where, status=status)


class FollowupHTTPClient(gspread.HTTPClient):
    """gspread's HTTPClient with throttle, bounded retries, error wrapping and a base-URL switch."""

    def __init__(
        self,
        auth: Any,
        session: requests.Session | None = None,
        *,
        base_url: str | None = None,
        policy: RetryPolicy | None = None,
        bucket: TokenBucket | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        timeout: float | tuple[float, float] | None = (5, 20),
        log: RequestLog | None = None,
        where: str | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        super().__init__(auth, session)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.policy = policy or RetryPolicy()
        self.bucket = bucket
        self.sleep, self.clock, self.rng = sleep, clock, rng or random.Random()
        self.timeout = timeout
        self.log = log or RequestLog()
        self.where = where  # the spreadsheet in hand, named in error messages
        # connect + read timeouts stay well inside the retry budget, so a slow answer is retried
        self.breaker = breaker or CircuitBreaker()

    def url(self, endpoint: str) -> str:
        if self.base_url:
            for host in GOOGLE_HOSTS:
                if endpoint.startswith(host):
                    return self.base_url + endpoint[len(host) :]
        return endpoint

    def request(
        self, method: str, endpoint: str, params=None, data=None, json=None, files=None, headers=None
    ) -> requests.Response:
        endpoint = self.url(endpoint)
        kind = _kind(method, endpoint)
        start = self.clock()
        attempt = 0
        self.breaker.check(self.where)
        while True:
            attempt += 1
            if self.bucket is not None:
                self.bucket.acquire()
            self.log.add(kind)
            retry_after = None
            try:
                response = self.session.request(
                    method=method,
                    url=endpoint,
                    json=json,
                    params=params,
                    data=data,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as e:
                failure = GSheetsUnavailable(
                    f"网络超时或连接失败,共尝试 {attempt} 次 (network timeout/connection error after "
                    f"{attempt} tries: {type(e).__name__})",
                    where=self.where,
                )
            else:
                if response.ok:
                    self.breaker.failures = 0
                    return response
                status, reason, message = error_of(response)
                if not retryable(status, reason):
                    self.breaker.failures = 0  # Google answered
                    raise fail_fast(status, reason, message, self.where)
                retry_after = retry_after_seconds(response)
                failure = _unavailable(status, reason, message, attempt, retry_after, self.where)
            wait = self.policy.delay(attempt, self.rng, retry_after)
            if attempt >= self.policy.max_tries or (self.clock() - start) + wait > self.policy.max_total_seconds:
                self.breaker.failures += 1
                raise failure
            self.log.retries += 1
            self.log.slept += wait
            self.sleep(wait)
