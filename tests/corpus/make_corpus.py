"""Generate the malformed-workbook corpus and its expectations (deterministic).

    python tests/corpus/make_corpus.py            # rewrites the files beside this script

Every case is one file (XlsxWriter, fixed timestamps, so the bytes do not change between
runs) plus its expectation in `expected.json`: the exact rejections (sheet, row, column,
fatal), the per-sheet counts (read, used, rejected), the stores produced and a few parsed
values. `tests/integration/test_corpus_validation.py` reads every file back through
`followup.sync.sources.excel.source.read_sources` and checks them.

The legacy `.xls` case needs `xlwt` (not a project dependency); without it the committed file
is kept and the script says so. A password-protected workbook is not generated: no encryption
writer is available without an extra dependency (read_workbook still detects one).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import re
import sys
import warnings
import zipfile
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
NOW = "2026-11-20 10:00"  # the `now` the test passes: later call times are "future"
CREATED = dt.datetime(2026, 11, 1, 9, 0, 0)

CUST = [
    "客户编号",
    "姓名",
    "电话",
    "门店",
    "归属",
    "类别",
    "咨询日期",
    "到店日期",
    "预约日期",
    "购买日期",
    "购买金额",
    "生日",
    "标记",
]
CALL = ["时间", "门店", "坐席", "客户编号", "类型", "方式", "结果", "问题数", "反馈", "需跟进", "处理状态"]
GIFT = ["门店", "客户编号", "礼品", "价值", "发放日期", "核查结果"]
D = dt.date
T = dt.datetime


class F:
    """A real formula cell with its cached value."""

    def __init__(self, formula: str, value):
        self.formula, self.value = formula, value


class Hide:
    """Marks a header whose column is hidden."""

    def __init__(self, name: str):
        self.name = name

    def __str__(self):
        return self.name


def customers(**changes):
    """The three base customers as dicts keyed by Chinese header; changes: {'C002': {...}}."""
    rows = [
        {
            "客户编号": "C001",
            "姓名": "张三",
            "电话": "13812345678",
            "门店": "一店",
            "归属": "王医生",
            "类别": "A",
            "购买日期": D(2026, 10, 1),
            "购买金额": 3200,
        },
        {
            "客户编号": "C002",
            "姓名": "李四",
            "电话": "13912345678",
            "门店": "一店",
            "归属": "王医生",
            "类别": "B",
            "到店日期": D(2026, 10, 20),
        },
        {
            "客户编号": "C003",
            "姓名": "王五",
            "电话": "13712345678",
            "门店": "一店",
            "归属": "刘顾问",
            "类别": "D",
            "咨询日期": D(2026, 10, 5),
            "标记": "夜班",
        },
    ]
    for r in rows:
        r.update(changes.get(r["客户编号"], {}))
    return rows


def calls(*extra):
    rows = [
        {
            "时间": T(2026, 10, 4, 10, 0),
            "门店": "一店",
            "坐席": "小陈",
            "客户编号": "C001",
            "类型": "客户服务",
            "方式": "电话",
            "结果": "成功",
            "问题数": 2,
            "反馈": "效果不错",
        },
        {
            "时间": T(2026, 10, 16, 14, 30),
            "门店": "一店",
            "坐席": "小陈",
            "客户编号": "C001",
            "类型": "客户服务",
            "方式": "电话",
            "结果": "无人接听",
        },
        {
            "时间": T(2026, 10, 27, 10, 15),
            "门店": "一店",
            "坐席": "小林",
            "客户编号": "C002",
            "类型": "客户服务",
            "方式": "电话",
            "结果": "成功",
            "问题数": 3,
        },
    ]
    return rows + list(extra)


def table(header, records):
    """Header + rows (dicts keyed by header text) → a grid of cell values."""
    names = [str(h) for h in header]
    return [list(header)] + [[r.get(n) for n in names] for r in records]


def put(ws, fmts, r, c, v):
    if v is None:
        return
    if isinstance(v, F):
        ws.write_formula(r, c, v.formula, None, v.value)
    elif isinstance(v, Hide):
        ws.write_string(r, c, v.name)
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, (int, float)):
        ws.write_number(r, c, v)
    elif isinstance(v, dt.datetime):
        ws.write_datetime(r, c, v, fmts["datetime"])
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()), fmts["date"])
    else:
        ws.write_string(r, c, str(v))


def xlsx(path: Path, sheets: dict[str, list[list]], merges=(), start_row: dict | None = None, options=None):
    """Write sheets (title → grid) with XlsxWriter; deterministic bytes.

    merges: (sheet, first_row, first_col, last_row, last_col, value); start_row: sheet → row
    offset (0-based) of the grid. Headers wrapped in Hide() get their column hidden."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False, **(options or {})})
    wb.set_properties({"created": CREATED, "author": "followup corpus"})
    fmts = {
        "date": wb.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
    }
    for title, grid in sheets.items():
        ws = wb.add_worksheet(title)
        off = (start_row or {}).get(title, 0)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                put(ws, fmts, r + off, c, v)
                if isinstance(v, Hide):
                    ws.set_column(c, c, None, None, {"hidden": True})
        for sheet, r1, c1, r2, c2, value in merges:
            if sheet == title:
                ws.merge_range(r1, c1, r2, c2, value)
    wb.close()


def standard(path: Path, cust=None, call=None, extra: dict | None = None, **kw):
    sheets = {
        "客户": table(CUST, customers() if cust is None else cust),
        "回访记录": table(CALL, calls() if call is None else call),
    }
    sheets.update(extra or {})
    xlsx(path, sheets, **kw)


