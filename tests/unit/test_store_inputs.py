"""Store workbooks are untrusted input (issue 20 items 2, 3, 6, 8): the guard's public entry
point, cells that are data and never paths, invisible characters in ids and store names, and
no silent skip. Real .xlsx files are written and read back through the reader and validator."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from pathlib import Path

import pytest
import xlsxwriter

from followup.sync.sources.excel import read_sources
from followup.sync.sources.excel.files import discover
from followup.sync.sources.excel.guard import ReadLimits, Refused, Unsupported, guard_workbook
from followup.sync.sources.excel.read import WorkbookError, read_book
from followup.sync.validate import parse_workbook
from followup.sync.validate.dedupe import dedupe

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
NOW = dt.datetime(2026, 11, 20, 10, 0)
CUST = ["客户编号", "姓名", "电话", "门店", "类别", "购买日期"]
CALL = ["时间", "门店", "坐席", "客户编号", "类型", "方式", "结果"]


def _write(path: Path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    for title, grid in sheets.items():
        ws = wb.add_worksheet(title)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if isinstance(v, dt.date):
                    ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), date)
                elif v is not None:
                    ws.write(r, c, v)
        if title in hidden:
            ws.hide()
        else:
            ws.activate()
    wb.close()
    return path


def _store(path: Path, ids=("C001", "C002"), store="一店", settings=None, hidden=(), extra=None) -> Path:
    sheets = {
        "客户": [CUST]
        + [[i, f"客户{n}", f"1381234567{n}", store, "A", dt.date(2026, 10, 1)] for n, i in enumerate(ids)],
        "回访记录": [CALL, [dt.datetime(2026, 10, 4, 10), store, "小陈", ids[0], "客户服务", "电话", "成功"]],
    }
    if settings is not None:
        sheets["设置"] = [["设置项", "值"], *settings]
    sheets.update(extra or {})
    return _write(path, sheets, hidden)


# --- the guard's entry point -------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "一店.xlsx"
    os.mkfifo(fifo)
    done: list = []

    def go():
        with pytest.raises(Unsupported):
            guard_workbook(fifo)
        with pytest.raises(WorkbookError) as e:
            read_book(fifo)
        done.append(e.value.rejection.message)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(20)
    assert done and "不是普通文件" in done[0], "the read blocked on the pipe"


@pytest.mark.parametrize(
    "name, words",
    [
        ("61_prefixed_far_cell.xlsx", "limits.max_cells"),
        ("63_ods_renamed.xlsx", ".ods"),
        ("65_xlsb_renamed.xlsx", ".xlsb"),
        ("66_xls_dimensions_bomb.xls", "limits.max_cells"),
        ("67_xls_far_cell.xls", "limits.max_cells"),
        ("68_xls_header_bomb.xls", ".xls"),
        ("69_duplicate_parts.xlsx", "xl/worksheets/sheet1.xml"),
    ],
)
def test_guard_workbook_refuses_each_hostile_family_by_name(name, words):
    with pytest.raises(Refused) as e:
        guard_workbook(CORPUS / name, ReadLimits())
    assert words in str(e.value) and str(e.value)[0] > "\u2e80"  # Chinese first


def test_guard_workbook_passes_good_workbooks_of_every_accepted_format():
    for name in ("01_good.xlsx", "19_macro_workbook.xlsm", "20_legacy.xls", "40_xlsx_saved_as_xls.xls"):
        guard_workbook(CORPUS / name)
    facts = guard_workbook(CORPUS / "62_prefixed_namespace.xlsx")
    assert facts.uncached_total == 0


def test_a_sheet_over_the_cell_limit_is_refused_with_or_without_a_namespace_prefix(tmp_path):
    small = ReadLimits(max_cells=20)
    for name in ("01_good.xlsx", "62_prefixed_namespace.xlsx"):
        with pytest.raises(Refused, match="limits.max_cells"):
            guard_workbook(CORPUS / name, small)


# --- 回访方案 is data, never a path --------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("value", ["PIPE", "../../etc/passwd.toml", "/dev/zero.toml", "C:\\x\\y.toml", "nosuch"])
def test_a_playbook_cell_naming_a_file_is_a_warning_and_no_file_is_opened(tmp_path, value):
    pipe = tmp_path / "evil.toml"
    os.mkfifo(pipe)  # opening it would block the validation forever
    value = str(pipe) if value == "PIPE" else value
    sheets = {
        "客户": [CUST, ["C001", "张三", "13812345678", "一店", "A", None]],
        "回访记录": [CALL],
        "设置": [["回访方案", value]],
    }
    got: list = []
    t = threading.Thread(target=lambda: got.append(parse_workbook(sheets, "/s/一店.xlsx", playbook="retail")))
    t.start()
    t.join(20)
    assert got, "the validation blocked opening the file named in the cell"
    (store,) = got[0].stores
    assert store.playbook == "retail"
    (r,) = got[0].rejections
    assert (r.file, r.sheet, r.row, r.column, r.fatal) == ("/s/一店.xlsx", "设置", 1, "回访方案", False)
    assert "设置!B1" in r.message and "never opened" in r.message and r.value


def test_a_playbook_cell_names_a_built_in_or_the_configured_playbook(tmp_path):
    own = tmp_path / "pets.toml"
    own.write_text('extends = "optometry"\nname = "pets"\n', encoding="utf-8")
    for value, configured, used in [
        ("ＲＥＴＡＩＬ ", "optometry", "retail"),
        ("aesthetics", str(own), "aesthetics"),
        ("pets", str(own), str(own)),
    ]:
        sheets = {
            "客户": [CUST, ["C001", "张三", "13812345678", "一店", None, None]],
            "回访记录": [CALL],
            "设置": [["回访方案", value]],
        }
        res = parse_workbook(sheets, "s.xlsx", playbook=configured)
        assert [s.playbook for s in res.stores] == [used] and not res.rejections, res.rejections


# --- invisible characters in ids and store names ----------------------------------------------


def test_invisible_characters_do_not_defeat_duplicate_detection(tmp_path):
    folder = tmp_path / "stores"
    folder.mkdir()
    a = _store(folder / "一店.xlsx", ids=("C001", "C002"), settings=[["门店", "一店"]])
    b = _store(folder / "一店 - 副本.xlsx", ids=("C\u200b001", "\ufeffC002"), settings=[["门店", "一店\u2060"]])
    os.utime(b, (1_700_000_000, 1_700_000_000))  # the copy is older: the original keeps its customers
    read = read_sources([folder], now=NOW)
    dedupe(read)
    assert {s.store for s in read.stores} == {"一店"}
    dup = [r for r in read.rejections if r.file == str(b) and r.fatal]
    assert sorted((r.sheet, r.row) for r in dup) == [("回访记录", 2), ("客户", 2), ("客户", 3)]
    said = [r for r in read.rejections if r.file == str(b) and not r.fatal]
    assert any(r.sheet == "客户" and r.column == "客户编号" and "2、3" in r.message for r in said)
    assert any(r.sheet == "设置" and "设置!B2" in r.message and "不可见字符" in r.message for r in said)
    kept = [s for s in read.stores if s.origin == str(a)][0]
    assert list(kept.customers["customer_id"]) == ["C001", "C002"]


# --- no silent skip ------------------------------------------------------------------------


def test_spreadsheets_in_formats_not_read_are_named(tmp_path):
    shutil.copy(CORPUS / "01_good.xlsx", tmp_path / "一店.xlsx")
    for name in ("二店.ods", "三店.xlsb", "四店.et", "五店.fods", "~$六店.ods", ".七店.xlsb", "说明.txt"):
        (tmp_path / name).write_bytes(b"x")
    problems: list = []
    found = discover([tmp_path], problems)
    assert [f.name for f in found] == ["一店.xlsx"]
    named = sorted(Path(p.file).name for p in problems)
    assert named == ["三店.xlsb", "二店.ods", "五店.fods", "四店.et"]
    assert all(p.fatal and p.message.startswith("这是") and "save it as .xlsx" in p.message for p in problems)


def test_a_visible_sheet_wins_over_a_hidden_copy_and_a_hidden_sheet_used_is_said(tmp_path):
    stale = [CUST, ["C009", "旧", "13812345670", "一店", "A", None]]
    both = _store(tmp_path / "a.xlsx", extra={"Customers": stale}, hidden=("Customers",))
    res = read_sources([both], now=NOW)
    assert list(res.stores[0].customers["customer_id"]) == ["C001", "C002"]
    (r,) = res.rejections
    assert r.sheet == "Customers" and not r.fatal and "隐藏" in r.message and "'客户' is used" in r.message
    only = _write(tmp_path / "b.xlsx", {"说明": [["x"]], "客户": stale}, hidden=("客户",))
    res = read_sources([only], now=NOW)
    assert list(res.stores[0].customers["customer_id"]) == ["C009"]
    assert any(r.sheet == "客户" and "hidden sheet '客户' is used" in r.message for r in res.rejections)


def test_error_values_in_date_columns_are_rejections_naming_the_cell():
    res = read_sources([CORPUS / "71_error_values_in_dates.xlsx"], now=NOW)
    by = {(r.sheet, r.row, r.column): r for r in res.rejections}
    assert by[("客户", 3, "购买日期")].value == "#N/A" and "#N/A" in by[("客户", 3, "购买日期")].message
    assert by[("回访记录", 3, "时间")].value == "#REF!" and by[("回访记录", 3, "时间")].fatal


def test_every_refusal_is_a_limit_exceeded_for_callers_that_catch_only_that():
    """The ledger's reader calls inspect_zip and catches LimitExceeded: an .ods or a zip with
    duplicated parts in the ledger's place must be caught there too, not crash the sync."""
    from followup.sync.sources.excel.guard import LimitExceeded, inspect_zip

    for name in ("63_ods_renamed.xlsx", "65_xlsb_renamed.xlsx", "69_duplicate_parts.xlsx"):
        with pytest.raises(LimitExceeded):
            inspect_zip(CORPUS / name, ReadLimits())
