"""Build a gspread Client whose HTTP goes through `http.FollowupHTTPClient`."""

from __future__ import annotations

import functools
import hashlib
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import gspread
import requests

from .errors import GSheetsCredentialsError
from .http import FollowupHTTPClient, RequestLog
from .throttle import RetryPolicy, TokenBucket, bucket_for

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["make_client", "client_for", "oauth_token_path", "SCOPES"]

SCOPES = ("https://www.googleapis.com/auth/spreadsheets", "https://www.googleapis.com/auth/drive")


def _credentials(service_account: str | None, credentials: Any):
    if credentials is not None:
        return credentials
    if not service_account:
        raise GSheetsCredentialsError(
            '配置中缺少服务账号密钥 sources.service_account,或设 sources.auth = "oauth" '
            "(sources.service_account is not set in the config; or set sources.auth = "
            '"oauth")'
        )
    from google.oauth2.service_account import Credentials

    try:
        return Credentials.from_service_account_file(str(service_account), scopes=list(SCOPES))
    except (OSError, ValueError, KeyError) as e:
        # the path is never echoed: it says where the key lives
        raise GSheetsCredentialsError(
            "服务账号密钥文件无法读取或格式不对,请检查配置 sources.service_account 指向的 JSON 文件 "
            f"(the service-account key file could not be read: {type(e).__name__}; check "
            "sources.service_account in the config)"
        ) from None


def _loopback_override() -> str | None:
    """FOLLOWUP_GOOGLE_API_URL sends the Google calls to a local fake (the CLI's tests); only a
    loopback address is accepted, so a bearer token can never be sent elsewhere by it."""
    url = os.environ.get("FOLLOWUP_GOOGLE_API_URL", "")
    return url if re.fullmatch(r"http://(127\.0\.0\.1|localhost):\d+/?", url) else None


def oauth_token_path(oauth_client: str | Path) -> Path:
    """Where the signed-in person's OAuth token is cached: in their own state folder (never a shared
    one), one file per OAuth client, mode 0600."""
    base = (
        os.environ.get("FOLLOWUP_STATE_DIR")
        or os.environ.get("LOCALAPPDATA")
        or os.environ.get("XDG_STATE_HOME")
        or Path.home() / ".local" / "state"
    )
    digest = hashlib.sha256(str(Path(oauth_client).resolve()).encode()).hexdigest()[:16]
    return Path(base) / "followup" / f"gsheets-oauth-{digest}.json"


def _oauth_client(
    oauth_client: str | Path | None, token: Path | None, flow: Callable | None, factory: Any
) -> gspread.Client:
    """gspread's `oauth()` flow: the cached token if there is one, else the browser sign-in once."""
    if not oauth_client:
        raise GSheetsCredentialsError(
            '配置中 sources.auth = "oauth" 但缺少 sources.oauth_client(OAuth 客户端 JSON) '
            '(sources.auth = "oauth" needs sources.oauth_client, the OAuth client ID JSON)'
        )
    token = token or oauth_token_path(oauth_client)
    kwargs = {"flow": flow} if flow is not None else {}
    try:
        client = gspread.oauth(
            scopes=list(SCOPES),
            credentials_filename=str(oauth_client),
            authorized_user_filename=str(token),
            http_client=factory,
            **kwargs,
        )
    except (OSError, ValueError, KeyError) as e:
        raise GSheetsCredentialsError(
            "OAuth 客户端文件或缓存的登录信息无法读取,请检查 sources.oauth_client,或删除缓存的令牌后重新登录 "
            f"(the OAuth client file or the cached sign-in could not be read: {type(e).__name__}; check "
            "sources.oauth_client, or delete the cached token and sign in again)"
        ) from None
    if token.exists():
        os.chmod(token, 0o600)  # a refresh token: this person's only
    return client


def make_client(
    service_account: str | None = None,
    *,
    credentials: Any = None,
    session: requests.Session | None = None,
    base_url: str | None = None,
    policy: RetryPolicy | None = None,
    bucket: TokenBucket | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    rng: random.Random | None = None,
    per_minute: int = 60,
    log: RequestLog | None = None,
    auth: str = "service_account",
    oauth_client: str | Path | None = None,
    oauth_token: str | Path | None = None,
    oauth_flow: Callable | None = None,
) -> gspread.Client:
    """A gspread Client whose HTTP goes through `FollowupHTTPClient`.

    Production: `make_client(config.sources.service_account)`, or with `auth="oauth"` and
    `oauth_client` the person's own Google account (token cached at `oauth_token`, default
    `oauth_token_path`). Tests: pass `credentials` (e.g.
    `google.oauth2.credentials.Credentials(token="fake")`) and `base_url` of the fake.
    """
    base_url = base_url or _loopback_override()
    if auth == "oauth" and credentials is None:
        ident = f"oauth-{oauth_client}"
        if bucket is None:
            bucket = bucket_for(ident, per_minute=per_minute, clock=clock, sleep=sleep)
        factory = functools.partial(
            FollowupHTTPClient,
            base_url=base_url,
            policy=policy,
            bucket=bucket,
            sleep=sleep,
            clock=clock,
            rng=rng,
            log=log,
        )
        client = _oauth_client(oauth_client, Path(oauth_token) if oauth_token else None, oauth_flow, factory)
        if session is not None:
            client.http_client.session = session
        return client
    creds = _credentials(service_account, credentials)
    if bucket is None:
        ident = getattr(creds, "service_account_email", None) or f"creds-{id(creds)}"
        bucket = bucket_for(ident, per_minute=per_minute, clock=clock, sleep=sleep)
    # gspread calls http_client like a class: a partial of ours (typed Any: gspread's stub wants the class)
    factory = functools.partial(
        FollowupHTTPClient, base_url=base_url, policy=policy, bucket=bucket, sleep=sleep, clock=clock, rng=rng, log=log
    )
    return gspread.Client(auth=creds, session=session, http_client=cast(Any, factory))


def client_for(config: Config, **kwargs) -> gspread.Client:
    """The client the config asks for: `sources.auth` picks the service account or OAuth."""
    src = config.sources
    return make_client(
        str(src.service_account) if src.service_account else None,
        auth=src.auth,
        oauth_client=src.oauth_client,
        **kwargs,
    )