def serial(x) -> float:
    base = dt.datetime(1899, 12, 30)
    if isinstance(x, dt.datetime):
        return (x - base).total_seconds() / 86400
    return float((x - base.date()).days)


def macro_enabled(path: Path) -> None:
    """Turn an .xlsx written by XlsxWriter into a macro-enabled workbook without VBA code."""
    src = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def rezip(path: Path, edit=lambda name, data: data, extra: dict | None = None) -> None:
    """Rewrite a zip's members through `edit(name, data) -> data` and add `extra` (name → data),
    with fixed timestamps."""
    src = io.BytesIO(path.read_bytes())
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            zout.writestr(zipfile.ZipInfo(info.filename, info.date_time), data, zipfile.ZIP_DEFLATED)
        for name, data in (extra or {}).items():
            zout.writestr(zipfile.ZipInfo(name, (2026, 11, 1, 9, 0, 0)), data, zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def excel_owner_file(name: str) -> bytes:
    """Excel's `~$` owner file as Excel writes it (165 bytes): a length byte and the user name
    in the system code page padded with spaces to byte 54, then a 2-byte length and the name
    in UTF-16-LE, padded with UTF-16 spaces."""
    ansi = name.encode("gb18030")
    wide = name.encode("utf-16-le")
    head = (bytes([len(ansi)]) + ansi).ljust(54, b" ")
    tail = len(name).to_bytes(2, "little") + wide
    return head + tail.ljust(165 - 54, b" ")  # (" " then NUL would be UTF-16; Excel pads this way)


def legacy_xls(path: Path) -> str | None:
    try:
        import xlwt
    except ImportError:
        return "xlwt is not installed: kept the committed file"
    wb = xlwt.Workbook(encoding="utf-8")
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    stamp = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    for title, grid in (
        (
            "客户",
            table(CUST, customers(C001={"电话": 13812345678})),
        ),
        ("回访记录", table(CALL, calls())),
    ):
        ws = wb.add_sheet(title)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.datetime):
                    ws.write(r, c, v, stamp)
                elif isinstance(v, dt.date):
                    ws.write(r, c, dt.datetime.combine(v, dt.time()), date)
                else:
                    ws.write(r, c, v)
    wb.save(str(path))
    return None


# ---------------------------------------------------------------------------------------------
# The cases. Each: file, build(path) and the expectation.
#   rejections: [sheet, row, column, fatal] (row/column None for a whole file or sheet)
#   counts: sheet title → [read, used, rejected]
#   stores: the store names produced; values: [sheet key, _row, column key, text]

CASES: list[dict] = []


def case(file, rejections=(), counts=None, stores=None, values=(), note=""):
    def wrap(build):
        CASES.append(
            {
                "file": file,
                "build": build,
                "rejections": [list(r) for r in rejections],
                "counts": counts or {},
                "stores": stores,
                "values": [list(v) for v in values],
                "note": note,
            }
        )
        return build

    return wrap


OK = {"客户": [3, 3, 0], "回访记录": [3, 3, 0]}


@case(
    "01_good.xlsx",
    counts=OK,
    stores=["01_good"],
    values=[
        ("customers", 2, "phone", "13812345678"),
        ("customers", 2, "class", "A"),
        ("customers", 2, "purchase_date", "2026-10-01"),
        ("calls", 2, "call_time", "2026-10-04 10:00"),
        ("calls", 2, "outcome", "success"),
        ("calls", 3, "outcome", "no_answer"),
    ],
)
def _(p):
    standard(p)


@case(
    "02_unknown_class.xlsx",
    [("客户", 3, "类别", True), ("回访记录", 4, "客户编号", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 2, 1]},
    note="C002 rejected, so its call (row 4) is too",
)
def _(p):
    standard(p, customers(C002={"类别": "E类"}))


@case("03_unknown_outcome.xlsx", [("回访记录", 3, "结果", True)], {"客户": [3, 3, 0], "回访记录": [3, 2, 1]})
def _(p):
    c = calls()
    c[1]["结果"] = "聊完了"
    standard(p, call=c)


@case(
    "04_bad_date_text.xlsx",
    [("客户", 4, "咨询日期", True), ("回访记录", 4, "时间", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 2, 1]},
)
def _(p):
    c = calls()
    c[2]["时间"] = "昨天下午"
    standard(p, customers(C003={"咨询日期": "上周三"}), c)


@case(
    "05_excel_serial_dates.xlsx",
    counts=OK,
    values=[
        ("customers", 2, "purchase_date", "2026-10-01"),
        ("customers", 3, "visit_date", "2026-10-20"),
        ("calls", 2, "call_time", "2026-10-04 10:00"),
        ("calls", 4, "call_time", "2026-10-27 10:15"),
    ],
    note="dates typed as numbers in General-format cells (Excel serials)",
)
def _(p):
    cu = customers(
        C001={"购买日期": serial(D(2026, 10, 1))},
        C002={"到店日期": serial(D(2026, 10, 20))},
        C003={"咨询日期": serial(D(2026, 10, 5))},
    )
    ca = calls()
    for r in ca:
        r["时间"] = serial(r["时间"])
    standard(p, cu, ca)


@case(
    "06_impossible_dates.xlsx",
    [("客户", 3, "到店日期", True), ("回访记录", 2, "时间", True), ("回访记录", 4, "客户编号", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 1, 2]},
)
def _(p):
    c = calls()
    c[0]["时间"] = "2026-11-31 10:00"
    standard(p, customers(C002={"到店日期": "2026-02-30"}), c)


