"""Output file names made from data (issue 20 item 4) and CSV formula neutralisation (item 5), on
real files: owners `A/B` and `A:B` keep two day books, a 222-byte owner and an owner with a phone
get bounded, masked names, SMS signatures differing only in punctuation keep separate batch
files, a NUL in a signature stops nothing — and every task and message survives, counted."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd

from followup.sync.cli import main
from followup.sync.crm.sms_export import SmsExport, export_sms
from followup.sync.csv_safe import FORMULA_STARTS
from followup.sync.demo import write_store_workbook
from followup.sync.filenames import MAX_NAME_BYTES
from followup.udfs.schema import CALL_COLUMNS, CUSTOMER_COLUMNS

DAY = dt.date(2026, 11, 24)
PHONE = re.compile(r"1[3-9]\d{9}")
LONG = "坐" * 74  # 222 bytes of UTF-8
OWNERS = {"A/B": 2, "A:B": 3, LONG: 2, "小王13812345678": 2, "小王13800005678": 1, "a\\b": 1}


def _customers() -> list[list]:
    keys = list(CUSTOMER_COLUMNS)
    rows, n = [], 0
    for owner, count in OWNERS.items():
        for _ in range(count):
            n += 1
            row = [None] * len(keys)
            for k, v in (
                ("customer_id", f"C{n:02d}"),
                ("name", f"客户{n}"),
                ("phone", f"139{n:08d}"),
                ("store", "测试店"),
                ("owner", owner),
                ("class", "D"),
                ("consult_date", dt.date(2026, 11, 1)),
                ("birthday", dt.date(1990, 11, 24)),  # a birthday message for everyone today
            ):
                row[keys.index(k)] = v
            rows.append(row)
    return rows


def _ids(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [
        v
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str) and re.fullmatch(r"C\d\d", v)
    ]


def test_day_books_one_per_owner_nothing_lost(tmp_path, capsys):
    store = write_store_workbook(
        tmp_path / "stores" / "测试店.xlsx",
        {
            "客户": [list(CUSTOMER_COLUMNS.values()), *_customers()],
            "回访记录": [list(CALL_COLUMNS.values())],
            "设置": [["设置项", "值"], ["门店", "测试店"]],
        },
    )
    out = tmp_path / "books"
    rc = main(["today", "--date", f"{DAY}", "--source", str(store.parent), "--out", str(out)])
    assert rc in (0, 1), capsys.readouterr()
    books = sorted(out.glob("*.xlsx"))
    assert len(books) == len(OWNERS)  # A/B and A:B, the two 小王 owners: never one book for two
    for b in books:
        assert len(b.name.encode("utf-8")) <= MAX_NAME_BYTES and not PHONE.search(b.name)
        assert b.name.startswith("今日回访_") and b.name.endswith(f"_{DAY}.xlsx")
    held = {b.name: set(_ids(b)) for b in books}
    everyone = {f"C{n:02d}" for n in range(1, sum(OWNERS.values()) + 1)}
    assert set().union(*held.values()) == everyone  # every customer's tasks are in a book
    assert sum(len(v) for v in held.values()) == len(everyone)  # … in exactly one
    assert sorted(len(v) for v in held.values()) == sorted(OWNERS.values())  # … their owner's


def _queued(signs: list[str]) -> pd.DataFrame:
    rows = []
    for n, sign in enumerate(signs):
        rows.append(
            {
                "store": "测试店",
                "customer_id": f"C{n}",
                "name": ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "＝1", "王芳"][n % 8],
                "phone": ["13900000001", "+86 139 0000 0002", "139-0000-0003"][n % 3],
                "sign": sign,
                "template": "FU_1",
                "template_title": "生日",
                "params": {"name": "x", "store": "=店", "date": "11月24日"},
                "text": "",
                "purpose": "-生日祝福",
                "owner": "小刘",
            }
        )
    return pd.DataFrame(rows)


def test_sms_batches_per_signature_nothing_lost_and_no_formula(tmp_path):
    signs = ["阿里云.短信", "阿里云,短信", "阿里云/短信", "阿里云:短信", "签名\x00", "", "阿里云.短信"] * 3
    exp = export_sms(SmsExport(day=DAY, queued=_queued(signs), excluded=pd.DataFrame()), tmp_path)
    csvs = sorted(tmp_path.glob("*.csv"))
    assert len(csvs) == len(set(signs))  # one file per signature
    assert sorted(p.stem for p in csvs) == sorted(p.stem for p in tmp_path.glob("*.json"))
    rows = []
    for p in csvs:
        assert len(p.name.encode()) <= MAX_NAME_BYTES and "\x00" not in p.name
        text = p.read_bytes().decode("utf-8-sig")
        got = list(csv.reader(io.StringIO(text)))
        rows += got[1:]
        signs_in = {r[1] for r in got[1:]}
        assert len(signs_in) == 1  # a file holds one account's messages
        for r in got:
            assert not any(c.startswith(FORMULA_STARTS) for c in r), r
    assert len(rows) == len(signs)  # every message survives
    assert {r[0] for r in rows} == {"13900000001", "13900000002", "13900000003"}  # gateway form, digits only
    assert sum(
        len(json.loads(req["PhoneNumberJson"]))
        for p in tmp_path.glob("*.json")
        for req in json.loads(p.read_text(encoding="utf-8"))
    ) == len(signs)
    assert {r[5] for r in rows} >= {'\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "'\t=1", "'＝1"}
    assert exp.review is not None and exp.review.is_file()
