"""Google Sheets source/target against the loopback fake: real gspread + requests, real HTTP."""

from __future__ import annotations

import pytest
from fakes.gsheets_data import NOW, store_book
from fakes.gsheets_server import FakeGoogle, Fault
from google.oauth2.credentials import Credentials

from followup.sync.sources.gsheets import (
    GSheetsAccessError,
    GSheetsSource,
    GSheetsUnavailable,
    RetryPolicy,
    TokenBucket,
    make_client,
)
from followup.udfs.schema import COMPUTED_COLUMNS

TODAY = NOW.date()
HEAD = list(COMPUTED_COLUMNS.values())


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def client(g: FakeGoogle, sleeps=None, **kw):
    clock = FakeClock()
    bucket = kw.pop("bucket", None) or TokenBucket(per_minute=60, burst=10, clock=clock, sleep=clock.sleep)
    return make_client(
        credentials=Credentials(token=FakeGoogle.ME),
        base_url=g.url,
        sleep=sleeps if sleeps is not None else Sleeps(),
        bucket=bucket,
        **kw,
    )


def sync(g, keys, state, sleeps=None, **kw):
    src = GSheetsSource(client(g, sleeps, **kw), keys, state=state, now=NOW)
    read, wrote = src.sync(TODAY)
    return src, read, wrote


def computed(g, key, cid):
    grid = g.grid(key, "客户")
    head = grid[0]
    row = next(r for r in grid[1:] if r[head.index("客户编号")] == cid)
    return dict(zip(HEAD, (row + [""] * len(head))[head.index(HEAD[0]) : head.index(HEAD[0]) + len(HEAD)]))


def test_two_spreadsheets_read_compute_write(google, tmp_path):
    k1 = google.add_spreadsheet("一号店回访", store_book(0))
    k2 = google.add_spreadsheet("二号店回访", store_book(1, bad_rows=True))
    src, read, wrote = sync(google, [k1, k2], tmp_path)
    assert {s.store for s in read.stores} == {"1号店", "2号店"}
    assert any(r.file == "二号店回访" and r.row for r in read.rejections)  # bad rows located
    for (origin, sheet), n in read.rows_read.items():
        assert n == read.rows_used[(origin, sheet)] + read.rows_rejected[(origin, sheet)]
    assert wrote.rows_written >= 60 and set(wrote.spreadsheets_written) == {"一号店回访", "二号店回访"}
    # one Drive listing; per spreadsheet a read, a write-time re-read, one write, plus the one-time
    # tagging of the owned columns (createDeveloperMetadata)
    assert google.count("drive.list") == 1
    for k in (k1, k2):
        assert google.count(key=k) == 4
        assert google.count("sheets.get", k) == 2 and google.count("values:batchUpdateByDataFilter", k) == 1
        assert google.count("sheets.batchUpdate", k) == 1
    assert google.count("values.update") == 0 and google.count("values:batchGet") == 0
    assert sorted(v for vals in google.metadata_at(k1, "客户", "COLUMNS").values() for _, v in vals) == sorted(
        list(COMPUTED_COLUMNS) + ["computed_for"]
    )
    c = computed(google, k1, "K0000002")
    assert c["当前类别"] == "A" and c["负责人"]
    grid = google.grid(k1, "客户")
    nxt = [r[grid[0].index("下次回访")] for r in grid[1:]]
    assert sum(isinstance(v, int) and v > 46000 for v in nxt) > len(nxt) / 2  # dates as serial numbers
    # phones typed as numbers reach the validated frame as text
    phones = read.stores[0].customers["phone"]
    assert all(isinstance(p, str) and len(p) == 11 for p in phones)