@case(
    "07_duplicate_ids.xlsx",
    [("客户", 5, "客户编号", True)],
    {"客户": [4, 3, 1], "回访记录": [3, 3, 0]},
    values=[("customers", 3, "name", "李四")],
)
def _(p):
    standard(p, customers() + [{"客户编号": "C002", "姓名": "李四(重复)", "电话": "13912340000", "类别": "B"}])


@case(
    "08_unknown_customer_in_calls.xlsx", [("回访记录", 5, "客户编号", True)], {"客户": [3, 3, 0], "回访记录": [4, 3, 1]}
)
def _(p):
    standard(p, call=calls({"时间": T(2026, 11, 2, 15, 0), "客户编号": "C999", "结果": "成功"}))


@case("09_missing_phone.xlsx", [("客户", 4, "电话", True)], {"客户": [3, 2, 1], "回访记录": [3, 3, 0]})
def _(p):
    standard(p, customers(C003={"电话": None}))


@case(
    "10_phone_as_float.xlsx",
    counts=OK,
    values=[
        ("customers", 2, "phone", "13812345678"),
        ("customers", 3, "phone", "13912345678"),
        ("customers", 4, "phone", "057188886666"),
        ("customers", 2, "customer_id", "1001"),
    ],
    note="numeric phone cells (calamine: floats) stay exact text; a text landline keeps its 0",
)
def _(p):
    cu = customers(
        C001={"电话": 13812345678, "客户编号": 1001}, C002={"电话": 13912345678.0}, C003={"电话": "057188886666"}
    )
    ca = calls()
    ca[0]["客户编号"] = ca[1]["客户编号"] = "1001"
    standard(p, cu, ca)


@case(
    "11_phone_plus86_spaces.xlsx",
    [("客户", 5, "电话", True)],
    {"客户": [4, 3, 1], "回访记录": [3, 3, 0]},
    values=[
        ("customers", 2, "phone", "13812345678"),
        ("customers", 3, "phone", "13912345678"),
        ("customers", 4, "phone", "13712345678"),
    ],
)
def _(p):
    standard(
        p,
        customers(
            C001={"电话": "+86 138 1234 5678"},
            C002={"电话": " 139-1234-5678 "},
            C003={"电话": "１３７１２３４５６７８"},
        )
        + [{"客户编号": "C004", "姓名": "赵六", "电话": "138abc45678", "类别": "D"}],
    )


@case(
    "12_four_questions.xlsx",
    [("回访记录", 2, "问题数", False), ("回访记录", 4, "问题数", False)],
    OK,
    values=[
        ("calls", 2, "questions", "5"),
        ("calls", 2, "questions_exceeded", "True"),
        ("calls", 3, "questions_exceeded", "False"),
    ],
)
def _(p):
    c = calls()
    c[0]["问题数"] = 5
    c[2]["问题数"] = 4
    standard(p, call=c)


@case("13_future_call_time.xlsx", [("回访记录", 4, "时间", True)], {"客户": [3, 3, 0], "回访记录": [3, 2, 1]})
def _(p):
    c = calls()
    c[2]["时间"] = T(2026, 12, 1, 10, 0)
    standard(p, call=c)


@case(
    "14_missing_header_column.xlsx", [("客户", 1, "电话", True)], {"客户": [3, 0, 3], "回访记录": [3, 0, 3]}, stores=[]
)
def _(p):
    header = [h for h in CUST if h != "电话"]
    xlsx(p, {"客户": table(header, customers()), "回访记录": table(CALL, calls())})


@case("15_missing_customer_sheet.xlsx", [("客户", None, None, True)], {"回访记录": [3, 0, 3]}, stores=[])
def _(p):
    xlsx(p, {"回访记录": table(CALL, calls()), "设置": [["门店", "一店"]]})


@case("16_empty_file.xlsx", [("(文件)", None, None, True)], {}, stores=[])
def _(p):
    p.write_bytes(b"")


@case("17_corrupt_random_bytes.xlsx", [("(文件)", None, None, True)], {}, stores=[])
def _(p):
    p.write_bytes(random.Random(17).randbytes(2048))


@case("18_text_renamed.xlsx", [("(文件)", None, None, True)], {}, stores=[])
def _(p):
    p.write_bytes("客户编号,姓名,电话\nC001,张三,13812345678\n".encode())


@case("19_macro_workbook.xlsm", counts=OK, stores=["19_macro_workbook"])
def _(p):
    standard(p)
    macro_enabled(p)


@case(
    "20_legacy.xls",
    counts=OK,
    stores=["20_legacy"],
    values=[
        ("customers", 2, "phone", "13812345678"),
        ("customers", 2, "purchase_date", "2026-10-01"),
        ("calls", 3, "call_time", "2026-10-16 14:30"),
    ],
    note="a real BIFF8 .xls written by xlwt",
)
def _(p):
    reason = legacy_xls(p)
    if reason:
        print(f"  skipped regenerating {p.name}: {reason}")


@case(
    "21_locked.xlsx",
    [("(文件)", None, None, False)],
    OK,
    stores=["21_locked"],
    note="~$_locked.xlsx beside it: Excel's owner file (long names lose their first 2 characters)",
)
def _(p):
    standard(p)
    owner = p.parent / ("~$" + p.name[2:])
    owner.write_bytes(excel_owner_file("Zhang Wei"))


@case(
    "22_hidden_columns.xlsx",
    counts=OK,
    values=[("customers", 2, "owner", "王医生"), ("customers", 2, "phone", "13812345678")],
)
def _(p):
    header = CUST[:3] + [Hide("内部备注")] + CUST[3:4] + [Hide("归属")] + CUST[5:]
    rows = customers()
    for r in rows:
        r["内部备注"] = "VIP" if r["客户编号"] == "C001" else "——"
    xlsx(p, {"客户": table(header, rows), "回访记录": table(CALL, calls())})


