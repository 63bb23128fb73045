"""FAQ ranking (accuracy on 20 questions × 32 typed queries), customer history, and their cell
functions in Excel (udfs.excel) and Google Sheets (Code.gs under node)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess

import pandas as pd
import pytest

from followup.addin.gsheets import make_appsscript
from followup.sync.demo.crm import FAQ_QUERIES, FAQ_ROWS
from followup.udfs import crm, excel
from followup.udfs.errors import BadArgument

FAQ = [["问题", "答案", "关键词"], *[list(r) for r in FAQ_ROWS]]
NODE = shutil.which("node")


def _top1() -> float:
    hits = sum(crm.faq_scores(q, FAQ)[0][1] == i for q, i in FAQ_QUERIES)
    return hits / len(FAQ_QUERIES)


def test_faq_top1_accuracy():
    """One ranking in every runtime (Excel, Lite, Sheets): measured 31/32."""
    assert len(FAQ_ROWS) == 20 and len(FAQ_QUERIES) >= 30
    assert _top1() >= 0.95


def test_faq_lookup_shapes_and_blank_query():
    assert crm.faq_lookup("", FAQ) == [] and crm.faq_lookup("zzzz", FAQ) == []
    best = crm.faq_lookup("几点关门", FAQ, top=2)
    assert best[0]["question"] == "营业时间是几点到几点?" and len(best) <= 2
    assert excel.FAQ_LOOKUP("发票", FAQ).startswith("可以开具")
    rows = excel.FAQ_LOOKUP("发票", FAQ, 3)
    assert rows[0][1] == "可以开发票吗?" and rows[0][2] >= rows[-1][2]
    assert excel.FAQ_LOOKUP("完全无关的话xyz", FAQ) == ""
    with pytest.raises(BadArgument):
        crm.faq_lookup("头晕", [["a", "b"], ["x", "y"]])


CUSTOMERS = [
    ["客户编号", "姓名", "电话", "门店", "类别", "咨询日期", "到店日期", "购买日期", "购买金额"],
    [
        "K1",
        "王芳",
        "13812345678",
        "一店",
        "A",
        dt.datetime(2026, 10, 1),
        dt.datetime(2026, 10, 3),
        dt.datetime(2026, 10, 3),
        1880,
    ],
    ["K2", "李强", "13900001111", "一店", "D", dt.datetime(2026, 10, 2), None, None, None],
]
CALLS = [
    ["时间", "客户编号", "坐席", "类型", "方式", "结果", "反馈"],
    [dt.datetime(2026, 10, 6, 10, 30), "K1", "小刘", "客户服务", "电话", "成功", "请回电 13912345678"],
    [dt.datetime(2026, 10, 5, 9, 0), "K2", "小刘", "客户服务", "电话", "成功", None],
    [dt.datetime(2026, 10, 18, 15, 0), "K1", "小王", "客户服务", "短信", "已发送", None],
]
GIFTS = [
    ["门店", "客户编号", "礼品", "价值", "发放日期", "核查结果"],
    ["一店", "K1", "保温杯", 129, dt.datetime(2026, 10, 4), "已收到"],
]
COMPLAINTS = [
    [
        "投诉编号",
        "投诉日期",
        "客户编号",
        "投诉内容",
        "投诉类别",
        "责任部门",
        "处理人",
        "处理状态",
        "处理结果",
        "解决日期",
        "回访日期",
    ],
    [
        "T1",
        dt.datetime(2026, 10, 10),
        "K1",
        "镜片有划痕",
        "产品质量",
        "配镜部",
        "张师傅",
        "已解决",
        "已更换镜片",
        dt.datetime(2026, 10, 12),
        dt.datetime(2026, 10, 15),
    ],
]


def test_customer_history_in_date_order_masked():
    rows = excel.CUSTOMER_HISTORY("k1", CUSTOMERS, CALLS, GIFTS, COMPLAINTS)
    assert rows[0] == ["日期", "事项", "内容", "结果", "经办"]
    assert rows[1][1] == "客户资料" and "138****5678" in rows[1][2]
    events = [r[1] for r in rows[2:]]
    assert events == [
        "咨询",
        "到店",
        "购买",
        "礼品",
        "客户服务·电话",
        "投诉 T1",
        "投诉 T1 解决",
        "投诉 T1 回访",
        "客户服务·短信",
    ]
    dates = [r[0] if isinstance(r[0], dt.datetime) else dt.datetime.combine(r[0], dt.time()) for r in rows[2:]]
    assert dates == sorted(dates)
    assert rows[4][2] == "金额 1880" and rows[6][2] == "请回电 139****5678" and rows[6][3] == "成功"
    assert not any("13812345678" in str(v) or "13912345678" in str(v) for r in rows for v in r)
    assert len(excel.CUSTOMER_HISTORY("K2", CUSTOMERS, CALLS)) == 4  # header, card, consult, one call
    for bad in ("", "K9"):
        with pytest.raises(BadArgument):
            excel.CUSTOMER_HISTORY(bad, CUSTOMERS, CALLS)


def test_customer_history_takes_frames():
    cust = pd.DataFrame(CUSTOMERS[1:], columns=CUSTOMERS[0])
    calls = pd.DataFrame(CALLS[1:], columns=CALLS[0])
    rows = crm.customer_history("K1", cust, calls, None, None)
    assert [r["event"] for r in rows][:2] == ["客户资料", "咨询"] and len(rows) == 6


# ---- Google Sheets: Code.gs under node agrees with Python -----------------------------------------

HARNESS = r"""
const vm = require('vm'), fs = require('fs');
const [code, casesFile] = process.argv.slice(2);
const ctx = {}; vm.createContext(ctx); vm.runInContext(fs.readFileSync(code, 'utf8'), ctx);
const D = vm.runInContext('Date', ctx);
const conv = v => (v && typeof v === 'object' && 'dt' in v) ? new D(...v.dt) :
  (Array.isArray(v) ? v.map(conv) : v);
