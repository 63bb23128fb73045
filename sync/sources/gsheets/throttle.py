"""How often to ask Google, and how long to keep asking: retry/backoff policy and throttle.

- `RetryPolicy`: exponential backoff with full jitter, bounded by a number of tries *and* a
  total number of seconds (gspread's own BackOffHTTPClient is unbounded);
- `retryable`: 429, 408, 5xx and Drive's 403 `rateLimitExceeded`/`userRateLimitExceeded` are
  retried (connection errors/timeouts too, see `http.FollowupHTTPClient.request`);
- `TokenBucket`: keeps each credential at ≤ `per_minute` requests in any 60 s window, one
  bucket per credential (`bucket_for`).

Clock, sleep and random source are injectable for tests.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

__all__ = ["RetryPolicy", "TokenBucket", "bucket_for", "retryable", "retry_after_seconds"]

_RETRY_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "backendError", "internalError"}


@dataclass
class RetryPolicy:
    """Exponential backoff with full jitter, capped by total seconds (the budget) and tries.

    The tries bound is high enough that the time budget decides: a 429 without Retry-After
    waits ≈ 1, 2, 4, 8, 16, 32 s (each jittered between half and all of it) until the next wait
    would pass `max_total_seconds`."""

    max_tries: int = 12
    max_total_seconds: float = 60.0
    base_delay: float = 1.0
    max_delay: float = 32.0

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds to wait before try number `attempt + 1` (attempt counts from 1)."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        wait = cap / 2 + rng.random() * cap / 2
        if retry_after is not None:
            # Google said how long: wait that long (the caller gives up if it exceeds the budget)
            wait = max(wait, retry_after)
        return wait


def retryable(status: int, reason: str) -> bool:
    if status in (408, 429) or status >= 500:
        return True
    return status == 403 and reason in _RETRY_REASONS


def retry_after_seconds(response: requests.Response, now: Callable[[], float] = time.time) -> float | None:
    """`Retry-After` as seconds from now: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, when.timestamp() - now())


class TokenBucket:
    """At most `per_minute` requests in any 60 s window.

    A bucket of `burst` tokens refilled at (per_minute − burst)/60 tokens a second: the worst
    window is a full bucket spent at once plus 60 s of refill = per_minute. Thread-safe.
    """

    def __init__(
        self,
        per_minute: int = 60,
        burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not 0 < burst < per_minute:
            raise ValueError("burst must be between 0 and per_minute")
        self.capacity, self.rate = float(burst), (per_minute - burst) / 60.0
        self.clock, self.sleep = clock, sleep
        self.tokens, self.stamp = float(burst), clock()
        self.waited = 0.0
        self._lock = threading.Lock()

    def acquire(self, n: float = 1) -> float:
        """Take `n` tokens (≤ burst) at once, sleeping until they are there; returns the seconds waited."""
        n = min(float(n), self.capacity)
        with self._lock:
            waited = 0.0
            while True:
                now = self.clock()
                self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.tokens >= n - 1e-9:  # float rounding must not spin forever
                    self.tokens = max(0.0, self.tokens - n)
                    self.waited += waited
                    return waited
                need = (n - self.tokens) / self.rate
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