@case(
    "23_reordered_columns.xlsx",
    counts=OK,
    values=[("customers", 3, "visit_date", "2026-10-20"), ("calls", 4, "customer_id", "C002")],
)
def _(p):
    xlsx(p, {"客户": table(list(reversed(CUST)), customers()), "回访记录": table(CALL[3:] + CALL[:3], calls())})


EN_CUST = {
    "客户编号": "customer_id",
    "姓名": "name",
    "电话": "phone",
    "门店": "store",
    "归属": "owner",
    "类别": "class",
    "咨询日期": "consult_date",
    "到店日期": "visit_date",
    "预约日期": "appointment_date",
    "购买日期": "purchase_date",
    "购买金额": "amount",
    "生日": "birthday",
    "标记": "flags",
}
EN_CALL = {
    "时间": "call_time",
    "门店": "store",
    "坐席": "agent",
    "客户编号": "customer_id",
    "类型": "kind",
    "方式": "channel",
    "结果": "outcome",
    "问题数": "questions",
    "反馈": "feedback",
    "需跟进": "escalate",
    "处理状态": "resolution",
}


@case(
    "24_english_headers.xlsx",
    [("Calls", 3, "Outcome", True)],
    {"Customers": [3, 3, 0], "Calls": [3, 2, 1]},
    values=[("customers", 2, "class", "A"), ("calls", 2, "outcome", "success")],
)
def _(p):
    cu = [{EN_CUST[k]: v for k, v in r.items()} for r in customers(C001={"类别": "Purchased"})]
    ca = [{EN_CALL[k]: v for k, v in r.items()} for r in calls()]
    ca[0]["outcome"] = "success"
    ca[1]["outcome"] = "done"
    ca[2]["outcome"] = "Success"
    call_header = [("Outcome" if h == "outcome" else h) for h in EN_CALL.values()]
    for r in ca:
        r["Outcome"] = r.pop("outcome")
    xlsx(p, {"Customers": table(list(EN_CUST.values()), cu), "Calls": table(call_header, ca)})


@case(
    "25_merged_header_cells.xlsx",
    [("客户", 1, "电话", True)],
    {"客户": [3, 0, 3], "回访记录": [3, 0, 3]},
    stores=[],
    note="姓名 merged over B1:C1 hides the 电话 header",
)
def _(p):
    grid = table(CUST, customers())
    grid[0][1] = grid[0][2] = None
    xlsx(p, {"客户": grid, "回访记录": table(CALL, calls())}, merges=[("客户", 0, 1, 0, 2, "姓名")])


@case(
    "26_extra_blank_rows.xlsx",
    [("客户", 9, "类别", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 3, 0]},
    values=[
        ("customers", 4, "customer_id", "C001"),
        ("customers", 6, "customer_id", "C002"),
        ("calls", 4, "customer_id", "C001"),
        ("calls", 10, "customer_id", "C002"),
    ],
)
def _(p):
    g = table(CUST, customers(C003={"类别": "X"}))
    cust = [g[0], g[1], [], g[2], [], [], g[3], [None, "   ", "\u3000"]]
    c = table(CALL, calls())
    call = [c[0], [], c[1], c[2], [], [], [], [], c[3]]
    xlsx(p, {"客户": cust, "回访记录": call}, start_row={"客户": 2, "回访记录": 1})


@case(
    "27_whitespace_values.xlsx",
    counts=OK,
    values=[
        ("customers", 2, "customer_id", "C001"),
        ("customers", 2, "class", "A"),
        ("customers", 3, "phone", "13912345678"),
        ("calls", 2, "customer_id", "C001"),
        ("calls", 2, "outcome", "success"),
        ("customers", 2, "name", "张三"),
    ],
)
def _(p):
    header = [f" {h}\u3000" if h in ("电话", "类别") else h for h in CUST]
    cu = customers(
        C001={"客户编号": " C001 ", "姓名": "\u3000张三 ", "类别": "\u3000Ａ "}, C002={"电话": "\u300013912345678 "}
    )
    cu = [{(f" {k}\u3000" if k in ("电话", "类别") else k): v for k, v in r.items()} for r in cu]
    ca = calls()
    ca[0].update({"客户编号": "C001\u3000", "结果": "\u3000成功\u3000"})
    xlsx(p, {"客户": table(header, cu), "回访记录": table(CALL, ca)})


@case("28_settings_store_name.xlsx", counts=OK, stores=["朝阳旗舰店"], values=[("customers", 2, "store", "一店")])
def _(p):
    standard(
        p,
        extra={
            "设置": [
                ["设置项", "值"],
                ["门店", "朝阳旗舰店"],
                ["门店组别", "2"],
                ["回访方案", "optometry"],
                ["时区", "Asia/Shanghai"],
            ]
        },
    )


@case(
    "29_formula_looking_names.xlsx",
    [("客户", 2, "姓名", False)],
    OK,
    values=[("customers", 2, "name", '=HYPERLINK("http://example.com","张三")'), ("customers", 3, "name", "李四")],
    note="row 2: text that looks like a formula (kept as text, warned); row 3: a real formula (cached value)",
)
def _(p):
    standard(
        p,
        customers(
            C001={"姓名": '=HYPERLINK("http://example.com","张三")'},
            C002={"姓名": F('=CONCATENATE("李","四")', "李四")},
        ),
    )


@case("30_headers_only.xlsx", counts={"客户": [0, 0, 0], "回访记录": [0, 0, 0]}, stores=["30_headers_only"])
def _(p):
    xlsx(p, {"客户": [CUST], "回访记录": [CALL]})