def test_unchanged_spreadsheets_cost_no_sheets_calls(google, tmp_path):
    keys = [google.add_spreadsheet(f"店{i}", store_book(i)) for i in range(3)]
    sync(google, keys, tmp_path)
    google.reset_counts()
    # the sync after a write verifies it: one read per written spreadsheet, nothing to write
    src, read, wrote = sync(google, keys, tmp_path)
    assert google.count("drive.list") == 1 and all(google.count(key=k) == 1 for k in keys)
    assert wrote.rows_written == 0
    google.reset_counts()
    src, read, wrote = sync(google, keys, tmp_path)
    assert google.requests == [("GET", "drive.list", None)]
    assert len(read.stores) == 3 and wrote.rows_written == 0  # still feeds the reports
    # an agent edits one spreadsheet: only that one is read again
    google.agent_edit(
        keys[1],
        "回访记录",
        lambda rows: rows.append([46349.4, "2号店", "小王", "K0100001", "客户服务", "电话", "成功", 2, "", "", ""]),
    )
    google.reset_counts()
    sync(google, keys, tmp_path)
    assert google.count(key=keys[0]) == google.count(key=keys[2]) == 0
    assert 1 <= google.count(key=keys[1]) <= 3


def test_formula_injection_arrives_and_stays_text(google, tmp_path):
    book = store_book(0, n_customers=8)
    evil = ['=IMPORTXML("http://x","//a")', "+SUM(1)", "@x", "-1+1", "\tTAB", "CR\r"]
    for row, name in zip(book["客户"][1:], evil):
        row[1] = name
    key = google.add_spreadsheet("注入", book)
    src, read, wrote = sync(google, [key], tmp_path)
    names = list(read.stores[0].customers["name"])
    for name in evil:
        assert name.strip() in [str(n).strip() for n in names]
    ss = google.spreadsheets[key]
    assert ss.formulas == {}  # RAW: nothing became a formula
    assert [r[1] for r in google.grid(key, "客户")[1:7]] == evil


def test_429_three_times_then_success(google, tmp_path):
    key = google.add_spreadsheet("限流", store_book(0, n_customers=5))
    google.faults.append(Fault(429, times=3, key=key, kind="sheets.get"))
    sleeps = Sleeps()
    src, read, wrote = sync(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=5, base_delay=1))
    assert len(read.stores) == 1 and not [r for r in read.rejections if r.fatal and not r.row]
    assert len(sleeps) == 3 and all(0 < s <= 32 for s in sleeps)
    assert sleeps[0] <= 1 and 1 <= sleeps[2] <= 4  # exponential with jitter
    assert google.count("sheets.get", key) == 3 + 2


def test_retries_are_bounded(google, tmp_path):
    key = google.add_spreadsheet("坏了", store_book(0, n_customers=5))
    google.faults.append(Fault(503, times=100, key=key))
    sleeps = Sleeps()
    src, read, _ = sync(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=4, max_total_seconds=1000))
    assert len(sleeps) == 3 and google.count(key=key) == 4
    (rej,) = [r for r in read.rejections if r.file == "坏了"]
    assert "HTTP 503" in rej.message and "4" in rej.message


def test_a_500_on_one_spreadsheet_does_not_stop_the_other(google, tmp_path):
    good = google.add_spreadsheet("好店", store_book(0, n_customers=5))
    bad = google.add_spreadsheet("坏店", store_book(1, n_customers=5))
    google.faults.append(Fault(500, times=99, key=bad))
    src, read, wrote = sync(google, [bad, good], tmp_path, policy=RetryPolicy(max_tries=3))
    assert [s.store for s in read.stores] == ["1号店"]
    (rej,) = [r for r in read.rejections if r.fatal]
    assert rej.file == "坏店" and "坏店" in rej.message and "HTTP 500" in rej.message
    assert wrote.spreadsheets_written == ["好店"]


def test_403_fails_fast_with_the_fix_and_no_secrets(google, tmp_path):
    key = google.add_spreadsheet("没共享", store_book(0, n_customers=5))
    google.faults.append(Fault(403, times=5, key=key))
    sleeps = Sleeps()
    src, read, _ = sync(google, [key], tmp_path, sleeps)
    assert sleeps == [] and google.count(key=key) == 1
    (rej,) = [r for r in read.rejections if r.fatal]
    assert "没共享" in rej.message and "share the sheet with the service-account email" in rej.message
    assert FakeGoogle.ME not in rej.message and "Bearer" not in rej.message


def test_timeouts_are_retried(google, tmp_path):
    key = google.add_spreadsheet("慢", store_book(0, n_customers=5))
    google.faults.append(Fault(None, times=1, key=key, kind="sheets.get", delay=0.6))
    sleeps = Sleeps()
    src = GSheetsSource(client(google, sleeps), [key], state=tmp_path, now=NOW)
    src.http.timeout = 0.3
    read = src.read()
    assert len(read.stores) == 1 and len(sleeps) == 1


