"""Headless recalculation of every template with the `formulas` library and the real cell
functions: each computed cell must equal what the engine returns directly for the same rows.

`formulas` evaluates the FOLLOWUP_TABLE dynamic array itself (as an array formula over its
spill range) once structured references are expanded to A1 ranges: see
followup.templates.recalc and followup.templates.udf_bridge for how the UDFs are registered.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from followup.templates.builder import build_template
from followup.templates.layout import MANUAL_COLUMNS, MANUAL_INPUTS, PLAYBOOKS, TABLES, layout, sheet_name
from followup.templates.recalc import recalculate
from followup.templates.samples import SAMPLE_TODAY
from followup.templates.structured import read_table, tables_of
from followup.udfs.engine import followup_step, next_followup
from followup.udfs.quotas import WEEK_STATUS, quota_check
from followup.udfs.schema import COMPUTED_COLUMNS
from followup.udfs.table import followup_table

pytest.importorskip("formulas")
EPOCH = dt.date(1899, 12, 30)
CASES = [
    (pb, lang, today) for lang in ("zh", "en") for pb in PLAYBOOKS for today in (SAMPLE_TODAY, dt.date(2026, 12, 2))
]


def serial(v):
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, pd.Timestamp):
        v = v.date()
    if isinstance(v, dt.date):
        return float((v - EPOCH).days)
    if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
        return ""
    return v


def same(got, want) -> bool:
    if isinstance(got, (int, float)) and isinstance(want, (int, float)) and not isinstance(got, bool):
        return abs(float(got) - float(want)) < 1e-9
    return got == want


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    d = tmp_path_factory.mktemp("recalc")
    return {(pb, lang): build_template(pb, lang, d) for lang in ("zh", "en") for pb in PLAYBOOKS}


@pytest.mark.parametrize("pb,lang,today", CASES, ids=[f"{p}-{lang}-{t}" for p, lang, t in CASES])
def test_recalculated_cells_equal_the_engine(built, pb, lang, today):
    path = built[(pb, lang)]
    got, errors = recalculate(path, today)
    assert errors == []
    assert got, "no formula was evaluated"
    wb = openpyxl.load_workbook(path)
    lay = layout(pb, lang)
    checked = 0

    # 客户: the FOLLOWUP_TABLE spill vs followup_table() on the same rows
    if lay.computed:
        head, rows = read_table(wb, TABLES["customers"])
        c_head, c_rows = read_table(wb, TABLES["calls"])
        customers = pd.DataFrame(rows, columns=head)
        calls = pd.DataFrame(c_rows, columns=c_head)
        want = followup_table(customers, calls, pb, today)
        sheet = sheet_name("customers", lang)
        start = len(lay.customer_keys) + 2  # 1-based column after the spacer: 客户编号, then the computed ones
        id_col = get_column_letter(start)
        assert got[(sheet, f"{id_col}1")] == "客户编号"
        assert [got[(sheet, f"{id_col}{i + 2}")] for i in range(len(want))] == list(want["customer_id"])
        start += 1
        for j, key in enumerate(COMPUTED_COLUMNS):
            col = get_column_letter(start + j)
            assert got[(sheet, f"{col}1")] == COMPUTED_COLUMNS[key]
            for i, value in enumerate(want[key]):
                cell = (sheet, f"{col}{i + 2}")
                assert same(got[cell], serial(value)), (cell, got[cell], value)
                checked += 1
        assert (sheet, f"{get_column_letter(start)}{len(want) + 2}") not in got  # spill is exactly n rows
        assert got[(sheet, f"{get_column_letter(start + len(COMPUTED_COLUMNS))}1")] == ""  # the note: functions present
        assert (sheet, f"{get_column_letter(start + len(COMPUTED_COLUMNS) + 1)}1") not in got

        # 手动模式: per-row NEXT_FOLLOWUP / FOLLOWUP_STEP vs the engine
        m_head, m_rows = read_table(wb, TABLES["manual"])
        msheet = sheet_name("manual", lang)
        keys_m = list(MANUAL_COLUMNS)
        for i, r in enumerate(m_rows):
            args = [r[keys_m.index(k)] for k in MANUAL_INPUTS] + [pb, today]
            step = followup_step(*args)
            expect = {
                "next_date": serial(next_followup(*args)),
                "purpose": step.purpose,
                "channel": step.channel,
                "owner_role": step.owner,
            }
            for key, value in expect.items():
                cell = (msheet, f"{get_column_letter(keys_m.index(key) + 1)}{i + 2}")
                assert same(got[cell], value), (cell, got[cell], value)
                checked += 1

    # 配额: native formulas vs quota_check() on the call log
    c_head, c_rows = read_table(wb, TABLES["calls"])
    times = [r[c_head.index(lay.h("call_time"))] for r in c_rows]
    outcomes = [r[c_head.index(lay.h("outcome"))] for r in c_rows]
    s_head, s_rows = read_table(wb, TABLES["settings"])
    group = next(r[1] for r in s_rows if r[0] == lay.h("store_group"))
    monday = today - dt.timedelta(days=today.weekday())
    q = quota_check(times, outcomes, group, monday)
    qs = sheet_name("quota", lang)
    yes, no = ("是", "否") if lang == "zh" else ("yes", "no")
    assert same(got[(qs, "B3")], serial(q.week_start))
    for i, d in enumerate(q.days):
        r = 6 + i
        expect = {
            "A": serial(d.date),
            "C": yes if d.working else no,
            "D": d.successes,
            "E": d.target if d.working else "",
            "F": (yes if d.successes >= d.target else no) if d.working else "",
        }
        for col, value in expect.items():
            assert same(got[(qs, f"{col}{r}")], value), (qs, f"{col}{r}", got[(qs, f"{col}{r}")], value)
            checked += 1
    lo, hi = q.weekly_target
    status = WEEK_STATUS[q.status] if lang == "zh" else q.status
    even = ("均衡" if q.even else "不均衡") if lang == "zh" else ("even" if q.even else "uneven")
    for cell, value in (
        ("D13", q.total),
        ("E13", ("周目标 " if lang == "zh" else "target ") + f"{lo}-{hi}"),
        ("F13", status),
        ("F14", even),
        ("H16", q.daily_target),
    ):
        assert same(got[(qs, cell)], value), (cell, got[(qs, cell)], value)
        checked += 1
    assert checked > 20


def test_recalc_with_a_busier_week_flags_evenness(tmp_path):
    """Edit the call log (all successes on one day) and recalculate: the formulas follow."""
    path = build_template("retail", "zh", tmp_path)
    wb = openpyxl.load_workbook(path)
    t = tables_of(wb)[TABLES["calls"].lower()]
    ws = wb[t.sheet]
    col_time, col_out = t.col("时间"), t.col("结果")
    for r in range(t.min_row + 1, t.max_row + 1):
        ws.cell(r, col_time).value = dt.datetime(2026, 11, 24, 10, 0)
        ws.cell(r, col_out).value = "成功"
    wb.save(path)
    got, errors = recalculate(path, SAMPLE_TODAY)
    assert errors == []
    n = t.max_row - t.min_row
    assert got[("配额", "D7")] == n and got[("配额", "D13")] == n
    assert got[("配额", "F14")] == "不均衡"