@case(
    "31_every_row_bad.xlsx",
    [
        ("客户", 2, "电话", True),
        ("客户", 3, "类别", True),
        ("客户", 4, "客户编号", True),
        ("回访记录", 2, "客户编号", True),
        ("回访记录", 3, "客户编号", True),
        ("回访记录", 4, "客户编号", True),
    ],
    {"客户": [3, 0, 3], "回访记录": [3, 0, 3]},
    stores=["31_every_row_bad"],
)
def _(p):
    standard(p, customers(C001={"电话": None}, C002={"类别": "Q"}, C003={"客户编号": None}))


@case(
    "32_mixed_good_and_bad.xlsx",
    [
        ("客户", 3, "电话", True),
        ("客户", 5, "购买日期", True),
        ("客户", 5, "购买金额", True),
        ("客户", 7, "客户编号", True),
        ("回访记录", 3, "客户编号", True),
        ("回访记录", 5, "结果", True),
        ("回访记录", 4, "时间", True),
        ("回访记录", 6, "时间", True),
        ("回访记录", 7, "问题数", False),
        ("回访记录", 8, "客户编号", True),
    ],
    {"客户": [6, 3, 3], "回访记录": [7, 2, 5]},
    note="calls: row 3 customer rejected, row 4 after NOW, row 5 bad outcome, row 6 month 13, row 8 unknown",
)
def _(p):
    cu = [
        {"客户编号": "K1", "电话": "13800000001", "类别": "A", "购买日期": D(2026, 9, 1), "购买金额": 1800},
        {"客户编号": "K2", "电话": "一三八", "类别": "B", "到店日期": D(2026, 9, 2)},
        {"客户编号": "K3", "电话": "13800000003", "类别": "C", "预约日期": D(2026, 11, 25)},
        {"客户编号": "K4", "电话": "13800000004", "类别": "A", "购买日期": "九月", "购买金额": "很多"},
        {"客户编号": "K5", "电话": "13800000005", "类别": "D"},
        {"客户编号": "K1", "电话": "13800000006", "类别": "D"},
    ]
    ca = [
        {"时间": T(2026, 9, 4, 10), "客户编号": "K1", "结果": "成功"},
        {"时间": T(2026, 9, 9, 10), "客户编号": "K2", "结果": "成功"},
        {"时间": T(2026, 11, 24, 10), "客户编号": "K3", "结果": "已发送", "方式": "短信"},
        {"时间": T(2026, 9, 18, 10), "客户编号": "K1", "结果": "打不通"},
        {"时间": "2026-13-01", "客户编号": "K5", "结果": "成功"},
        {"时间": T(2026, 10, 1, 11), "客户编号": "K5", "结果": "未完成", "问题数": 6},
        {"时间": T(2026, 10, 2, 11), "客户编号": "K6", "结果": "成功"},
    ]
    standard(p, cu, ca)


@case(
    "33_negative_amounts.xlsx",
    [
        ("客户", 4, "购买金额", True),
        ("礼品", 2, "价值", True),
        ("礼品", 4, "发放日期", True),
        ("礼品", 5, "客户编号", False),
    ],
    {"客户": [3, 2, 1], "回访记录": [3, 3, 0], "礼品": [4, 2, 2]},
)
def _(p):
    gifts = [
        {"门店": "一店", "客户编号": "C001", "礼品": "护理液", "价值": -68, "发放日期": D(2026, 10, 1)},
        {"门店": "一店", "客户编号": "C002", "礼品": "镜布", "价值": "¥15", "发放日期": D(2026, 10, 20)},
        {"门店": "一店", "客户编号": "C001", "礼品": "眼镜盒", "价值": 30, "发放日期": "下周"},
        {"门店": "一店", "客户编号": "C404", "礼品": "眼药水", "价值": 25, "发放日期": D(2026, 10, 21)},
    ]
    standard(p, customers(C003={"购买金额": -500}), extra={"礼品": table(GIFT, gifts)})


@case(
    "34_phone_not_digits.xlsx",
    [("客户", 3, "电话", True), ("回访记录", 4, "客户编号", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 2, 1]},
)
def _(p):
    standard(p, customers(C002={"电话": "请补充"}))


@case(
    "35_title_row_above_header.xlsx",
    [("客户", 5, "类别", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 3, 0]},
    note="a title row (row 1) above the header row (row 2) is skipped",
)
def _(p):
    grid = [["一店客户资料 2026年11月"]] + table(CUST, customers(C003={"类别": "VIP"}))
    xlsx(p, {"客户": grid, "回访记录": table(CALL, calls())})


@case("36_phone_scientific_text.xlsx", [("客户", 4, "电话", True)], {"客户": [3, 2, 1], "回访记录": [3, 3, 0]})
def _(p):
    standard(p, customers(C003={"电话": "1.37123E+10"}))


@case("37_no_calls_sheet.xlsx", [("回访记录", None, None, False)], {"客户": [3, 3, 0]})
def _(p):
    xlsx(p, {"客户": table(CUST, customers())})


@case(
    "38_unknown_sheets_only.xlsx",
    [("客户", None, None, True)],
    {},
    stores=[],
    note="a workbook of something else entirely (e.g. a report)",
)
def _(p):
    xlsx(p, {"汇总": [["门店", "回访数"], ["一店", 12]]})


@case(
    "39_truncated_zip.xlsx",
    [("(文件)", None, None, True)],
    {},
    stores=[],
    note="a workbook cut off in the middle of copying (a zip without its directory)",
)
def _(p):
    standard(p)
    p.write_bytes(p.read_bytes()[:3000])


