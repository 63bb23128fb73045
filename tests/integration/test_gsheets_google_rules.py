"""What real Google sends, honoured: Retry-After (seconds or HTTP date) within the retry budget,
ErrorInfo reasons in the messages, shared-drive listing with pages, dates typed as text."""

from __future__ import annotations

import email.utils
import time

import openpyxl
import pytest
from fakes.gsheets_data import NOW, fake_client, port, store_book
from fakes.gsheets_server import FakeGoogle, Fault

from followup.sync.sources.excel import read_sources
from followup.sync.sources.gsheets import RetryPolicy


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(g, sleeps=None, token=FakeGoogle.ME, **kw):
    return fake_client(g, token, sleep=sleeps if sleeps is not None else Sleeps(), **kw)


def read(g, keys, tmp_path, sleeps=None, **kw):
    src = port(g, keys, tmp_path, client=client(g, sleeps, **kw))
    return src, src.read(NOW)


def test_retry_after_seconds_is_honoured(google, tmp_path):
    key = google.add_spreadsheet("限流", store_book(0, n_customers=5))
    google.faults.append(Fault(429, times=2, key=key, kind="sheets.get", retry_after="7"))
    sleeps = Sleeps()
    _, res = read(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=5, max_total_seconds=60))
    assert len(res.stores) == 1 and sleeps == [7.0, 7.0]  # Google's wait, not our 1–2 s backoff


def test_retry_after_http_date_is_honoured(google, tmp_path):
    key = google.add_spreadsheet("限流", store_book(0, n_customers=5))
    when = email.utils.formatdate(time.time() + 20, usegmt=True)
    google.faults.append(Fault(503, times=1, key=key, kind="sheets.get", retry_after=when))
    sleeps = Sleeps()
    _, res = read(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=5, max_total_seconds=60))
    assert len(res.stores) == 1 and len(sleeps) == 1 and 17 <= sleeps[0] <= 21


def test_retry_after_beyond_the_budget_stops_at_once_and_says_so(google, tmp_path):
    key = google.add_spreadsheet("限流", store_book(0, n_customers=5))
    google.faults.append(Fault(429, times=9, key=key, kind="sheets.get", retry_after="3600"))
    sleeps = Sleeps()
    _, res = read(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=5, max_total_seconds=60))
    assert sleeps == [] and google.count("sheets.get", key) == 1
    (rej,) = [r for r in res.rejections if r.fatal]
    assert "HTTP 429" in rej.message and "[rateLimitExceeded]" in rej.message
    assert "3600" in rej.message and "Google 要求" in rej.message


def test_drive_user_rate_limit_403_is_retried_and_named(google, tmp_path):
    key = google.add_spreadsheet("一号店", store_book(0, n_customers=5))
    google.faults.append(
        Fault(403, times=9, kind="drive.list", reason="userRateLimitExceeded", message="User Rate Limit Exceeded")
    )
    sleeps = Sleeps()
    _, res = read(google, [key], tmp_path, sleeps, policy=RetryPolicy(max_tries=3, max_total_seconds=600))
    assert google.count("drive.list") == 3 and len(sleeps) == 2
    (note,) = [r for r in res.rejections if r.file == "Google Drive"]
    assert "[userRateLimitExceeded]" in note.message and len(res.stores) == 1  # the sheet is still read


def test_insufficient_permissions_reason_gives_the_scope_fix(google, tmp_path):
    key = google.add_spreadsheet("一号店", store_book(0, n_customers=5))
    google.faults.append(
        Fault(
            403,
            times=1,
            key=key,
            kind="sheets.get",
            reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            message="Request had insufficient authentication scopes.",
        )
    )
    _, res = read(google, [key], tmp_path)
    (rej,) = [r for r in res.rejections if r.fatal]
    assert "insufficientPermissions" in rej.message and "scopes" in rej.message