def test_rows_inserted_deleted_and_moved_mid_sync(google, tmp_path):
    key = google.add_spreadsheet("并发", store_book(0, n_customers=12))
    fired = []

    def agent(g, kind, k):
        if kind == "sheets.get" and k == key and not fired:
            fired.append(1)

            def edit(rows):
                head = rows[0]
                new = [""] * len(head)
                new[0], new[1] = "K0099001", "新客户"
                rows.insert(1, new)  # inserted on top: every row moves down
                rows.insert(5, list(new[:1]) + ["空行"])
                del rows[8]  # a customer deleted
                rows[3], rows[10] = rows[10], rows[3]  # two rows swapped

            g.agent_edit(key, "客户", edit)

    before = {r[0]: r[1] for r in google.grid(key, "客户")[1:]}
    google.hooks.append(agent)
    src, read, wrote = sync(google, [key], tmp_path)
    grid = google.grid(key, "客户")
    head = grid[0]
    ci = head.index("当前类别")
    table = {r[0]: r for r in grid[1:]}
    deleted = set(before) - set(table)
    assert len(deleted) == 1
    assert any(r.value in deleted and "删除" in r.message for r in wrote.rejections)
    # every surviving customer got its own values: class matches its own facts (A iff purchased)
    pi = head.index("购买日期")
    for cid, row in table.items():
        if cid in before:
            assert row[1] == before[cid]
            if row[pi] not in ("", None):
                assert row[ci] == "A", cid
    assert table["K0099001"][ci:] in ([], [""] * len(row[ci:])) or all(v == "" for v in table["K0099001"][ci:])
    # the next sync reads again (the sheet changed during the sync), then settles
    google.hooks.clear()
    google.reset_counts()
    sync(google, [key], tmp_path)
    assert google.count("sheets.get", key) >= 1


def test_hand_edited_computed_cell_is_overwritten_and_reported(google, tmp_path):
    key = google.add_spreadsheet("手改", store_book(0, n_customers=6))
    sync(google, [key], tmp_path)
    right = computed(google, key, "K0000002")["回访目的"]

    def edit(rows):
        head = rows[0]
        row = next(r for r in rows if r[0] == "K0000002")
        row[head.index("回访目的")] = "我自己写的"

    google.agent_edit(key, "客户", edit)
    src, read, wrote = sync(google, [key], tmp_path)
    assert computed(google, key, "K0000002")["回访目的"] == right
    (rep,) = [r for r in wrote.rejections if r.column == "回访目的"]
    assert rep.value == "我自己写的" and not rep.fatal and "覆盖" in rep.message


def test_missing_tab_is_read_around(google, tmp_path):
    book = store_book(0, n_customers=5)
    del book["礼品"]
    key = google.add_spreadsheet("无礼品", book)
    src, read, wrote = sync(google, [key], tmp_path)
    assert len(read.stores) == 1 and wrote.rows_written == 5


def test_token_bucket_keeps_60_per_minute():
    now = [0.0]
    stamps = []

    def sleep(s):
        now[0] += s

    bucket = TokenBucket(per_minute=60, burst=10, clock=lambda: now[0], sleep=sleep)
    for _ in range(300):
        bucket.acquire()
        stamps.append(now[0])
    for i, t in enumerate(stamps):
        in_window = sum(1 for u in stamps[i:] if u < t + 60)
        assert in_window <= 60
    assert stamps[-1] < 300 * 60 / 50 + 1  # and not slower than needed


def test_credentials_error_never_shows_the_path(tmp_path):
    from followup.sync.sources.gsheets.errors import GSheetsCredentialsError

    secret = tmp_path / "very-secret-sa.json"
    secret.write_text("{not json", encoding="utf-8")
    with pytest.raises(GSheetsCredentialsError) as e:
        make_client(str(secret))
    assert "very-secret" not in str(e.value) and "sources.service_account" in str(e.value)


def test_errors_are_followup_errors():
    from followup.udfs.errors import FollowupError

    assert issubclass(GSheetsAccessError, FollowupError) and issubclass(GSheetsUnavailable, FollowupError)