@case(
    "40_xlsx_saved_as_xls.xls",
    counts=OK,
    stores=["40_xlsx_saved_as_xls"],
    note="an .xlsx file renamed .xls: read by its content",
)
def _(p):
    tmp = p.with_suffix(".tmp.xlsx")
    standard(tmp)
    tmp.replace(p)


# --- hostile workbooks (issue 9): each is refused by name with its reason, nothing crashes ---
# `isolate`: the test reads these in a child process, so a regression (calamine allocating
# hundreds of GB and aborting) cannot take pytest down with it.
FILE_FATAL = [("(文件)", None, None, True)]
FAR_CELL = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'


@case(
    "41_far_cell_xfd1048576.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="isolate: one cell at XFD1048576 (6 KB; calamine would allocate 512 GB): declared dimension over limits.max_cells",
)
def _(p):
    xlsx(p, {"客户": table(CUST, customers()), "回访记录": table(CALL, calls())})
    rezip(
        p,
        lambda n, d: (
            d.replace(b"</sheetData>", FAR_CELL, 1).replace(
                b'<dimension ref="A1:M4"/>', b'<dimension ref="A1:XFD1048576"/>'
            )
            if n == "xl/worksheets/sheet1.xml"
            else d
        ),
    )


@case(
    "42_far_cell_lying_dimension.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="isolate: the same far cell, but the sheet declares A1:M4: refused by its actual used range",
)
def _(p):
    xlsx(p, {"客户": table(CUST, customers()), "回访记录": table(CALL, calls())})
    rezip(p, lambda n, d: d.replace(b"</sheetData>", FAR_CELL, 1) if n == "xl/worksheets/sheet2.xml" else d)


@case(
    "43_zip_bomb.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="isolate: a 64 MB part of zeros compressed about 1000:1: over limits.max_compression_ratio",
)
def _(p):
    standard(p)
    rezip(p, extra={"xl/media/padding.bin": bytes(64 * 1024 * 1024)})


@case(
    "44_formulas_without_cached_values.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="类别 and 到店日期 are formulas a script wrote without results (calamine reads them empty): "
    "open and save in Excel",
)
def _(p):
    cu = customers(C001={"类别": F('=IF(1>0,"A","B")', 0)}, C002={"到店日期": F("=DATE(2026,10,20)", 0)})
    standard(p, cu)
    rezip(p, lambda n, d: re.sub(rb"</f><v>[^<]*</v>", b"</f>", d) if n.startswith("xl/worksheets/") else d)


@case(
    "45_date1904_numbers.xlsx",
    counts=OK,
    values=[
        ("customers", 2, "purchase_date", "2026-10-01"),
        ("customers", 3, "visit_date", "2026-10-20"),
        ("calls", 2, "call_time", "2026-10-04 10:00"),
        ("calls", 4, "call_time", "2026-10-27 10:15"),
    ],
    note="a 1904-date-system workbook (old Mac Excel) whose dates are General-formatted numbers",
)
def _(p):
    cu = customers(
        C001={"购买日期": serial(D(2026, 10, 1)) - 1462},
        C002={"到店日期": serial(D(2026, 10, 20)) - 1462},
        C003={"咨询日期": serial(D(2026, 10, 5)) - 1462},
    )
    ca = calls()
    for r in ca:
        r["时间"] = serial(r["时间"]) - 1462
    standard(p, cu, ca, options={"date_1904": True})


@case(
    "46_being_saved.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="a zip cut short while Excel's owner file ~$_being_saved.xlsx is there: being saved, not corrupt; "
    "one message naming the holder",
)
def _(p):
    standard(p)
    p.write_bytes(p.read_bytes()[:2500])
    (p.parent / ("~$" + p.name[2:])).write_bytes(excel_owner_file("张伟"))


@case(
    "47_open_in_libreoffice.xlsx",
    [("(文件)", None, None, False)],
    OK,
    stores=["47_open_in_libreoffice"],
    note="LibreOffice's .~lock.<name># beside it names who holds it; the last saved state is read",
)
def _(p):
    standard(p)
    (p.parent / f".~lock.{p.name}#").write_bytes(
        "李娜,lina,PC-07,20.11.2026 09:58,file:///C:/Users/lina/AppData/Roaming/LibreOffice/4;".encode()
    )


@case("48_copy_store.xlsx", counts=OK, stores=["复本店"], note="one store's workbook; 49 is its Windows copy")
def _(p):
    standard(p, extra={"设置": [["门店", "复本店"]]})


@case(
    "49_copy_store - 副本.xlsx",
    counts=OK,
    stores=["复本店"],
    note="the Windows copy of 48 (same store, same customers): the sync keeps one and rejects the other's rows",
)
def _(p):
    standard(p, extra={"设置": [["门店", "复本店\t"]]})


PHONE_STORE = "一店Tel.13812345678"


