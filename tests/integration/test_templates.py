"""`followup templates`: every template written, byte-stable, readable with cached values,
no broken references, phone as text, the computed formulas present (SPEC §4.2)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from openpyxl.worksheet.formula import ArrayFormula

from followup.sync.cli import main as cli_main
from followup.templates import builder, samples, values
from followup.templates.layout import CONF_SHEET, NAMES, PLAYBOOKS, TABLES, layout, sheet_name, template_filename
from followup.templates.structured import StructuredRefError, expand, read_table, references, tables_of
from followup.udfs.schema import COMPUTED_COLUMNS

REPO = Path(__file__).resolve().parents[2]
ALL = [(pb, lang) for lang in ("zh", "en") for pb in PLAYBOOKS]


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("templates")
    assert cli_main(["templates", "--out", str(d), "--lang", "all"]) == 0
    return d


def test_every_template_is_written(out):
    assert sorted(p.name for p in out.glob("*.xlsx")) == sorted(template_filename(p, lang) for p, lang in ALL)


def test_rerun_is_byte_identical(out, tmp_path):
    assert cli_main(["templates", "--out", str(tmp_path), "--lang", "all"]) == 0
    for p, lang in ALL:
        name = template_filename(p, lang)
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name


def test_default_is_chinese_and_playbook_filter(tmp_path):
    assert cli_main(["templates", "--out", str(tmp_path), "--playbook", "retail"]) == 0
    assert [p.name for p in tmp_path.glob("*.xlsx")] == ["followup_retail.xlsx"]
    assert cli_main(["templates", "--out", str(tmp_path), "--playbook", "nope"]) == 2
    assert cli_main(["templates", "--out", str(tmp_path), "--lang", "fr"]) == 2


def test_committed_templates_are_current(out):
    """workbook_templates/*.xlsx (shipped as package data) = a fresh build: run `make templates`."""
    stale = [
        p
        for p in PLAYBOOKS
        if not (REPO / "workbook_templates" / template_filename(p)).is_file()
        or (REPO / "workbook_templates" / template_filename(p)).read_bytes()
        != (out / template_filename(p)).read_bytes()
    ]
    assert not stale, f"stale templates {stale}: run `make templates`"


# ---- each template -----------------------------------------------------------------------


@pytest.fixture(scope="module", params=ALL, ids=[f"{p}-{lang}" for p, lang in ALL])
def book(request, out):
    pb, lang = request.param
    path = out / template_filename(pb, lang)
    return pb, lang, path, openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def _formulas(wb):
    """(sheet, cell, formula text, row) of every formula cell."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, ArrayFormula):
                    yield ws.title, c.coordinate, v.text, c.row
                elif isinstance(v, str) and v.startswith("="):
                    yield ws.title, c.coordinate, v, c.row


def test_sheets_tables_and_hidden_conf(book):
    pb, lang, path, wb, _ = book
    lay = layout(pb, lang)
    names = wb.sheetnames
    for key in ("customers", "calls", "gifts", "quota", "settings", "calendar"):
        assert sheet_name(key, lang) in names
    assert (sheet_name("manual", lang) in names) == lay.computed
    assert names[0] == sheet_name("customers", lang)
    conf = wb[CONF_SHEET]
    assert conf.sheet_state == "hidden"
    assert conf["A1"].value == "UDF Modules" and conf["B1"].value == "followup.udfs.excel"
    tables = tables_of(wb)
    for key in ("customers", "calls", "gifts", "settings", "quota", "calendar"):
        assert TABLES[key].lower() in tables
    head, _ = read_table(wb, TABLES["customers"])
    assert head == [lay.h(k) for k in lay.customer_keys]
    if pb == "aesthetics":
        assert {"手术日期", "治疗日期", "疗程结束日期"} <= set(head) or lang == "en"
    if pb == "health_products":
        assert ("收货日期" if lang == "zh" else "received_date") in head


def test_no_broken_references(book):
    pb, lang, path, wb, wb_values = book
    tables = tables_of(wb)
    seen_structured = 0
    for sheet, cell, text, row in _formulas(wb):
        assert "#REF!" not in text, (sheet, cell, text)
        for table, _inner in references(text):
            assert table.lower() in tables, (sheet, cell, text)
            seen_structured += 1
        expand(text, tables, row)  # raises StructuredRefError on a missing table/column
    assert seen_structured > 0
    # table column formulas (calculated columns) and conditional formats resolve too
    for ws in wb.worksheets:
        for t in ws.tables.values():
            for col in t.tableColumns:
                if col.calculatedColumnFormula is not None:
                    expand(col.calculatedColumnFormula.attr_text, tables, 2)
        for rng in ws.conditional_formatting:
            for rule in rng.rules:
                for f in rule.formula or []:
                    assert "#REF!" not in f
                    expand(f, tables, 2)
    # every defined name points at an existing, non-empty cell
    for name, dn in wb.defined_names.items():
        sheet, ref = dn.attr_text.split("!")
        ws = wb[sheet.strip("'")]
        assert ws[ref.replace("$", "")].value not in (None, ""), name
    assert set(wb.defined_names) == set(NAMES.values())
    # no cached error values anywhere
    for ws in wb_values.worksheets:
        for row in ws.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and v.startswith("#") and v.endswith(("!", "?", "A")) for v in row), (
                ws.title,
                row,
            )


def test_structured_reference_errors_are_caught(book):
    _, _, _, wb, _ = book
    tables = tables_of(wb)
    with pytest.raises(StructuredRefError):
        expand("=SUM(tNope[x])", tables)
    with pytest.raises(StructuredRefError):
        expand("=SUM(tCalls[no such column])", tables)


def test_phone_column_is_text(book):
    pb, lang, path, wb, _ = book
    lay = layout(pb, lang)
    t = tables_of(wb)[TABLES["customers"].lower()]
    ws = wb[t.sheet]
    col = t.col(lay.h("phone"))
    for r in range(t.min_row + 1, t.max_row + 1):
        c = ws.cell(r, col)
        assert c.number_format == "@"
        assert isinstance(c.value, str) and re.fullmatch(r"1380000\d{4}", c.value)
    # python-calamine reads the phones back as text, leading digits intact
    cal = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(t.sheet).to_python()
    assert all(
        isinstance(r[col - 1], str) and r[col - 1].startswith("138") for r in cal[1 : len(samples.customers(pb)) + 1]
    )


def test_dates_are_formatted(book):
    pb, lang, path, wb, _ = book
    lay = layout(pb, lang)
    t = tables_of(wb)[TABLES["customers"].lower()]
    ws = wb[t.sheet]
    dated = 0
    for key in lay.customer_keys:
        if key.endswith("_date") or key == "birthday":
            for r in range(t.min_row + 1, t.max_row + 1):
                c = ws.cell(r, t.col(lay.h(key)))
                assert c.number_format == "yyyy-mm-dd", key
                dated += isinstance(c.value, dt.datetime)
    assert dated >= len(samples.customers(pb))
    calls = tables_of(wb)[TABLES["calls"].lower()]
    assert wb[calls.sheet].cell(calls.min_row + 1, calls.col(lay.h("call_time"))).number_format == "yyyy-mm-dd hh:mm"


def test_frozen_headers_validations_and_highlighting(book):
    pb, lang, path, wb, _ = book
    lay = layout(pb, lang)
    customers = wb[sheet_name("customers", lang)]
    assert customers.freeze_panes == "C2"
    assert wb[sheet_name("calls", lang)].freeze_panes == "A2"
    dv_cols = {}
    for ws in (customers, wb[sheet_name("calls", lang)]):
        for dv in ws.data_validations.dataValidation:
            for cr in dv.sqref.ranges:
                dv_cols[(ws.title, cr.min_col)] = dv.formula1
    t = tables_of(wb)
    cust, calls = t[TABLES["customers"].lower()], t[TABLES["calls"].lower()]
    cls_list = dv_cols[(customers.title, cust.col(lay.h("class")))]
    if lay.computed:
        assert all(code in cls_list for code in lay.class_codes)
    assert ("投诉" if lang == "zh" else "complaint") in dv_cols[(customers.title, cust.col(lay.h("flags")))]
    for key, word in (
        ("outcome", ("成功", "success")),
        ("channel", ("电话", "call")),
        ("kind", ("礼品核查", "gift_check")),
    ):
        assert word[lang == "en"] in dv_cols[(calls.sheet, calls.col(lay.h(key)))]
    rules = [f for rng in customers.conditional_formatting for r in rng.rules for f in (r.formula or [])]
    if lay.computed:
        assert (
            any("逾期" in f for f in rules) and any("今日到期" in f for f in rules) and any("拒访" in f for f in rules)
        )


def test_computed_formulas_present(book):
    pb, lang, path, wb, _ = book
    lay = layout(pb, lang)
    found = {text.split("(")[0].lstrip("=") for _, _, text, _ in _formulas(wb)}
    assert "COUNTIFS" in {f for _, _, t, _ in _formulas(wb) for f in re.findall(r"[A-Z_.]+(?=\()", t)}
    customers = wb[sheet_name("customers", lang)]
    arrays = [c.value for row in customers.iter_rows() for c in row if isinstance(c.value, ArrayFormula)]
    if lay.computed:
        assert len(arrays) == 1
        # Excel 2016/2019, LibreOffice and WPS know every function of it (no DROP/LET/LAMBDA);
        # without the add-in it is blank and one note cell says why.
        assert arrays[0].text == (
            '=IF(ISERROR(MASK_PHONE("")),"",FOLLOWUP_TABLE(tCustomers[#All],tCalls[#All],FU_Playbook,FU_Today))'
        )
        assert not re.search(r"\b(?:_xlfn\.)?(?:DROP|LET|LAMBDA|TAKE|CHOOSECOLS|VSTACK|HSTACK)\(", arrays[0].text)
        with zipfile.ZipFile(path) as z:  # stored as a dynamic array (spills), not as CSE
            assert "xl/metadata.xml" in z.namelist()
            sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
            assert 'cm="1"' in sheet_xml and "_xludf." not in sheet_xml
        manual = wb[sheet_name("manual", lang)]
        texts = [
            c.value
            for row in manual.iter_rows(min_row=2)
            for c in row
            if isinstance(c.value, str) and c.value.startswith("=")
        ]
        assert any(t.startswith('=IF(ISERROR(MASK_PHONE("")),"",NEXT_FOLLOWUP(tManual[[#This Row],') for t in texts)
        assert any("FOLLOWUP_STEP(" in t for t in texts)
    else:
        assert arrays == [] and "FOLLOWUP_TABLE" not in str(found)


def test_cached_values_visible_without_the_addin(book):
    """openpyxl (data_only) and python-calamine show what the engine computed for the samples."""
    pb, lang, path, wb, wb_values = book
    lay = layout(pb, lang)
    b = builder._Builder(pb, lang)
    cal = python_calamine.CalamineWorkbook.from_path(str(path))
    quota = values.quota(b.calls, b.settings["store_group"], samples.SAMPLE_TODAY, pb)
    qsheet = cal.get_sheet_by_name(sheet_name("quota", lang)).to_python()
    assert [r[3] for r in qsheet[5:12]] == [d.successes for d in quota.days]
    assert qsheet[12][3] == quota.total
    assert wb_values[sheet_name("settings", lang)]["E1"].value.date() == samples.SAMPLE_TODAY
    if not lay.computed:
        return
    block = values.table_block(b._customer_rows(), b._call_rows(), pb, samples.SAMPLE_TODAY)
    rows = cal.get_sheet_by_name(sheet_name("customers", lang)).to_python()
    start = len(lay.customer_keys) + 1
    width = len(block[0])
    assert block[0] == ["客户编号", *COMPUTED_COLUMNS.values()]
    for i, want in enumerate(block):
        assert rows[i][start : start + width] == want, i
        got = [c.value for c in wb_values[sheet_name("customers", lang)][i + 1][start : start + width]]
        assert [g.date() if isinstance(g, dt.datetime) else ("" if g is None else g) for g in got] == want


@pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice (soffice) is not installed: rendering is a reviewer's script",
)
def test_render_one_template(out, tmp_path):
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    from followup.templates.render import render

    pngs = render(out / template_filename("optometry"), tmp_path)
    assert pngs and all(p.stat().st_size > 5000 for p in pngs)
