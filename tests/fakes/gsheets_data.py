"""Store spreadsheets for the fake Google server: the demo's synthetic stores, stored as Sheets
stores them (dates as serial numbers, phones as numbers where an agent typed them so), plus the
computed block's headers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from google.oauth2.credentials import Credentials

from fakes.gsheets_server import FakeGoogle, Formula, SerialDate
from followup.sync.config import Config
from followup.sync.demo import store_sheets
from followup.sync.model import ReadResult
from followup.sync.result import SyncResult, compute_tables
from followup.sync.sources.gsheets import GoogleSheetsSource, TokenBucket, WriteResult, make_client
from followup.sync.sources.gsheets.cells import to_serial
from followup.sync.sources.gsheets.client import oauth_token_path
from followup.sync.sources.gsheets.plan import lookup_formula
from followup.udfs.schema import COMPUTED_COLUMNS

DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(7)]
NOW = dt.datetime(2026, 11, 23, 9, 0)


def google_cell(v: Any, phone: bool = False) -> Any:
    if v is None:
        return ""
    if isinstance(v, (dt.date, dt.datetime)):
        return SerialDate(to_serial(v))  # a cell Sheets took as a date
    if phone and isinstance(v, str) and v.isdigit():
        return int(v)  # typed without a leading apostrophe: Sheets stores a number
    return v


def google_sheets(sheets: dict[str, list[list]], computed: bool | str = True) -> dict[str, list[list]]:
    """The store as Google holds it. 客户's computed columns: `True` the lookup formula in the
    header (as `followup gsheets init` makes it), "typed" the headers typed as text (the earlier
    template), `False` none."""
    out = {}
    for title, grid in sheets.items():
        head = list(grid[0]) if grid else []
        phone_col = head.index("电话") if "电话" in head else -1
        extra: list = []
        if title == "客户" and computed == "typed":
            extra = list(COMPUTED_COLUMNS.values())
        elif title == "客户" and computed:
            extra = [Formula(lookup_formula(head.index("客户编号"), 0))]
        rows = [head + extra]
        for row in grid[1:]:
            rows.append([google_cell(v, j == phone_col) for j, v in enumerate(row)])
        out[title] = rows
    return out


def store_book(
    idx: int,
    *,
    n_customers: int = 30,
    bad_rows: bool = False,
    seed: int | None = None,
    calls_per_day: int = 6,
    computed: bool | str = True,
) -> dict[str, list[list]]:
    store = f"{idx + 1}号店"
    return google_sheets(
        store_sheets(
            store,
            idx,
            "1" if idx % 2 == 0 else "2",
            n_customers=n_customers,
            call_days=DAYS,
            calls_per_day=calls_per_day,
            n_gifts=5,
            seed=seed if seed is not None else 100 + idx,
            bad_rows=bad_rows,
        ),
        computed,
    )


def fake_client(g: FakeGoogle, token: str = FakeGoogle.ME, sleep=None, clock=None, **kw):
    """A gspread client of the fake on a simulated clock: every wait (throttle, retry) moves the
    clock instead of sleeping, and `sleep(seconds)`, when given, hears of it."""
    t = [0.0]
    now = clock or (lambda: t[0])

    def tick(seconds: float) -> None:
        t[0] += seconds
        if sleep is not None:
            sleep(seconds)

    bucket = kw.pop("bucket", None) or TokenBucket(clock=now, sleep=lambda s: t.__setitem__(0, t[0] + s))
    return make_client(credentials=Credentials(token=token), base_url=g.url, sleep=tick, clock=now, bucket=bucket, **kw)


def port(g: FakeGoogle, keys: list[str], state: Path | None, *, client=None, **kw) -> GoogleSheetsSource:
    """The `Source` port a sync uses, talking to the fake; `state` the cache's folder (None: none)."""
    config = Config.model_validate({"sources": {"gsheets": list(keys)}, "report_dir": str(state or ".")})
    made = client or fake_client(g, **kw)
    return GoogleSheetsSource(
        config, keys, client_factory=lambda cfg: made, state=state if state is not None else _NoState()
    )


def _NoState():
    from followup.sync.sources.gsheets.state import SyncState

    return SyncState()


def sync_once(src: GoogleSheetsSource, now: dt.datetime = NOW) -> tuple[ReadResult, WriteResult]:
    """One sync through the port: read, compute every store's table (as run_sync does), write back."""
    read = src.read(now)
    result = SyncResult(now.date() - dt.timedelta(days=now.weekday()), now, read, Path("."))
    if read.stores:
        compute_tables(result, src.config)
    n = len(src.writes)
    src.write_back(result)
    return read, src.writes[-1] if len(src.writes) > n else WriteResult()


def run(g: FakeGoogle, keys: list[str], state: Path | None, now: dt.datetime = NOW, **kw):
    """`sync_once` of a fresh port: (port, read, write)."""
    src = port(g, keys, state, **kw)
    read, wrote = sync_once(src, now)
    return src, read, wrote


def write_oauth_files(folder: Path, token: str) -> tuple[Path, Path]:
    """An installed-app OAuth client file `folder/client_secret.json` and the cached user token
    that `followup gsheets` keeps for it (at `oauth_token_path`, under FOLLOWUP_STATE_DIR: set it
    first), as if the user had logged in; `token` is the fake server's bearer for that user."""
    client = Path(folder) / "client_secret.json"
    app = {"client_id": "123.apps.googleusercontent.com", "client_secret": "not-a-secret"}
    token_uri = "https://oauth2.googleapis.com/token"
    installed = {
        **app,
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "redirect_uris": ["http://localhost"],
    }
    client.write_text(json.dumps({"installed": installed}), encoding="utf-8")
    cached = oauth_token_path(client)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(
        json.dumps(
            {"token": token, "refresh_token": "r", **app, "token_uri": token_uri, "expiry": "2099-01-01T00:00:00Z"}
        ),
        encoding="utf-8",
    )
    return client, cached
