"""Google Sheets through the `Source` port against the loopback fake: real gspread + requests, real HTTP."""

from __future__ import annotations

import pytest
from fakes.gsheets_data import NOW, fake_client, port, store_book, sync_once
from fakes.gsheets_server import FakeGoogle, Fault

from followup.sync.sources.gsheets import (
    PLAN_TAB,
    GSheetsAccessError,
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


def sync(g, keys, state, sleeps=None, **kw):
    src = port(g, keys, state, sleep=sleeps if sleeps is not None else Sleeps(), **kw)
    read, wrote = sync_once(src)
    return src, read, wrote


def computed(g, key, cid):
    """The computed cells the agent sees on the customer's row of 客户."""
    grid = g.view(key, "客户")
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
    # one Drive listing; per spreadsheet one read and one write (the plan tab, created at the end)
    assert google.count("drive.list") == 1
    for k in (k1, k2):
        assert google.count(key=k) == 2
        assert google.count("sheets.get", k) == 1 and google.count("sheets.batchUpdate", k) == 1
        assert [s.title for s in google.spreadsheets[k].sheets][-1] == PLAN_TAB
    assert google.count("values.update") == 0 and google.count("values:batchGet") == 0
    assert all(not google.spreadsheets[k].metadata for k in (k1, k2))  # no developer metadata
    c = computed(google, k1, "K0000002")
    assert c["当前类别"] == "A" and c["负责人"]
    grid = google.view(k1, "客户")
    nxt = [r[grid[0].index("下次回访")] for r in grid[1:]]
    assert sum(isinstance(v, int) and v > 46000 for v in nxt) > len(nxt) / 2  # dates as serial numbers
    # phones typed as numbers reach the validated frame as text
    phones = read.stores[0].customers["phone"]
    assert all(isinstance(p, str) and len(p) == 11 for p in phones)


def test_unchanged_spreadsheets_cost_no_sheets_calls(google, tmp_path):
    keys = [google.add_spreadsheet(f"店{i}", store_book(i)) for i in range(3)]
    sync(google, keys, tmp_path)
    google.reset_counts()
    # the sync after a write reads it once (its own write moved the time), nothing to write
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
    assert 1 <= google.count(key=keys[1]) <= 2


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
    assert list(ss.formulas) == [("客户", 0, 13)]  # only the lookup formula: nothing typed became one
    assert [r[1] for r in google.grid(key, "客户")[1:7]] == evil
    plan = google.grid(key, PLAN_TAB)
    assert all(not str(v).startswith("=") or isinstance(v, str) for row in plan for v in row)


def test_429_three_times_then_success(google, tmp_path):
    key = google.add_spreadsheet("限流", store_book(0, n_customers=5))
    google.faults.append(Fault(429, times=3, key=key, kind="sheets.get"))
    sleeps = Sleeps()
    src, read, wrote = sync(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=5, base_delay=1))
    assert len(read.stores) == 1 and not [r for r in read.rejections if r.fatal and not r.row]
    assert len(sleeps) == 3 and all(0 < s <= 32 for s in sleeps)
    assert sleeps[0] <= 1 and 1 <= sleeps[2] <= 4  # exponential with jitter
    assert google.count("sheets.get", key) == 3 + 1  # no re-read before the write


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
    made = fake_client(google, sleep=sleeps)
    made.http_client.timeout = 0.3
    read = port(google, [key], tmp_path, client=made).read(NOW)
    assert len(read.stores) == 1 and len(sleeps) == 1


def test_a_value_typed_into_the_block_is_kept_and_reported(google, tmp_path):
    key = google.add_spreadsheet("手改", store_book(0, n_customers=6))
    sync(google, [key], tmp_path)
    assert computed(google, key, "K0000002")["回访目的"]
    col = 13 + HEAD.index("回访目的")  # the block starts right of the 13 customer columns
    google.agent_type(key, "客户", 2, col, "我自己写的")
    src, read, wrote = sync(google, [key], tmp_path)
    view = google.view(key, "客户")
    assert view[2][col] == "我自己写的"  # never overwritten
    assert str(view[0][13]) == "#REF!"  # the formula cannot expand over it: Google shows #REF!
    (rep,) = [r for r in wrote.rejections if r.value == "我自己写的"]
    assert rep.row == 3 and rep.column == "回访目的" and not rep.fatal and "#REF!" in rep.message
    assert "R3" in rep.message or "Q3" in rep.message
    # cleared by the agent: the formula shows the plan again, no write needed
    google.agent_type(key, "客户", 2, col, "")
    assert computed(google, key, "K0000002")["回访目的"]


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


def test_the_bench_shows_the_request_budget():
    """bench/gsheets.py's figures: ≤ 2 requests per changed spreadsheet, 0 per unchanged one, plus
    the one Drive listing (the bench runs the sync through the Source port)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "gsheets.py"
    spec = importlib.util.spec_from_file_location("bench_gsheets", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    n = 3
    first, reread, changed, unchanged = bench.ours(n, 5)
    assert first == 1 + 2 * n and changed == 1 + 2 * n  # the listing + (one read, one write) each
    assert reread == 1 + n and unchanged == 1  # reading back its own write; then the listing only