@case(
    "60_phones_in_every_field.xlsx",
    [("客户", 5, "类别", True), ("回访记录", 5, "结果", True)],
    {"客户": [4, 3, 1], "回访记录": [4, 3, 1], "礼品": [2, 2, 0]},
    stores=[PHONE_STORE],
    values=[
        ("customers", 2, "name", "张三No.13812345678"),
        ("customers", 3, "customer_id", "13912345678"),
        ("customers", 2, "owner", "王医生(138)1234-5678"),
        ("calls", 2, "agent", "小陈138.1234.5678"),
        ("calls", 2, "feedback", "客户改号Tel.13812345678"),
        ("calls", 2, "resolution", "已回电13912345678"),
        ("calls", 3, "feedback", "回拨 138–1234–5678 或 021-12345678"),
        ("gifts", 2, "gift", "护眼仪(0755)12345678"),
        ("gifts", 3, "check_result", "已收到,１３８１２３４５６７８"),
    ],
    note="privacy (issue 9): phones in the issue's written forms in every field; the data keeps "
    "them, every output masks them (tests/property/test_no_phone_leaks.py)",
)
def _(p):
    store = {"门店": PHONE_STORE}
    cust = customers(
        C001={"姓名": "张三No.13812345678", "归属": "王医生(138)1234-5678", **store},
        C002={"客户编号": "13912345678", **store},
        C003=store,
    )
    cust.append({"客户编号": "C004", "姓名": "赵六", "电话": "13612345678", "类别": "+86 138 1234 5678", **store})
    c = calls()
    c[0].update(
        {
            "坐席": "小陈138.1234.5678",
            "反馈": "客户改号Tel.13812345678",
            "需跟进": "是",
            "处理状态": "已回电13912345678",
            **store,
        }
    )
    c[1].update({"结果": "成功", "问题数": 1, "反馈": "回拨 138–1234–5678 或 021-12345678", **store})
    c[2].update({"客户编号": "13912345678", **store})
    c.append(
        {
            "时间": T(2026, 10, 28, 9, 0),
            "门店": PHONE_STORE,
            "坐席": "小林",
            "客户编号": "C001",
            "类型": "客户服务",
            "方式": "电话",
            "结果": "138  1234  5678",
        }
    )
    gifts = [
        {
            "门店": PHONE_STORE,
            "客户编号": "13912345678",
            "礼品": "护眼仪(0755)12345678",
            "价值": 680,
            "发放日期": D(2026, 10, 20),
            "核查结果": "未收到 0086-138-1234-5678",
        },
        {
            "门店": PHONE_STORE,
            "客户编号": "C001",
            "礼品": "镜布",
            "价值": 15,
            "发放日期": D(2026, 10, 21),
            "核查结果": "已收到,１３８１２３４５６７８",
        },
    ]
    standard(
        p,
        cust,
        c,
        extra={"礼品": table(GIFT, gifts), "设置": [["设置项", "值"], ["门店", PHONE_STORE], ["门店组别", "2"]]},
    )


# --- store workbooks as untrusted input (issue 20): every family is refused by name or read
# with a message; none stops the run or opens another file ---
MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def prefixed(xml: bytes, prefix: bytes = b"x") -> bytes:
    """The same sheet XML with every element written with a namespace prefix (`<x:worksheet
    xmlns:x="…main">`, `<x:c>`): valid XML that means exactly the same."""
    xml = re.sub(rb"<(/?)(?![?!])([A-Za-z])", rb"<\1" + prefix + rb":\2", xml)
    return xml.replace(MAIN_NS, b"xmlns:" + prefix + MAIN_NS[5:], 1)


@case(
    "61_prefixed_far_cell.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="isolate: sheet XML with a namespace prefix on every element (<x:c>) and a far cell written "
    "with a line break inside its tag: the guard reads elements by local name (limits.max_cells)",
)
def _(p):
    xlsx(p, {"客户": table(CUST, customers()), "回访记录": table(CALL, calls())})
    far = b'<row r="1048576"><c\n r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    rezip(p, lambda n, d: prefixed(d.replace(b"</sheetData>", far, 1)) if n == "xl/worksheets/sheet2.xml" else d)


@case(
    "62_prefixed_namespace.xlsx",
    counts=OK,
    stores=["62_prefixed_namespace"],
    values=[("customers", 2, "phone", "13812345678"), ("calls", 3, "outcome", "no_answer")],
    note="the same prefixed XML without a far cell: a valid workbook, read as usual",
)
def _(p):
    standard(p)
    rezip(p, lambda n, d: prefixed(d, b"ss") if n.startswith("xl/worksheets/") else d)