const iso = v => (v instanceof D) ? v.getFullYear() + '-' + String(v.getMonth() + 1).padStart(2, '0') + '-' +
  String(v.getDate()).padStart(2, '0') + ' ' + String(v.getHours()).padStart(2, '0') + ':' + String(v.getMinutes()).padStart(2, '0') : v;
const c = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
const out = {faq: c.queries.map(q => ctx.FAQ_LOOKUP(q, c.faq, 1) === '' ? null : ctx.FAQ_LOOKUP(q, c.faq, 3)),
             history: ctx.CUSTOMER_HISTORY('K1', ...conv(c.tables)).map(r => r.map(iso))};
process.stdout.write(JSON.stringify(out));
"""


def _js(v):
    if isinstance(v, dt.datetime):
        return {"dt": [v.year, v.month - 1, v.day, v.hour, v.minute]}
    if isinstance(v, list):
        return [_js(x) for x in v]
    return v


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_code_gs_agrees(tmp_path):
    assert make_appsscript.main(["--check"]) == 0
    queries = [q for q, _ in FAQ_QUERIES] + ["", "完全无关xyz"]
    (tmp_path / "h.js").write_text(HARNESS, encoding="utf-8")
    (tmp_path / "c.json").write_text(
        json.dumps(
            {"faq": FAQ, "queries": queries, "tables": _js([CUSTOMERS, CALLS, GIFTS, COMPLAINTS])}, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    proc = subprocess.run(
        [NODE, str(tmp_path / "h.js"), str(make_appsscript.CODE_GS), str(tmp_path / "c.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    for q, js in zip(queries, got["faq"]):
        py = crm.faq_lookup(q, FAQ, top=3)
        if not py:
            assert js is None, q
            continue
        assert [r[1] for r in js] == [h["question"] for h in py], q
        assert all(abs(r[2] - h["score"]) <= 0.1 for r, h in zip(js, py)), q
    py_rows = excel.CUSTOMER_HISTORY("K1", CUSTOMERS, CALLS, GIFTS, COMPLAINTS)
    shown = [
        [
            (
                f"{v:%Y-%m-%d %H:%M}"
                if isinstance(v, dt.datetime)
                else f"{v:%Y-%m-%d} 00:00"
                if isinstance(v, dt.date)
                else v
            )
            for v in r
        ]
        for r in py_rows
    ]
    assert got["history"] == shown
