"""parse_workbook (cells → StoreData) and the Excel reader, on real files where it matters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest

from followup.sync.sources.excel import read_sources
from followup.sync.sources.excel.files import discover, lock_file_of
from followup.sync.sources.excel.read import WorkbookError, read_workbook
from followup.sync.validate import parse_workbook
from followup.sync.validate.cells import mask
from followup.sync.validate.settings import sheet_key

CUST = ["客户编号", "姓名", "电话", "类别", "咨询日期", "到店日期", "预约日期", "购买日期", "购买金额"]
CALL = ["时间", "客户编号", "结果", "问题数", "方式"]
NOW = dt.datetime(2026, 11, 20, 10, 0)


def book(customers=None, calls=None, **more) -> dict[str, list[list]]:
    sheets = {
        "客户": [CUST]
        + (
            customers
            if customers is not None
            else [
                ["C001", "张三", "13812345678", "A", None, None, None, dt.date(2026, 10, 1), 3200.0],
                ["C002", "李四", "13912345678", "B", None, dt.date(2026, 10, 20), None, None, None],
            ]
        )
    }
    sheets["回访记录"] = [CALL] + (
        calls
        if calls is not None
        else [
            [dt.datetime(2026, 10, 4, 10, 0), "C001", "成功", 2.0, "电话"],
            [dt.datetime(2026, 10, 27, 10, 15), "C002", "无人接听", None, "电话"],
        ]
    )
    sheets.update(more)
    return sheets


def located(res):
    return [(r.sheet, r.row, r.column, r.fatal) for r in res.rejections]


def save_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def balanced(res) -> bool:
    return all(res.rows_read[k] == res.rows_used[k] + res.rows_rejected[k] for k in res.rows_read)


# --- phones -------------------------------------------------------------------------------------


def test_phone_read_as_float_stays_text(tmp_path):
    p = save_xlsx(tmp_path / "一店.xlsx", book(customers=[["C001", "张三", 13812345678, "A"]], calls=[]))
    sheets = read_workbook(p)
    assert sheets["客户"][1][2] == 13812345678.0  # calamine hands numbers over as floats
    (store,) = parse_workbook(sheets, str(p)).stores
    assert store.customers["phone"].tolist() == ["13812345678"]


def test_phone_text_with_a_leading_zero_keeps_it(tmp_path):
    p = save_xlsx(tmp_path / "一店.xlsx", book(customers=[["C001", "张三", "057188886666", "A"]], calls=[]))
    (store,) = read_sources([p]).stores
    assert store.customers["phone"].tolist() == ["057188886666"]


@pytest.mark.parametrize(
    "raw",
    [
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        " 138 1234 5678\u3000",
        "１３８１２３４５６７８",
        "13812345678.0",
        13812345678,
    ],
)
def test_phone_formatting_and_country_code_are_normalised(raw):
    res = parse_workbook(book(customers=[["C001", "张三", raw, "A"]], calls=[]), "s.xlsx")
    assert res.rejections == []
    assert res.stores[0].customers["phone"].tolist() == ["13812345678"]


@pytest.mark.parametrize("raw", ["138abc45678", "请补充", "1.38123E+10", 13812345678.5, True, "+1 415 555 0100"])
def test_phone_that_is_not_digits_is_rejected(raw):
    res = parse_workbook(book(customers=[["C001", "张三", raw, "A"]], calls=[]), "s.xlsx")
    assert located(res) == [("客户", 2, "电话", True)]
    assert res.rows_rejected[("s.xlsx", "客户")] == 1


def test_rejected_phone_is_masked_in_the_rejection():
    res = parse_workbook(book(customers=[["C001", "张三", "1381234567８x", "A"]], calls=[]), "s.xlsx")
    (r,) = res.rejections
    assert "12345678" not in (r.value or "") and "12345678" not in r.line()
    assert r.value.endswith("5678") and "*" in r.value


def test_missing_phone_is_rejected():
    res = parse_workbook(
        book(customers=[["C001", "张三", None, "A"], ["C002", "李四", "   ", "B"]], calls=[]), "s.xlsx"
    )
    assert located(res) == [("客户", 2, "电话", True), ("客户", 3, "电话", True)]
    assert "电话为空" in res.rejections[0].message and "(phone is missing)" in res.rejections[0].message


def test_mask_hides_the_middle_of_a_mobile_number():
    assert mask("13812345678") == "138****5678"
    assert mask(13812345678.0) == "138****5678"
    assert mask(None) == ""


# --- dates ---------------------------------------------------------------------------------------


def test_dates_from_cells_serials_and_text_all_parse():
    rows = [
        ["C1", "a", "13800000001", "A", None, None, None, dt.date(2026, 10, 1), None],
        ["C2", "b", "13800000002", "A", None, None, None, dt.datetime(2026, 10, 1, 15, 30), None],
        ["C3", "c", "13800000003", "A", None, None, None, 46296.0, None],
        ["C4", "d", "13800000004", "A", None, None, None, "2026/10/1", None],
        ["C5", "e", "13800000005", "A", None, None, None, "2026年10月1日", None],
    ]
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert res.rejections == []
    days = res.stores[0].customers["purchase_date"]
    assert str(days.dtype).startswith("datetime64")
    assert days.tolist() == [pd.Timestamp("2026-10-01")] * 5  # normalised to days


def test_call_time_keeps_its_time_from_a_serial_or_text():
    calls = [[46299.4375, "C001", "成功", None, None], ["2026-10-04 14:05", "C001", "成功", None, None]]
    res = parse_workbook(book(calls=calls), "s.xlsx")
    assert res.rejections == []
    assert res.stores[0].calls["call_time"].tolist() == [
        pd.Timestamp("2026-10-04 10:30"),
        pd.Timestamp("2026-10-04 14:05"),
    ]


@pytest.mark.parametrize("bad", ["2026-02-30", "上个月", "2026-13-01", 3.0, "#N/A"])
def test_unparseable_or_impossible_date_is_rejected(bad):
    rows = [["C1", "a", "13800000001", "D", bad, None, None, None, None]]
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert located(res) == [("客户", 2, "咨询日期", True)]


def test_future_call_is_rejected_only_when_now_is_given():
    calls = [
        [dt.datetime(2026, 11, 21, 9, 0), "C001", "成功", None, None],
        [dt.date(2026, 11, 20), "C001", "成功", None, None],
    ]  # today, no time: fine
    assert parse_workbook(book(calls=calls), "s.xlsx").rejections == []
    res = parse_workbook(book(calls=calls), "s.xlsx", now=NOW)
    assert located(res) == [("回访记录", 2, "时间", True)]
    assert "2026-11-20 10:00" in res.rejections[0].message


def test_an_aware_now_is_taken_as_local_wall_time():
    calls = [[dt.datetime(2026, 11, 20, 10, 30), "C001", "成功", None, None]]
    now = dt.datetime(2026, 11, 20, 11, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert parse_workbook(book(calls=calls), "s.xlsx", now=now).rejections == []


# --- codes, ids, calls ------------------------------------------------------------------------


def test_class_codes_and_chinese_titles_are_accepted_and_unknown_rejected():
    rows = [
        ["C1", "a", "13800000001", "已购买", None, None, None, dt.date(2026, 10, 1), None],
        ["C2", "b", "13800000002", "c", None, None, dt.date(2026, 11, 30), None, None],
        ["C3", "c", "13800000003", "E类", None, None, None, None, None],
        ["C4", "d", "13800000004", None, None, None, None, None, None],
    ]
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert located(res) == [("客户", 4, "类别", True)]
    assert res.stores[0].customers["class"].tolist() == ["A", "C", None]
    assert "A 已购买" in res.rejections[0].message


def test_the_playbook_decides_which_classes_exist():
    rows = [["C1", "a", "13800000001", "手术", None, None, None, None, None]]
    assert parse_workbook(book(customers=rows, calls=[]), "s.xlsx", playbook="aesthetics").rejections == []
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert located(res) == [("客户", 2, "类别", True)]


def test_settings_playbook_overrides_the_configured_one():
    rows = [["C1", "a", "13800000001", "SURGERY", None, None, None, None, None]]
    res = parse_workbook(book(customers=rows, calls=[], 设置=[["回访方案", "aesthetics"]]), "s.xlsx")
    assert res.rejections == [] and res.stores[0].playbook == "aesthetics"


def test_unknown_outcome_is_rejected_and_known_ones_become_codes():
    calls = [
        [dt.datetime(2026, 10, 4, 10), "C001", "成功", None, "电话"],
        [dt.datetime(2026, 10, 5, 10), "C001", "聊完了", None, "电话"],
        [dt.datetime(2026, 10, 6, 10), "C001", None, None, "电话"],
        [dt.datetime(2026, 10, 7, 10), "C001", "已发送", None, "短信"],
    ]
    res = parse_workbook(book(calls=calls), "s.xlsx")
    assert located(res) == [("回访记录", 3, "结果", True), ("回访记录", 4, "结果", True)]
    calls_df = res.stores[0].calls
    assert calls_df["outcome"].tolist() == ["success", "sent"]
    assert calls_df["channel"].tolist() == ["call", "sms"]


def test_duplicate_customer_id_rejects_the_second_occurrence():
    rows = [
        ["C1", "first", "13800000001", "A", None, None, None, None, None],
        [1.0, "n", "13800000009", "A", None, None, None, None, None],
        ["C1", "second", "13800000002", "A", None, None, None, None, None],
        ["1", "n2", "13800000008", "A", None, None, None, None, None],
    ]
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert located(res) == [("客户", 4, "客户编号", True), ("客户", 5, "客户编号", True)]
    assert "第2行" in res.rejections[0].message
    assert res.stores[0].customers["name"].tolist() == ["first", "n"]


def test_call_for_an_unknown_customer_id_is_rejected():
    calls = [[dt.datetime(2026, 10, 4, 10), "C999", "成功", None, None]]
    res = parse_workbook(book(calls=calls), "s.xlsx")
    assert located(res) == [("回访记录", 2, "客户编号", True)]
    assert "C999" in res.rejections[0].message


def test_call_of_a_rejected_customer_points_at_the_customer_row():
    rows = [["C001", "张三", None, "A", None, None, None, None, None]]
    calls = [[dt.datetime(2026, 10, 4, 10), "C001", "成功", None, None]]
    res = parse_workbook(book(customers=rows, calls=calls), "s.xlsx")
    assert located(res) == [("客户", 2, "电话", True), ("回访记录", 2, "客户编号", True)]
    assert "第2行" in res.rejections[1].message


def test_more_than_three_questions_is_a_warning_and_the_row_is_used():
    calls = [
        [dt.datetime(2026, 10, 4, 10), "C001", "成功", 4.0, None],
        [dt.datetime(2026, 10, 5, 10), "C001", "成功", 3.0, None],
    ]
    res = parse_workbook(book(calls=calls), "s.xlsx")
    assert located(res) == [("回访记录", 2, "问题数", False)]
    df = res.stores[0].calls
    assert df["questions"].tolist() == [4, 3] and df["questions_exceeded"].tolist() == [True, False]
    assert res.rows_used[("s.xlsx", "回访记录")] == 2 and res.rows_rejected[("s.xlsx", "回访记录")] == 0


def test_retail_playbook_takes_the_question_limit_from_its_quotas():
    calls = [[dt.datetime(2026, 10, 4, 10), "C001", "成功", 3.0, None]]
    rows = [["C001", "张三", "13812345678", None, None, None, None, None, None]]
    assert parse_workbook(book(customers=rows, calls=calls), "s.xlsx", playbook="retail").rejections == []


@pytest.mark.parametrize("amount", [-1.0, "-200", "很多"])
def test_negative_or_non_numeric_amount_is_rejected(amount):
    rows = [["C1", "a", "13800000001", "A", None, None, None, dt.date(2026, 10, 1), amount]]
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert located(res) == [("客户", 2, "购买金额", True)]


def test_amount_text_with_currency_and_separators_is_read():
    rows = [
        ["C1", "a", "13800000001", "A", None, None, None, dt.date(2026, 10, 1), "¥1,280.50"],
        ["C2", "b", "13800000002", "A", None, None, None, dt.date(2026, 10, 1), "3200元"],
    ]
    res = parse_workbook(book(customers=rows, calls=[]), "s.xlsx")
    assert res.stores[0].customers["amount"].tolist() == [1280.5, 3200.0]


# --- layout -------------------------------------------------------------------------------------


def test_headers_may_be_english_reordered_and_padded_with_unknown_columns():
    sheets = {
        "Customers": [["备注", " phone ", "Customer_ID", "class"], ["x", "13800000001", "K1", "B"]],
        "CALLS": [["outcome", "customer_id", "call_time"], ["success", "K1", "2026-10-04 10:00"]],
    }
    res = parse_workbook(sheets, "s.xlsx")
    assert res.rejections == []
    (store,) = res.stores
    assert store.customers[["customer_id", "phone", "class"]].values.tolist() == [["K1", "13800000001", "B"]]
    assert store.calls["outcome"].tolist() == ["success"]
    assert sheet_key(" 回访记录 ") == "calls" and sheet_key("礼品") == "gifts" and sheet_key("x") is None


def test_fully_empty_rows_are_not_rows_and_row_numbers_stay_as_excel_shows_them():
    sheets = book(customers=[[], [None] * 9, ["C001", "张三", "13812345678", "Z"], ["", " ", "\u3000"]], calls=[])
    res = parse_workbook(sheets, "s.xlsx")
    assert located(res) == [("客户", 4, "类别", True)]
    assert res.rows_read[("s.xlsx", "客户")] == 1


def test_merged_header_cells_give_a_located_problem_naming_the_column():
    sheets = {
        "客户": [["客户编号", "姓名", None], ["C1", "张三", "13800000001"]],
        "回访记录": [CALL, [dt.datetime(2026, 10, 4), "C1", "成功"]],
    }
    res = parse_workbook(sheets, "s.xlsx")
    assert located(res) == [("客户", 1, "电话", True)]
    assert "第 C 列" in res.rejections[0].message and "合并" in res.rejections[0].message
    assert res.rows_read == {("s.xlsx", "客户"): 1, ("s.xlsx", "回访记录"): 1}
    assert res.rows_rejected == res.rows_read and res.stores == []


def test_missing_customer_sheet_rejects_the_file_and_counts_its_calls_as_read_and_rejected():
    res = parse_workbook({"回访记录": book()["回访记录"]}, "s.xlsx")
    assert located(res) == [("客户", None, None, True)]
    assert res.rows_read == {("s.xlsx", "回访记录"): 2} and res.rows_rejected == res.rows_read
    assert res.stores == []


def test_store_name_comes_from_settings_else_the_file_stem():
    res = parse_workbook(book(设置=[["设置项", "值"], ["门店", " 朝阳店 "], ["门店组别", "第2组"]]), "x/一店.xlsx")
    (store,) = res.stores
    assert (store.store, store.group, store.settings["store"]) == ("朝阳店", "2", "朝阳店")
    assert set(store.customers["store"]) == {"朝阳店"} and set(store.calls["store"]) == {"朝阳店"}
    assert parse_workbook(book(), "x/二店 v1.2.xlsx").stores[0].store == "二店 v1.2"
    assert parse_workbook(book(), "门店A (Google)").stores[0].store == "门店A (Google)"


def test_a_bad_store_group_in_settings_is_a_warning():
    res = parse_workbook(book(设置=[["门店组别", "9"]]), "s.xlsx")
    assert located(res) == [("设置", 1, "门店组别", False)] and res.stores[0].group is None


def test_google_sheets_values_all_text_parse_like_excel_cells():
    sheets = {
        "客户": [
            ["客户编号", "电话", "类别", "购买日期", "购买金额"],
            ["1001", "13812345678", "A", "2026-10-01", "3200"],
        ],
        "回访记录": [["时间", "客户编号", "结果", "问题数"], ["2026-10-04 10:00", "1001", "成功", "2"]],
    }
    (store,) = parse_workbook(sheets, "一店 (Google 表格)").stores
    assert store.customers.loc[0, "phone"] == "13812345678" and store.customers.loc[0, "amount"] == 3200.0
    assert store.calls.loc[0, "call_time"] == pd.Timestamp("2026-10-04 10:00")
    assert int(store.calls.loc[0, "questions"]) == 2


def test_header_only_sheets_give_empty_frames_with_every_column():
    res = parse_workbook({"客户": [CUST], "回访记录": [CALL]}, "s.xlsx")
    (store,) = res.stores
    assert len(store.customers) == 0 and {"customer_id", "phone", "_row", "purchase_date"} <= set(
        store.customers.columns
    )
    assert {"call_time", "outcome", "_row"} <= set(store.calls.columns) and len(store.gifts) == 0
    assert res.rows_read == {("s.xlsx", "客户"): 0, ("s.xlsx", "回访记录"): 0}


def test_every_sheet_balances_read_with_used_plus_rejected():
    rows = [
        ["C1", "a", "13800000001", "A", None, None, None, None, -1],
        ["C2", "b", None, "A", "bad", None, None, None, None],  # two problems, one row
        ["C3", "c", "13800000003", "A", None, None, None, None, None],
    ]
    calls = [[dt.datetime(2026, 10, 4), "C1", "成功", None, None], [dt.datetime(2026, 10, 4), "C3", "成功", 9, None]]
    res = parse_workbook(book(customers=rows, calls=calls), "s.xlsx")
    assert balanced(res)
    assert (res.rows_read[("s.xlsx", "客户")], res.rows_used[("s.xlsx", "客户")]) == (3, 1)
    assert (res.rows_read[("s.xlsx", "回访记录")], res.rows_used[("s.xlsx", "回访记录")]) == (2, 1)


# --- the Excel reader ---------------------------------------------------------------------------


def test_empty_file_is_a_rejection_not_a_crash(tmp_path):
    (tmp_path / "坏.xlsx").write_bytes(b"")
    with pytest.raises(WorkbookError) as e:
        read_workbook(tmp_path / "坏.xlsx")
    assert e.value.rejection.file == str(tmp_path / "坏.xlsx") and "0 字节" in e.value.rejection.message


def test_one_bad_file_never_stops_the_others(tmp_path):
    save_xlsx(tmp_path / "a.xlsx", book())
    (tmp_path / "b.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "c.xlsx").write_text("客户编号,电话\n", encoding="utf-8")
    save_xlsx(tmp_path / "d.xlsx", book())
    res = read_sources([tmp_path])
    assert [s.store for s in res.stores] == ["a", "d"]
    assert sorted(Path(r.file).name for r in res.rejections) == ["b.xlsx", "c.xlsx"]
    assert all(r.fatal and r.row is None for r in res.rejections)


def test_missing_path_and_non_workbook_file_are_rejections(tmp_path):
    (tmp_path / "notes.csv").write_text("x")
    problems = []
    assert discover([tmp_path / "gone", tmp_path / "notes.csv"], problems) == []
    assert [("找不到" in p.message, "不是 Excel" in p.message) for p in problems] == [(True, False), (False, True)]


def test_discover_skips_hidden_temp_and_lock_files_and_warns_about_open_workbooks(tmp_path):
    for name in ("门店一.xlsx", "b.xlsm", "c.xls", ".hidden.xlsx", "~tmp.xlsx", "x.xlsx.tmp", "readme.txt"):
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "~$门店一.xlsx").write_bytes(b"owner")
    (tmp_path / "~$orphan.xlsx").write_bytes(b"owner")  # stale: no workbook beside it
    problems = []
    files = discover([tmp_path, tmp_path / "b.xlsm"], problems)
    assert [f.name for f in files] == ["b.xlsm", "c.xls", "门店一.xlsx"]
    assert [(Path(p.file).name, p.fatal) for p in problems] == [("门店一.xlsx", False)]


def test_excel_lock_file_of_a_long_name_drops_the_first_two_characters(tmp_path):
    wb = tmp_path / "2026年11月门店回访.xlsx"
    wb.write_bytes(b"x")
    assert lock_file_of(wb) is None
    (tmp_path / "~$26年11月门店回访.xlsx").write_bytes(b"owner")
    assert lock_file_of(wb).name == "~$26年11月门店回访.xlsx"
    problems = []
    assert discover([wb], problems) == [wb] and len(problems) == 1 and "Excel" in problems[0].message


def test_an_encrypted_workbook_is_reported_as_password_protected(tmp_path):
    # An encrypted .xlsx is an OLE compound file with an EncryptionInfo stream; the header is enough here.
    p = tmp_path / "加密.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le"))
    with pytest.raises(WorkbookError, match="密码"):
        read_workbook(p)


def test_read_workbook_keeps_sheet_rows_aligned_with_excel_row_numbers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws["B3"], ws["C3"] = "客户编号", "电话"
    ws["B5"], ws["C5"] = "C1", "13800000001"
    wb.save(tmp_path / "s.xlsx")
    sheets = read_workbook(tmp_path / "s.xlsx")
    assert sheets["客户"][2][1] == "客户编号" and sheets["客户"][4][2] == "13800000001"
    assert parse_workbook(sheets, "s.xlsx").stores[0].customers["_row"].tolist() == [5]


# --- issue 9, read side: hostile workbooks, lock owners, duplicates across sources -------------

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def test_a_huge_non_workbook_is_sniffed_from_its_first_bytes_not_read_whole(tmp_path):
    import time

    p = tmp_path / "备份.xlsx"
    with open(p, "wb") as f:
        f.write(b"this is not a workbook\n" * 10)
        f.truncate(3 * 1024**3)  # 3 GB, sparse: reading it whole would take minutes
    t = time.perf_counter()
    with pytest.raises(WorkbookError) as e:
        read_workbook(p)
    assert time.perf_counter() - t < 10
    assert e.value.rejection.file == str(p) and e.value.rejection.fatal


def test_limits_are_configurable_and_a_file_over_one_is_named_while_the_others_are_read(tmp_path):
    from followup.sync.config import load_config
    from followup.sync.sources.excel.guard import ReadLimits

    (tmp_path / "stores").mkdir()
    big = save_xlsx(tmp_path / "stores" / "一店.xlsx", book())
    save_xlsx(tmp_path / "stores" / "二店.xlsx", book(customers=[["C009", "赵六", "13712345678", "A"]], calls=[]))
    cfg_path = tmp_path / "followup.toml"
    cfg_path.write_text('[sources]\nexcel = ["stores"]\n[limits]\nmax_cells = 20\n', encoding="utf-8")
    cfg = load_config(cfg_path)
    assert cfg.limits.max_cells == 20 and cfg.limits.max_uncompressed_mb == 500
    res = read_sources([tmp_path / "stores"], limits=ReadLimits(**cfg.limits.model_dump()))
    (r,) = res.rejections
    assert r.file == str(big) and "limits.max_cells" in r.message and r.message.startswith("工作表")
    assert [s.store for s in res.stores] == ["二店"]
    cfg_path.write_text("[limits]\nmax_cell = 30\n", encoding="utf-8")
    with pytest.raises(Exception, match="max_cell"):
        load_config(cfg_path)


def test_the_far_cell_workbook_is_refused_in_a_child_process_that_survives(tmp_path):
    """Without the guard calamine allocates ~512 GB for this 6 KB file and aborts (SIGABRT):
    run it in a child so a regression fails this test instead of killing pytest."""
    import subprocess
    import sys

    code = (
        "import sys; from followup.sync.sources.excel.read import read_workbook, WorkbookError\n"
        "try:\n    read_workbook(sys.argv[1])\nexcept WorkbookError as e:\n    print(e.rejection.message)\n"
    )
    for name in ("41_far_cell_xfd1048576.xlsx", "42_far_cell_lying_dimension.xlsx"):
        proc = subprocess.run(
            [sys.executable, "-c", code, str(CORPUS / name)], capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr[-1500:]
        assert "XFD1048576" in proc.stdout or "17,179,869,184" in proc.stdout, proc.stdout


def test_excel_and_libreoffice_lock_files_say_who_holds_the_workbook(tmp_path):
    from followup.sync.sources.excel.files import lock_owner

    assert lock_owner(CORPUS / "~$_locked.xlsx") == "Zhang Wei"
    assert lock_owner(CORPUS / "~$_being_saved.xlsx") == "张伟"
    assert lock_owner(CORPUS / ".~lock.47_open_in_libreoffice.xlsx#") == "李娜"
    junk = tmp_path / "~$x.xlsx"
    junk.write_bytes(b"\x00\xff" * 3)
    assert lock_owner(junk) is None
    problems = []
    discover([CORPUS], problems)
    (lo,) = [p for p in problems if "47_open_in_libreoffice" in p.file]
    assert "李娜" in lo.message and "LibreOffice" in lo.message and not lo.fatal


def test_a_truncated_workbook_beside_its_lock_file_is_being_saved_not_corrupt():
    with pytest.raises(WorkbookError) as e:
        read_workbook(CORPUS / "46_being_saved.xlsx")
    assert "正在被「张伟」保存" in e.value.rejection.message and "being saved" in e.value.rejection.message
    with pytest.raises(WorkbookError) as e:
        read_workbook(CORPUS / "39_truncated_zip.xlsx")
    assert "损坏" in e.value.rejection.message


def test_a_workbook_being_saved_gives_one_coherent_message_naming_the_holder():
    from followup.sync.sources.excel import read_sources

    res = read_sources([CORPUS / "46_being_saved.xlsx"])
    (only,) = [r for r in res.rejections if "46_being_saved" in r.file]
    assert only.fatal and "「张伟」" in only.message and "being saved by '张伟'" in only.message
    assert "~$_being_saved.xlsx" in only.message
    assert "上次保存" not in only.message and "last saved" not in only.message
    # an open workbook that does read keeps its warning: its last saved state is what was read
    (lo,) = [r for r in read_sources([CORPUS / "47_open_in_libreoffice.xlsx"]).rejections]
    assert not lo.fatal and "李娜" in lo.message and "last saved state is read" in lo.message


def test_two_workbooks_of_one_store_keep_the_newer_and_reject_the_older_rows_naming_both(tmp_path):
    import os

    from followup.sync.validate.dedupe import dedupe

    folder = tmp_path / "stores"
    folder.mkdir()
    settings = {"设置": [["门店", "一店"]]}
    old = save_xlsx(folder / "一店 - 副本.xlsx", book(**settings))
    new = save_xlsx(
        folder / "一店.xlsx",
        book(
            customers=[
                ["C001", "张三", "13812345678", "A", None, None, None, dt.date(2026, 10, 1), 3200.0],
                ["C003", "王五", "13712345678", "D"],
            ],
            calls=[],
            **{"设置": [["门店", "一\t店\r"]]},
        ),
    )
    os.utime(old, (1_700_000_000, 1_700_000_000))
    os.utime(new, (1_800_000_000, 1_800_000_000))
    res = read_sources([folder], now=NOW)
    dedupe(res)
    assert sorted({s.store for s in res.stores}) == ["一店"]
    dup = [r for r in res.rejections if r.fatal]
    assert [(Path(r.file).name, r.sheet, r.row, r.column, r.value) for r in dup] == [
        ("一店 - 副本.xlsx", "客户", 2, "客户编号", "C001"),
        ("一店 - 副本.xlsx", "回访记录", 2, "客户编号", "C001"),
    ]
    assert all("一店.xlsx" in r.message and "第2行" in r.message for r in dup)
    assert balanced(res)
    copy = next(s for s in res.stores if s.origin == str(old))
    assert copy.customers["customer_id"].tolist() == ["C002"] and copy.calls["customer_id"].tolist() == ["C002"]
    (warn,) = [r for r in res.rejections if not r.fatal]
    assert "white space" in warn.message and warn.file == str(new)


def test_a_sync_over_a_copied_store_workbook_files_its_reports_and_names_the_rejections(tmp_path):
    import shutil
    import subprocess
    import sys

    folder = tmp_path / "stores"
    folder.mkdir()
    for name in (
        "48_copy_store.xlsx",
        "49_copy_store - 副本.xlsx",
        "41_far_cell_xfd1048576.xlsx",
        "43_zip_bomb.xlsx",
        "01_good.xlsx",
    ):
        shutil.copy(CORPUS / name, folder / name)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "followup.sync.cli",
            "sync",
            "--source",
            str(folder),
            "--out",
            str(tmp_path / "reports"),
            "--week",
            "2026-W47",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    assert "Traceback" not in out
    assert (tmp_path / "reports" / "错误清单.xlsx").exists()
    import openpyxl as ox

    ws = ox.load_workbook(tmp_path / "reports" / "错误清单.xlsx").active
    text = "\n".join(" ".join(str(c) for c in row if c is not None) for row in ws.iter_rows(values_only=True))
    assert "41_far_cell_xfd1048576.xlsx" in text and "limits.max_cells" in text
    assert "43_zip_bomb.xlsx" in text and "limits.max_compression_ratio" in text
    assert "49_copy_store - 副本.xlsx" in text or "48_copy_store.xlsx" in text
