"""Visual regression check: the demo's reports rendered to PDF by LibreOffice (headless) print as a
store manager needs them — one page wide per sheet, header rows on every page, at most one page
per ~40 data rows, the ledger and the error list on one page each.

Needs `soffice` (apt-get install libreoffice-calc-nogui) and pypdf; skips without LibreOffice,
fails instead under CI=true (.ci/run installs it).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from followup.sync.demo import run_demo

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

if SOFFICE is None:
    if os.environ.get("CI") == "true":
        pytest.fail(
            "LibreOffice (soffice) is required under CI=true: apt-get install libreoffice-calc-nogui", pytrace=False
        )
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

pypdf = pytest.importorskip("pypdf")

ROWS_PER_PAGE = 40


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Run the demo, convert every report to PDF; {file stem: (xlsx path, [page texts], [page sizes])}."""
    base = tmp_path_factory.mktemp("print")
    _, result = run_demo(base / "demo")
    files = [result.paths[k] for k in ("weekly", "gift", "monthly", "ledger", "errors")]
    out = base / "pdf"
    profile = (base / "lo-profile").as_uri()
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    got = {}
    for f in files:
        pdf = out / (f.stem + ".pdf")
        assert pdf.is_file(), (f.name, proc.stdout, proc.stderr)
        reader = pypdf.PdfReader(str(pdf))
        got[f.stem] = (
            f,
            [p.extract_text() or "" for p in reader.pages],
            [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages],
        )
    return got


def _by_name(rendered, part: str):
    return next(v for k, v in rendered.items() if part in k)


def _sheet_pages(texts: list[str], sheets: list[str]) -> dict[str, list[str]]:
    """Pages per sheet: the page header carries the sheet name (&A) in its middle."""
    pages: dict[str, list[str]] = {s: [] for s in sheets}
    for t in texts:
        head = t.strip().splitlines()[0] if t.strip() else ""
        name = next((s for s in sorted(sheets, key=len, reverse=True) if s in head), None)
        assert name is not None, head
        pages[name].append(t)
    return pages


def _data_rows(path: Path) -> dict[str, tuple[int, int]]:
    """Per sheet: (data rows, columns in use)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: (ws.max_row, ws.max_column) for ws in wb.worksheets}


def test_every_page_is_a4_with_report_header_and_page_numbers(rendered):
    for stem, (_path, texts, sizes) in rendered.items():
        for (w, h), _text in zip(sizes, texts):
            assert {round(w), round(h)} == {595, 842}, (stem, w, h)  # A4 (either way round)
        n = len(texts)
        for i, text in enumerate(texts, start=1):
            assert f"page {i} of {n}" in text, (stem, i)  # footer: page x / y


def test_weekly_record_one_page_wide_headers_repeated_and_compact(rendered):
    path, texts, sizes = _by_name(rendered, "客户回访记录单")
    rows = _data_rows(path)
    pages = _sheet_pages(texts, list(rows))
    assert all(pages.values()), {k: len(v) for k, v in pages.items()}
    detail = pages["回访明细"]
    n_detail = rows["回访明细"][0] - 4
    # one page width: every page holds the last column's header (处理状态), i.e. no column spilled
    # onto pages of its own, and every page repeats the header row
    for i, text in enumerate(detail):
        assert "处理状态" in text and "客户编号" in text, f"detail page {i + 1} lacks the header row"
    for name, texts_ in pages.items():
        assert len(texts_) <= max(1, math.ceil(rows[name][0] / ROWS_PER_PAGE)) + 3, (name, len(texts_))
    # ≤ one page per ~40 data rows overall (plus one per store break and per small sheet)
    assert len(detail) <= math.ceil(n_detail / ROWS_PER_PAGE) + 3, (len(detail), n_detail)
    assert len(texts) <= math.ceil(sum(r for r, _ in rows.values()) / ROWS_PER_PAGE) + 6
    # the summary's chart and its tables: the chart is not split (the summary fits in two pages)
    assert len(pages["汇总"]) <= 2


def test_stores_start_on_their_own_pages(rendered):
    path, texts, _ = _by_name(rendered, "客户回访记录单")
    detail = _sheet_pages(texts, list(_data_rows(path)))["回访明细"]
    stores_per_page = [set(re.findall(r"\d\d:\d\d\s*([一二三]店)", t)) for t in detail]  # time, then store
    assert all(len(s) == 1 for s in stores_per_page), stores_per_page
    order = [next(iter(s)) for s in stores_per_page]
    assert order == sorted(order, key=["一店", "二店", "三店"].index)


def test_ledger_and_error_list_print_on_one_page(rendered):
    for part in ("提交记录", "错误清单"):
        path, texts, _ = _by_name(rendered, part)
        assert len(texts) == 1, (part, len(texts))
    _, texts, _ = _by_name(rendered, "错误清单")
    assert "phone is missing" in texts[0] and "2026-13-01 10:00" in texts[0]  # messages not cut off
    _, texts, _ = _by_name(rendered, "提交记录")
    assert "2026-11-23 09:30:00" in texts[0]


def test_gift_and_monthly_one_page_wide(rendered):
    path, texts, _ = _by_name(rendered, "礼品回访记录单")
    pages = _sheet_pages(texts, list(_data_rows(path)))
    for text in pages["礼品抽查"]:
        assert "核查结果" in text and "发放日期" in text
    path, texts, _ = _by_name(rendered, "汇总表")
    pages = _sheet_pages(texts, list(_data_rows(path)))
    assert len(pages["门店汇总"]) == 1  # table, small-store check and chart on one page
    assert "11月第3周" in pages["门店汇总"][0] and "门店" in pages["门店汇总"][0]