def test_a_sheet_not_shared_is_neither_listed_nor_readable(google, tmp_path):
    mine = google.add_spreadsheet("共享了", store_book(0, n_customers=5))
    hidden = google.add_spreadsheet("没共享", store_book(1, n_customers=5), shared_with={})
    src, res = read(google, [mine, hidden], tmp_path)
    assert hidden not in src.reader.list_changes() and mine in src.reader.list_changes()
    (rej,) = [r for r in res.rejections if r.fatal]
    assert rej.file == "没共享" or hidden in rej.file
    assert "HTTP 403" in rej.message and "share the sheet with the service-account email" in rej.message


def test_listing_covers_shared_drives_and_pages(google, tmp_path):
    drive = google.add_shared_drive()
    tiny = {"客户": [["客户编号"]]}
    for i in range(1000):
        google.add_spreadsheet(f"其他{i}", tiny)
    on_drive = google.add_spreadsheet("共享盘上的店", store_book(0, n_customers=5), folder=drive, shared_with={})
    src, res = read(google, [on_drive], tmp_path)
    assert google.count("drive.list") == 2  # 1,001 spreadsheets: two pages of ≤ 1,000
    listed = src.reader.list_changes()
    assert on_drive in listed and listed[on_drive]["modifiedTime"]
    assert len(res.stores) == 1
    # the next sync: listed as unchanged, so zero Sheets calls
    google.reset_counts()
    src, res = read(google, [on_drive], tmp_path)
    assert google.count() == google.count("drive.list") == 2 and len(res.stores) == 1


def _text_dates_book():
    book = store_book(0, n_customers=6)
    head = book["客户"][0]
    col = head.index("咨询日期")
    texts = ["2026/11/3", "2026年11月3日", "2026-11-03", "2026.11.3", "2026/13/45", "三号"]
    for row, text in zip(book["客户"][1:], texts):
        row[col] = text
    return book, col, texts


def _xlsx(path, book):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, grid in book.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(grid, start=1):
            for c, v in enumerate(row, start=1):
                cell = ws.cell(r, c, float(v) if isinstance(v, float) else v)
                if isinstance(v, str) and v.startswith("="):
                    cell.data_type = "s"  # typed text, as in the Sheet: not a formula
    wb.save(path)
    return path


def test_dates_typed_as_text_parse_like_the_excel_reader(google, tmp_path):
    book, col, texts = _text_dates_book()
    key = google.add_spreadsheet("文本日期", book)
    _, sheets = read(google, [key], tmp_path / "state")
    (store,) = sheets.stores
    days = store.customers.set_index("customer_id")["consult_date"]
    assert {str(days[f"K000000{i}"])[:10] for i in (1, 2, 3, 4)} == {"2026-11-03"}
    # the same cells in an .xlsx, through the Excel reader: the same rejections, word for word
    excel = read_sources([_xlsx(tmp_path / "文本日期.xlsx", book)], now=NOW)
    g_msgs = sorted((r.row, r.column, r.message) for r in sheets.rejections if r.column == "咨询日期")
    x_msgs = sorted((r.row, r.column, r.message) for r in excel.rejections if r.column == "咨询日期")
    assert len(g_msgs) == 2 and g_msgs == x_msgs
    assert all("2026年11月3日" in m for _, _, m in g_msgs)  # the message shows the accepted forms


def test_formatted_string_dates_read_back_as_text(google):
    key = google.add_spreadsheet("一号店", store_book(0, n_customers=2))
    http = client(google).http_client
    serial = http.values_batch_get(
        key, ["'客户'!G2"], params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
    )
    text = http.values_batch_get(
        key,
        ["'客户'!G2"],
        params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING"},
    )
    shown = http.values_batch_get(
        key, ["'客户'!G2"], params={"valueRenderOption": "FORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
    )
    (s,), (t,), (f,) = (r["valueRanges"][0]["values"][0] for r in (serial, text, shown))
    assert isinstance(s, int) and t == f and len(t) == 10 and t[4] == "-"
