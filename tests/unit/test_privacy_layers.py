"""The choke points every outgoing text passes (SPEC §3.5): the xlsx writer, the console, the
standard streams and logs, rejections and exceptions. Each is checked on its own here; the
property test `tests/property/test_no_phone_leaks.py` checks them together on a real sync."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import sys
import zipfile

import openpyxl
from rich.table import Table

from followup.sync.cli.output import MaskedConsole, masked_output
from followup.sync.model import Rejection
from followup.sync.reports.xlsx_out import SheetWriter, build_workbook
from followup.sync.sources.gsheets.errors import GSheetsError, scrub
from followup.udfs.errors import FollowupError

PHONE = "13812345678"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def test_every_string_sheet_name_chart_and_property_of_a_report_is_masked(tmp_path):
    def fill(wb, f):
        sw = SheetWriter(wb, f"店{PHONE}", f)
        sw.title(f"标题 {PHONE}")
        sw.line(["客户改号Tel." + PHONE, 13812345678, 13812345678.0, 42])
        sw.ws.write(5, 0, "写 138-1234-5678")
        sw.ws.write_comment(5, 0, "备注 " + PHONE)
        sw.finish()
        chart = wb.add_chart({"type": "column"})
        chart.add_series({"name": "系列 " + PHONE, "values": [sw.ws.get_name(), 0, 3, 0, 3]})
        chart.set_title({"name": "图 " + PHONE})
        sw.ws.insert_chart(8, 0, chart)

    path = tmp_path / "r.xlsx"
    build_workbook(path, dt.datetime(2026, 11, 16, 12), fill, title="文件 " + PHONE)
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n).decode("utf-8") for n in z.namelist()}
    assert any(n.startswith("xl/charts/") for n in parts) and any(n.startswith("xl/comments") for n in parts)
    for name, xml in parts.items():
        assert PHONE not in _digits(xml.replace("138****5678", "").replace("138＊＊＊＊5678", "")), name
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["店138＊＊＊＊5678"]
    ws = wb.active
    assert [c.value for c in ws[3]][:4] == ["客户改号Tel.138****5678", "138****5678", "138****5678", 42]
    assert ws["A6"].value == "写 138****5678"
    assert wb.properties.title == "文件 138****5678"


def test_the_console_masks_table_cells_before_they_are_wrapped():
    buf = io.StringIO()
    console = MaskedConsole(file=buf, width=24, highlight=False)
    table = Table(title="店 " + PHONE)
    table.add_column("备注")
    table.add_row("客户改号Tel.13812345678 请回电")
    console.print(table)
    console.print("[值: No.13812345678]", markup=False)
    out = buf.getvalue()
    assert "138****" in out
    assert "1234" not in out and PHONE not in _digits(out)


def test_masked_output_masks_prints_logs_and_uncaught_tracebacks(monkeypatch):
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    factory = logging.getLogRecordFactory()
    try:
        with masked_output():
            print("客户 138-1234-5678")
            logging.getLogger("followup.test").warning("改号 %s", "Tel." + PHONE)
            try:
                raise ValueError("坏值 " + PHONE)
            except ValueError:
                sys.excepthook(*sys.exc_info())
        record = logging.getLogRecordFactory()("x", logging.INFO, "f", 1, "号 %s", (PHONE,), None)
        assert record.getMessage() == "号 138****5678"
    finally:
        logging.setLogRecordFactory(factory)
    assert sys.stdout is out and sys.stderr is err
    text = out.getvalue() + err.getvalue()
    assert "客户 138****5678" in out.getvalue() and "坏值 138****5678" in err.getvalue()
    assert PHONE not in _digits(text.replace("138****5678", ""))


def test_masked_output_decodes_and_masks_bytes_written_by_echo(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    with masked_output():
        sys.stdout.write("已上传 ".encode())
        sys.stdout.write(("客户 " + PHONE + "\n").encode())
    assert out.getvalue() == "已上传 客户 138****5678\n"


def test_a_rejection_masks_its_value_and_message_whoever_builds_it():
    r = Rejection("一店.xlsx", "回访记录", 3, "处理状态", "已回电13912345678", "值 Tel.13812345678 无效", False)
    assert r.value == "已回电139****5678" and r.message == "值 Tel.138****5678 无效"
    assert "[值: 已回电139****5678]" in r.line()
    assert Rejection(f"{PHONE}.xlsx", "客户", None, None, None, "x").line().startswith("138****5678.xlsx")


def test_exception_messages_are_masked():
    assert str(FollowupError("门店 Tel.13812345678 的配置无效")) == "门店 Tel.138****5678 的配置无效"
    assert "138****5678" in str(GSheetsError("cell 138.1234.5678", where="表"))
    assert scrub("Bearer abc.def 客户 13812345678") == "Bearer *** 客户 138****5678"


def test_only_a_phone_field_is_written_in_full(tmp_path):
    import pandas as pd

    from followup.sync.reports.xlsx_out import PhoneField

    def fill(wb, f):
        sw = SheetWriter(wb, "清单", f)
        sw.frame(pd.DataFrame({"phone": [PhoneField(PHONE)], "name": ["王五 " + PHONE]}))
        sw.finish()

    path = tmp_path / "agent.xlsx"
    build_workbook(path, dt.datetime(2026, 11, 16, 12), fill)
    ws = openpyxl.load_workbook(path).active
    assert [ws["A2"].value, ws["B2"].value] == [PHONE, "王五 138****5678"]
