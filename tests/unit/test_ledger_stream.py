"""The ledger's stream reader (`reports.ledger_xml`) reads what python-calamine reads, on real
workbooks written by openpyxl (shared strings, as Excel), XlsxWriter (both string modes), a
1904-dated book and sheet XML with a namespace prefix; and a ledger of 10⁵ rows loads in memory
that grows with its rows, not with its used range."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from followup.sync.reports.ledger_xml import LedgerBook

cell = (
    st.none()
    | st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12)
    | st.integers(-(10**9), 10**9)
    | st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 6))
    | st.booleans()
    | st.datetimes(dt.datetime(1901, 1, 1), dt.datetime(2099, 12, 31)).map(lambda d: d.replace(microsecond=0))
)
rows = st.lists(st.lists(cell, max_size=8), max_size=12)


def _norm(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return round(float(v), 6)
    if isinstance(v, dt.datetime):
        return v.replace(microsecond=0)
    if isinstance(v, dt.date):
        return dt.datetime.combine(v, dt.time())
    return v


def _ours(data: bytes) -> dict:
    book = LedgerBook(data)
    return {
        name: {(n, c): _norm(v) for n, row in book.rows(name) for c, v in enumerate(row) if v not in (None, "")}
        for name in book.sheet_names
    }


def _calamine(data: bytes) -> dict:
    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = {}
    for name in wb.sheet_names:
        sheet = wb.get_sheet_by_name(name)
        values = sheet.to_python(skip_empty_area=False)
        out[name] = {
            (r + 1, c): _norm(v) for r, row in enumerate(values) for c, v in enumerate(row) if v not in (None, "")
        }
    return out


def _openpyxl(table) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "提交记录"
    for r, row in enumerate(table, start=1):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsxwriter(table, constant_memory: bool) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": not constant_memory,
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    ws = wb.add_worksheet("提交记录")
    when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for r, row in enumerate(table):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, when)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            elif isinstance(v, str):
                ws.write_string(r, c, v)
    wb.close()
    return buf.getvalue()


@settings(max_examples=60, deadline=None)
@given(rows)
def test_same_cells_as_calamine_openpyxl(table):
    data = _openpyxl(table)
    assert _ours(data) == _calamine(data)


@settings(max_examples=60, deadline=None)
@given(rows, st.booleans())
def test_same_cells_as_calamine_xlsxwriter(table, constant_memory):
    data = _xlsxwriter(table, constant_memory)
    assert _ours(data) == _calamine(data)


def test_1904_dates_and_a_namespace_prefix():
    sheet = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>&lt;报表&gt;</x:t></x:is></x:c>'
        '<x:c r="B1" s="1"><x:v>0.5</x:v></x:c></x:row>'
        '<x:row r="3"><x:c r="C3"><x:v>7</x:v></x:c><x:c r="BZ3"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "xl/workbook.xml",
            '<workbook xmlns:r="r"><workbookPr date1904="1"/><sheets><sheet name="提交记录" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/styles.xml", '<styleSheet><cellXfs><xf numFmtId="0"/><xf numFmtId="22"/></cellXfs></styleSheet>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    book = LedgerBook(buf.getvalue())
    assert list(book.rows("提交记录")) == [
        (1, ["<报表>", dt.datetime(1904, 1, 1, 12, 0)]),
        (3, [None, None, 7]),  # column BZ (78) is past the ledger's 64 columns: not read
    ]


@pytest.mark.parametrize("n", [100_000])
def test_memory_grows_with_rows_not_with_the_used_range(tmp_path, n):
    """A ledger of 10⁵ rows loads in a child process within 200 MB over the interpreter's start
    (python-calamine alone took ~150 MB for the same file before the first row)."""
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_ledger", Path(__file__).parents[2] / "bench" / "ledger.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    write_ledger = bench.write_ledger
    path = tmp_path / "提交记录.xlsx"
    write_ledger(path, n)
    code = (
        "import resource, sys; from pathlib import Path\n"
        "import followup.sync.reports.ledger as L\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "led = L.Ledger(Path(sys.argv[1]))\n"
        "print(len(led.rows), led.damaged, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) // 1024)\n"
    )
    got = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600)
    rows, damaged, grew_mb = got.stdout.split()
    assert (int(rows), damaged) == (n, "None"), got.stderr
    assert int(grew_mb) < 200, grew_mb
