"""Code.gs FOLLOWUP_TABLE (SPEC §4.1 automatic mode, a port of udfs/table) gives Python's
`followup_table(..., errors="row")` on random tables of every playbook: class, anchor, next date,
purpose, channel, owner, priority and status of every customer, error rows included.

node runs Code.gs with the two Apps Script services it uses stubbed (as tests/unit/test_appsscript.py
does), one process per zone: the script process under Asia/Shanghai, UTC and America/Los_Angeles
while the sheet is in Asia/Shanghai, so a date read in the wrong zone shows up as another day.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest
from fakes.apps_script_runtime import PRELUDE, run_node

from followup.addin.gsheets import make_appsscript
from followup.udfs import followup_table
from followup.udfs.playbook import get_playbook
from followup.udfs.schema import COMPUTED_COLUMNS, OUTCOMES

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

HARNESS = (
    PRELUDE
    + r"""
const CtxDate = vm.runInContext('Date', ctx);
function wallTime(y, m, d, h, mi) {  // a cell as Sheets delivers it: that wall time in the sheet's zone
  const wall = Date.UTC(y, m - 1, d, h, mi);
  let t = wall - offsetMinutes(wall, SHEET_TZ) * 60000;
  t = wall - offsetMinutes(t, SHEET_TZ) * 60000;
  return new CtxDate(t);
}
const cellIn = v => (v && typeof v === 'object' && 'date' in v) ? wallTime(...v.date.split(/[-T:]/).map(Number), 0, 0)
  : (v && typeof v === 'object' && 'time' in v) ? wallTime(...v.time.split(/[-T:]/).map(Number)) : v;
