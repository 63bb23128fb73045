"""Build a gspread Client whose HTTP goes through `http.FollowupHTTPClient`."""
from __future__ import annotations

import functools
import random
import time
from typing import Any, Callable

import gspread
import requests

from .errors import GSheetsCredentialsError
from .http import FollowupHTTPClient, RequestLog
from .throttle import RetryPolicy, TokenBucket, bucket_for

__all__ = ["make_client", "SCOPES"]

SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")


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