def _ods_bytes() -> bytes:
    """A tiny OpenDocument spreadsheet whose one row of text is repeated a million times."""
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="客户"><table:table-row table:number-rows-repeated="1048576">'
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        stamp = (2026, 11, 1, 9, 0, 0)
        z.writestr(zipfile.ZipInfo("mimetype", stamp), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(zipfile.ZipInfo("content.xml", stamp), content, zipfile.ZIP_DEFLATED)
        z.writestr(
            zipfile.ZipInfo("META-INF/manifest.xml", stamp),
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>',
            zipfile.ZIP_DEFLATED,
        )
    return out.getvalue()


@case(
    "63_ods_renamed.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="an OpenDocument spreadsheet renamed .xlsx (its one row repeated 16384 × 1048576 times): refused "
    "by its content, .ods is not read",
)
def _(p):
    p.write_bytes(_ods_bytes())


@case(
    "64_libreoffice.ods",
    FILE_FATAL,
    {},
    stores=[],
    note="an .ods file among the workbooks: named, not read (was skipped without a word)",
)
def _(p):
    p.write_bytes(_ods_bytes())


@case(
    "65_xlsb_renamed.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="an Excel binary workbook (.xlsb: xl/workbook.bin) renamed .xlsx: refused, its size cannot be checked",
)
def _(p):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        stamp = (2026, 11, 1, 9, 0, 0)
        z.writestr(zipfile.ZipInfo("[Content_Types].xml", stamp), b'<?xml version="1.0"?><Types/>')
        z.writestr(zipfile.ZipInfo("xl/workbook.bin", stamp), bytes(64))
        z.writestr(zipfile.ZipInfo("xl/worksheets/sheet1.bin", stamp), bytes(64))
    p.write_bytes(out.getvalue())


def _patched_xls(p: Path, find: bytes, at: int, value: bytes) -> None:
    """The legacy .xls of case 20 with the first `find` record's bytes at `at` replaced."""
    legacy = p.parent / "20_legacy.xls"
    data = bytearray((legacy if legacy.exists() else HERE / "20_legacy.xls").read_bytes())
    i = data.index(find)
    data[i + at : i + at + len(value)] = value
    p.write_bytes(bytes(data))


@case(
    "66_xls_dimensions_bomb.xls",
    FILE_FATAL,
    {},
    stores=[],
    note="isolate: a legacy .xls whose DIMENSIONS record declares 2 billion rows (the reader reserves them): "
    "limits.max_cells",
)
def _(p):
    _patched_xls(p, b"\x00\x02\x0e\x00", 8, (0x7FFFFFFF).to_bytes(4, "little"))


@case(
    "67_xls_far_cell.xls",
    FILE_FATAL,
    {},
    stores=[],
    note="isolate: a legacy .xls with one number at row 65536, column 16385 (a dense block of a billion "
    "cells): limits.max_cells",
)
def _(p):
    _patched_xls(p, b"\x03\x02\x0e\x00", 4, (0xFFFF).to_bytes(2, "little") + (0x4000).to_bytes(2, "little"))


@case(
    "68_xls_header_bomb.xls",
    FILE_FATAL,
    {},
    stores=[],
    note="a legacy .xls of 6 KB whose Compound File header claims two billion FAT sectors (a reader "
    "sizing its tables by the header reserves 8 GB): refused as damaged",
)
def _(p):
    _patched_xls(p, b"\xd0\xcf\x11\xe0", 44, (0x7FFFFFFF).to_bytes(4, "little"))


@case(
    "69_duplicate_parts.xlsx",
    FILE_FATAL,
    {},
    stores=[],
    note="a zip holding xl/worksheets/sheet1.xml twice (a harmless copy and one with a far cell): "
    "refused, the reader could pick the other copy",
)
def _(p):
    standard(p)
    src = p.read_bytes()
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        bomb = z.read("xl/worksheets/sheet1.xml").replace(b"</sheetData>", FAR_CELL, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
        rezip(p, extra={"xl/worksheets/sheet1.xml": bomb})


@case(
    "70_hidden_stale_customers.xlsx",
    [("Customers", None, None, False)],
    OK,
    values=[("customers", 3, "name", "李四"), ("customers", 2, "phone", "13812345678")],
    note="a hidden, stale customer sheet (Customers) before the visible 客户: the visible one is used and "
    "the hidden one named (the hidden one used to win without a word)",
)
def _(p):
    stale = customers(C002={"姓名": "旧名字"})[:2]
    xlsx(p, {"Customers": table(CUST, stale), "客户": table(CUST, customers()), "回访记录": table(CALL, calls())})
    rezip(
        p,
        lambda n, d: (
            d.replace(b'<sheet name="Customers"', b'<sheet name="Customers" state="hidden"', 1).replace(
                b'activeTab="0"', b'activeTab="1"'
            )
            if n == "xl/workbook.xml"
            else d
        ),
    )


@case(
    "71_error_values_in_dates.xlsx",
    [("客户", 3, "购买日期", True), ("回访记录", 3, "时间", True), ("回访记录", 4, "客户编号", True)],
    {"客户": [3, 2, 1], "回访记录": [3, 1, 2]},
    values=[("customers", 2, "purchase_date", "2026-10-01")],
    note="cached #N/A / #REF! in date columns (a broken lookup): a rejection naming the cell, not a blank date",
)
def _(p):
    cu = customers(C002={"购买日期": F("=VLOOKUP(A3,价格!A:B,2,FALSE)", "#N/A")})
    ca = calls()
    ca[1]["时间"] = F("=#REF!+1", "#REF!")
    standard(p, cu, ca)


@case(
    "72_playbook_path_in_a_cell.xlsx",
    [("设置", 2, "回访方案", False)],
    OK,
    stores=["72_playbook_path_in_a_cell"],
    note="设置 回访方案 holds a path (../../etc/passwd.toml): a cell is data, the file is never opened; "
    "the configured playbook is used",
)
def _(p):
    standard(p, extra={"设置": [["设置项", "值"], ["回访方案", "../../etc/passwd.toml"]]})


@case(
    "73_invisible_characters_in_ids.xlsx",
    [("客户", None, "客户编号", False), ("客户", None, "门店", False)],
    OK,
    values=[("customers", 2, "customer_id", "C001"), ("customers", 3, "customer_id", "C002")],
    note="ids and store names with a zero-width space, a BOM and a soft hyphen: removed before use (the "
    "calls still find their customers; a copy's customers are not counted twice), with a warning",
)
def _(p):
    cu = customers(
        C001={"客户编号": "C\u200b001", "门店": "一店\ufeff"},
        C002={"客户编号": "C0\u00ad02"},
    )
    standard(p, cu)


def build(folder: Path = HERE) -> list[dict]:
    for old in folder.glob("*.xls*"):
        if old.name != "20_legacy.xls" or legacy_possible():
            old.unlink()
    for old in [*folder.glob("~$*"), *folder.glob(".~lock.*#")]:
        old.unlink()
    out = []
    for c in CASES:
        path = folder / c["file"]
        c["build"](path)
        stem = path.stem
        stores = c["stores"] if c["stores"] is not None else [stem]
        out.append({k: v for k, v in c.items() if k != "build"} | {"stores": stores})
    (folder / "expected.json").write_text(
        json.dumps({"now": NOW, "cases": out}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return out


def legacy_possible() -> bool:
    try:
        import xlwt  # noqa: F401

        return True
    except ImportError:
        return False


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    target.mkdir(parents=True, exist_ok=True)
    cases = build(target)
    print(f"{len(cases)} corpus files written to {target}")