function cellOut(v) {
  if (!(v instanceof CtxDate)) return v;
  const o = parts(v, SHEET_TZ), day = `${o.year}-${o.month}-${o.day}`;
  return (o.hour === '00' && o.minute === '00') ? day : `${day} ${o.hour}:${o.minute}`;
}
const out = [];
for (const c of JSON.parse(fs.readFileSync(casesFile, 'utf8'))) {
  try {
    const rows = ctx.FOLLOWUP_TABLE(c.customers.map(r => r.map(cellIn)), c.calls.map(r => r.map(cellIn)),
                                    c.playbook, cellIn(c.today));
    out.push(rows.map(r => r.map(cellOut)));
  } catch (e) { out.push('error: ' + e.message); }
}
process.stdout.write(JSON.stringify(out));
"""
)

NEAR = [-3, -1, 0, 1, 2, 3, 4, 6, 7, 8, 10, 13, 14, 15, 16, 17, 28, 30, 31, 33, 45, 46, 59, 61, 90, 92]
COLUMNS = list(COMPUTED_COLUMNS)
CUSTOMER_HEAD = ["客户编号", "门店", "类别", "标记", "标记日期", "治疗次数"]


def _fact_keys(playbook: str) -> list[str]:
    from followup.addin.gsheets.make_appsscript import _table_data

    return _table_data(get_playbook(playbook))["facts"]


def random_case(rng: random.Random, playbook: str, n: int) -> dict:
    """A random customers range and call log (header rows first), as cells and as frames."""
    from followup.udfs.schema import CUSTOMER_COLUMNS, FACT_COLUMNS

    pb = get_playbook(playbook)
    facts = _fact_keys(playbook)
    heads = {**CUSTOMER_COLUMNS, **FACT_COLUMNS}
    base = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
    today = base + dt.timedelta(days=rng.randint(-5, 120))
    cust_rows, call_rows = [], []
    for i in range(n):
        row: dict = {"客户编号": f"K{i}", "门店": rng.choice(["一店", "二店"])}
        row["类别"] = rng.choice([""] * 3 + list(pb.classes) + ["未知类"] * (rng.random() < 0.03))
        row["标记"] = rng.choice(["", "", "", "", "", "拒访", "投诉", "不适", "公务车", "夜班", "投诉,公务车"])
        row["标记日期"] = base + dt.timedelta(days=rng.randint(0, 40)) if rng.random() < 0.5 else None
        row["治疗次数"] = rng.choice([None, 1, 3, 6, 7])
        anchor = base + dt.timedelta(days=rng.randint(-40, 40))
        for f in facts:
            if rng.random() < 0.3:
                row[heads[f]] = anchor + dt.timedelta(days=rng.randint(-20, 30))
        cls = pb.classes[row["类别"]] if row["类别"] in pb.classes else rng.choice(list(pb.classes.values()))
        if rng.random() < 0.9:
            row[heads[cls.anchor]] = anchor
        if rng.random() < 0.02:
            row[heads[facts[0]]] = "2026-02-30"  # a bad date: that row's error
        cust_rows.append(row)
        for _ in range(rng.randint(0, 8)):
            day = anchor + dt.timedelta(days=rng.choice(NEAR + [rng.randint(-5, 150)]))
            when = dt.datetime.combine(day, dt.time(rng.choice([9, 10, 14, 16]), rng.randint(0, 59)))
            call_rows.append(
                {
                    "客户编号": f"K{i}",
                    "时间": when,
                    "方式": rng.choice(["电话", "电话", "电话", "短信", "到店"]),
                    "结果": rng.choices(list(OUTCOMES) + ["", "??"], [30, 8, 20, 8, 4, 2, 1, 10, 1, 1])[0],
                }
            )
    rng.shuffle(call_rows)
    fact_heads = [heads[f] for f in facts if heads[f] not in CUSTOMER_HEAD]
    cust_head = CUSTOMER_HEAD + fact_heads
    call_head = ["时间", "客户编号", "方式", "结果"]

    def cell(v, kind="date"):
        if isinstance(v, dt.datetime):
            return {"time": v.strftime("%Y-%m-%dT%H:%M")} if rng.random() < 0.7 else v.strftime("%Y-%m-%d %H:%M")
        if isinstance(v, dt.date):
            r = rng.random()
            return {"date": v.isoformat()} if r < 0.6 else (v.isoformat() if r < 0.8 else f"{v.year}/{v.month}/{v.day}")
        return "" if v is None else v

    return {
        "playbook": playbook,
        "today": {"date": today.isoformat()},
        "customers": [cust_head] + [[cell(r.get(h)) for h in cust_head] for r in cust_rows],
        "calls": [call_head] + [[cell(r[h]) for h in call_head] for r in call_rows],
        "_frames": (
            pd.DataFrame([{h: r.get(h) for h in cust_head} for r in cust_rows], columns=cust_head),
            pd.DataFrame(call_rows, columns=call_head),
            today,
        ),
    }


def expected(case: dict) -> list[list]:
    cust, calls, today = case["_frames"]
    out = followup_table(cust, calls, case["playbook"], today, errors="row")
    rows = []
    for r in out.to_dict("records"):
        if r["status_code"] == "error":
            rows.append(["", "", "", "error", "", "", "", r["status"]])
            continue
        rows.append(
            [
                "" if pd.isna(r[c]) else (pd.Timestamp(r[c]).date().isoformat() if c.endswith("_date") else str(r[c]))
                for c in COLUMNS
            ]
        )
    return rows


def _run_node(tmp_path: Path, cases: list[dict], process_tz: str) -> list:
    clean = [{k: v for k, v in c.items() if k != "_frames"} for c in cases]
    return run_node(HARNESS, make_appsscript.CODE_GS, tmp_path, clean, process_tz, "Asia/Shanghai")


@pytest.mark.parametrize("process_tz", ["Asia/Shanghai", "UTC", "America/Los_Angeles"])
def test_followup_table_in_code_gs_gives_pythons_table(tmp_path, process_tz):
    seed = 20261207
    rng = random.Random(seed)
    cases = [
        random_case(rng, pb, rng.randint(1, 25))
        for _ in range(40)
        for pb in ("optometry", "aesthetics", "health_products")
    ]
    got = _run_node(tmp_path, cases, process_tz)
    compared = 0
    for i, (case, answer) in enumerate(zip(cases, got)):
        assert isinstance(answer, list), (seed, i, answer)
        assert answer[0] == [COMPUTED_COLUMNS[c] for c in COLUMNS]
        want = expected(case)
        rows = [["error" if r[7] == "数据错误" and k == 3 else v for k, v in enumerate(r)] for r in answer[1:]]
        for j, (w, g) in enumerate(zip(want, rows)):
            assert g == w, (f"seed {seed} case {i} row {j + 1} ({case['playbook']}, today {case['today']})", w, g)
            compared += 1
        assert len(rows) == len(want)
    assert compared > 1000


def test_an_error_row_names_the_row_and_the_others_are_computed(tmp_path):
    case = {
        "playbook": "optometry",
        "today": "2026-11-25",
        "customers": [["客户编号", "类别", "购买日期"], ["K1", "A", "2026-11-03"], ["K2", "A", "2026-02-30"]],
        "calls": [["时间", "客户编号", "方式", "结果"]],
    }
    got = _run_node(tmp_path, [case], "Asia/Shanghai")[0]
    assert got[1][:3] == ["A", "2026-11-03", "2026-11-06"]
    assert got[2][7] == "数据错误" and "第3行" in got[2][3] and "购买日期" in got[2][3]
