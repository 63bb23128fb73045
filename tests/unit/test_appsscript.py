"""Code.gs (the Google Sheets cell functions) agrees with the Python engine on every case.

≥ 10,000 generated cases (random classes/anchors/calls_done/last_call/failed/flags/today across
all playbooks, deterministic seed) plus every golden row are exported to JSON; `node` loads
Code.gs in a vm context and evaluates them. Only the two services Code.gs uses are stubbed:
SpreadsheetApp.getActive().getSpreadsheetTimeZone() (the sheet's zone) and Utilities.formatDate
(implemented with Intl and the zone it is given). Date arguments are built at midnight in the
sheet's zone, as Sheets delivers date cells, and node runs under several process zones (the
script project's zone), so a reading in the wrong zone shows up as a different day.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakes.apps_script_runtime import PRELUDE, run_node

from followup.addin.gsheets import make_appsscript
from followup.udfs.calendar import report_deadline, week_label
from followup.udfs.callwindow import call_window
from followup.udfs.closing import CLOSING, OUTCOME_CODES, log_entry, retry_due, steps_closed
from followup.udfs.engine import followup_route, plan
from followup.udfs.errors import FollowupError
from followup.udfs.excel import CALENDAR_NOTE
from followup.udfs.playbook import builtin_playbooks, get_playbook
from followup.udfs.privacy import mask_phone

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

HARNESS = (
    PRELUDE
    + r"""
const CtxDate = vm.runInContext('Date', ctx);  // Apps Script hands date cells over as Date objects
function sheetMidnight(y, m, d) {  // a date cell as Sheets delivers it: midnight in the sheet's zone
  const wall = Date.UTC(y, m - 1, d);
  let t = wall - offsetMinutes(wall, SHEET_TZ) * 60000;
  t = wall - offsetMinutes(t, SHEET_TZ) * 60000;
  const o = parts(new Date(t), SHEET_TZ);
  if (`${o.year}-${o.month}-${o.day} ${o.hour}:${o.minute}` !== `${y}-${pad(m)}-${pad(d)} 00:00`)
    throw new Error('no midnight ' + y + '-' + m + '-' + d + ' in ' + SHEET_TZ);
  return new CtxDate(t);
}
function cell(d) {  // a returned Date as the sheet shows it: must be a whole day in the sheet's zone
  const o = parts(d, SHEET_TZ), day = `${o.year}-${o.month}-${o.day}`;
  return (o.hour === '00' && o.minute === '00' && o.second === '00') ? day : `${day} ${o.hour}:${o.minute}:${o.second}`;
}
const arg = v => (v && typeof v === 'object' && 'date' in v) ?
  sheetMidnight(...v.date.split('-').map(Number)) : v;
const out = [];
for (const c of JSON.parse(fs.readFileSync(casesFile, 'utf8'))) {
  let got;
  try {
    const args = c.args.map(arg);
    if (c.fn === 'plan') {
      const d = ctx.NEXT_FOLLOWUP(...args), s = ctx.FOLLOWUP_STEP(...args)[0];
      got = [d === '' ? null : cell(d), s[0], s[1], s[2]];
    } else {
      got = ctx[c.fn](...args);
      if (c.fn === 'REPORT_DEADLINE' && got instanceof CtxDate) {  // an instant: Shanghai wall-clock time
        got = formatDate(got, 'Asia/Shanghai', 'yyyy-MM-dd HH:mm');
      }
    }
  } catch (e) { got = 'error'; }
  out.push(got);
}
process.stdout.write(JSON.stringify(out));
"""
)
PROCESS_ZONES = ["Asia/Shanghai", "UTC", "America/Los_Angeles"]


def _run_node(
    tmp_path: Path, cases: list[dict], process_tz: str = "Asia/Shanghai", sheet_tz: str = "Asia/Shanghai"
) -> list:
    return run_node(HARNESS, make_appsscript.CODE_GS, tmp_path, cases, process_tz, sheet_tz)


def _today_in(zone: str) -> dt.date:
    return dt.datetime.now(ZoneInfo(zone)).date()


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _expected_plan(args: list, today: dt.date | None = None) -> object:
    """The Python engine's answer; an empty or omitted `today` is `today` (the sheet zone's)."""
    py = [dt.date.fromisoformat(a["date"]) if isinstance(a, dict) else a for a in args]
    py += [None] * (8 - len(py))
    if _blank(py[6]):
        py[6] = "optometry"
    if _blank(py[7]):
        py[7] = today
    try:
        p = plan(*py)
    except FollowupError:
        return "error"
    return [p.date.isoformat() if p.date else None, p.purpose, p.channel, p.owner]


def _shown_deadline(expected: object, sheet_tz: str) -> object:
    """REPORT_DEADLINE in Sheets: the instant (a Date) where the sheet's zone shows Shanghai's wall
    time then, else the text `… (Asia/Shanghai)` (a Date would show another wall time there)."""
    if not isinstance(expected, str) or expected == "error":
        return expected
    at = dt.datetime.strptime(expected, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    same = at.utcoffset() == at.astimezone(ZoneInfo(sheet_tz)).utcoffset()
    return expected if same else f"{expected} (Asia/Shanghai)"


def _agree(tmp_path: Path, cases: list[dict], process_tz: str, sheet_tz: str) -> tuple[list, list]:
    """(expected, got), computed twice if the sheet zone's date changed during the run."""
    for _ in range(2):
        today = _today_in(sheet_tz)
        expected = [
            (_shown_deadline(c["expected"], sheet_tz) if c["fn"] == "REPORT_DEADLINE" else c["expected"])
            if "expected" in c
            else _expected_plan(c["args"], today)
            for c in cases
        ]
        got = _run_node(tmp_path, cases, process_tz, sheet_tz)
        if _today_in(sheet_tz) == today:
            return expected, got
    raise AssertionError("the date changed twice during the run")


def _date_arg(rng: random.Random, day: dt.date):
    """The same date as a cell may deliver it: Date object, ISO, 2026/11/3, 2026年11月3日, serial."""
    r = rng.random()
    if r < 0.35:
        return {"date": day.isoformat()}
    if r < 0.6:
        return day.isoformat()
    if r < 0.72:
        return f"{day.year}/{day.month}/{day.day}"
    if r < 0.84:
        return f"{day.year}年{day.month}月{day.day}日"
    if r < 0.92:
        return (day - dt.date(1899, 12, 30)).days
    return f"{day.isoformat()} 10:20"


FLAGS = [
    "",
    "",
    "",
    None,
    "投诉",
    "不适",
    "拒访",
    "夜班",
    "难沟通",
    "投诉, 夜班",
    "拒访、投诉",
    "complaint",
    "dnc",
    "不适；难沟通",
    "VIP",
    "公务车",
    "公务车, 投诉",
    "公务车、拒访",
]


def generated_cases(n: int = 12000, seed: int = 20261123) -> list[dict]:
    rng = random.Random(seed)
    books = [b for b in builtin_playbooks()]
    cases = []
    start = dt.date(2024, 1, 1)
    for _ in range(n):
        name = rng.choice(books + [b for b in books if get_playbook(b).classes])  # those with classes twice
        pb = get_playbook(name)
        names = []
        for code, c in pb.classes.items():
            names += [code, c.title, *c.aliases]
        cls = rng.choice(names) if names and rng.random() < 0.97 else rng.choice(["", "Z类", None])
        anchor_day = start + dt.timedelta(days=rng.randint(0, 1200))
        if rng.random() < 0.1:  # month ends: clamping
            anchor_day = dt.date(anchor_day.year, anchor_day.month, 28) + dt.timedelta(days=rng.randint(0, 3))
        anchor = _date_arg(rng, anchor_day) if rng.random() > 0.02 else None
        done = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 20])
        last = None
        if rng.random() < 0.75:
            last_day = anchor_day + dt.timedelta(days=rng.randint(-5, 400))
            last = _date_arg(rng, last_day)
        failed = rng.choice([0, 0, 0, 1, 1, 2, 3])
        today = _date_arg(rng, anchor_day + dt.timedelta(days=rng.randint(-10, 420))) if rng.random() < 0.8 else None
        flags = rng.choice(FLAGS)
        playbook = name if rng.random() < 0.9 else rng.choice(["", None, " Optometry "])
        if rng.random() < 0.01:  # bad arguments: both sides must refuse
            done = rng.choice([-1, 1.5, "x"])
        if rng.random() < 0.005:
            anchor = "2026-02-30"
        args = [
            cls,
            anchor,
            rng.choice([done, str(done)]) if isinstance(done, int) else done,
            last,
            failed,
            flags,
            playbook,
            today,
        ]
        if rng.random() < 0.3:  # row-mode parity arguments: store size, calls this month
            args += [
                rng.choice([None, "", 120, 300, 301, "350"]),
                rng.choice([None, 5, 20, 20.5, "25"]),
                rng.choice([None, 0, 3, 4, "5"]),
            ]
            if rng.random() < 0.02:  # bad ones: both sides must refuse
                args[rng.choice([8, 10])] = rng.choice([-1, 1.5, "x"])
        cases.append({"fn": "plan", "args": args})
    return cases


def other_cases(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(600):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 16 * 365 - 1))
        d = _date_arg(rng, day)
        out.append({"fn": "WEEK_LABEL", "args": [d], "expected": week_label(day)})
        flags = rng.choice(["", "夜班", "投诉", ""])
        out.append({"fn": "CALL_WINDOW", "args": [d, flags], "expected": call_window(day, flags)})
        # SPEC §3.7: a year without the official schedule says so (2020–2023, 2027–…), the same text
        out.append({"fn": "CALENDAR_NOTE", "args": [d], "expected": CALENDAR_NOTE(day)})
    for _ in range(300):
        digits = "1" + str(rng.randint(3, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(9))
        shape = rng.choice(
            [
                digits,
                int(digits),
                f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
                f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
                "0086" + digits,
                digits[:8],
                digits[:5],
                f"{digits}.0",
                "",
                None,
            ]
        )
        out.append({"fn": "MASK_PHONE", "args": [shape], "expected": mask_phone(shape)})
    for _ in range(400):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 15 * 365))
        kind = rng.choice(["weekly", "gift", "monthly", "回访记录单", "礼品", "汇总", " Monthly ", "月报", "周报"])
        out.append(
            {
                "fn": "REPORT_DEADLINE",
                "args": [kind, _date_arg(rng, day)],
                "expected": report_deadline(kind, day).strftime("%Y-%m-%d %H:%M"),
            }
        )
    out.append({"fn": "REPORT_DEADLINE", "args": ["季报", "2026-11-18"], "expected": "error"})
    for name in builtin_playbooks():
        pb = get_playbook(name)
        for code, c in pb.classes.items():
            for outcome in ["到店已购", "到店未购", "未到店", "再次预约", "成功", "success", "", "其他", "*"]:
                for cls in (code, c.title):
                    out.append(
                        {
                            "fn": "FOLLOWUP_ROUTE",
                            "args": [cls, outcome, name],
                            "expected": followup_route(cls, outcome, name),
                        }
                    )
    return out


def golden_cases(golden_dir: Path) -> list[dict]:
    cases = []
    with open(golden_dir / "next_followup.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            args = [
                row["class"],
                row["anchor"],
                int(row["calls_done"] or 0),
                row["last_call"] or None,
                int(row["failed_attempts"] or 0),
                row["flags"],
                row["playbook"],
                row["today"] or None,
            ]
            cases.append({"fn": "plan", "args": args, "golden": row["expected"] or None, "note": row["note"]})
    with open(golden_dir / "calendar.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            fn = {"week_label": "WEEK_LABEL", "mask_phone": "MASK_PHONE", "call_window": "CALL_WINDOW"}.get(
                row["function"]
            )
            if fn:
                cases.append({"fn": fn, "args": [row["input"]], "expected": row["expected"], "note": row["note"]})
    return cases


def test_code_gs_is_current():
    assert make_appsscript.CODE_GS.read_text(encoding="utf-8") == make_appsscript.render(), (
        "Code.gs is stale: run python -m followup.addin.gsheets.make_appsscript"
    )


@pytest.fixture(scope="module")
def all_cases() -> list[dict]:
    return generated_cases() + other_cases()


@pytest.mark.parametrize("process_tz", PROCESS_ZONES)
def test_generated_cases_agree(tmp_path, all_cases, process_tz):
    """Sheet in Asia/Shanghai, script/process in each zone: Date inputs at the sheet's midnight."""
    cases = all_cases
    expected, got = _agree(tmp_path, cases, process_tz, "Asia/Shanghai")
    plans = sum(1 for c in cases if c["fn"] == "plan")
    assert plans >= 10_000
    assert sum(1 for c in cases for a in c["args"] if isinstance(a, dict)) > 3000  # Date objects
    # the cases are not degenerate: most give a date, some are transitions/none/errors
    dated = sum(1 for c, e in zip(cases, expected) if c["fn"] == "plan" and isinstance(e, list) and e[0])
    assert dated > plans * 0.4 and any(e == "error" for e in expected)
    bad = [(c, e, g) for c, e, g in zip(cases, expected, got) if e != g]
    assert not bad, f"{len(bad)} of {len(cases)} disagree under TZ={process_tz}, e.g. {bad[:3]}"


@pytest.mark.parametrize("process_tz", ["Asia/Shanghai", "UTC"])
def test_sheet_in_a_zone_with_daylight_saving(tmp_path, all_cases, process_tz):
    """A sheet in America/Los_Angeles (DST) read from scripts elsewhere: still the same days."""
    cases = all_cases[::4]
    expected, got = _agree(tmp_path, cases, process_tz, "America/Los_Angeles")
    bad = [(c, e, g) for c, e, g in zip(cases, expected, got) if e != g]
    assert not bad, f"{len(bad)} of {len(cases)} disagree, e.g. {bad[:3]}"


def today_omitted_cases(n: int = 1500, seed: int = 11) -> list[dict]:
    """=NEXT_FOLLOWUP(F2, J2, 0, , , M2): playbook and today left out (undefined in Apps Script)."""
    rng = random.Random(seed)
    base = _today_in("Asia/Shanghai")
    cases = []
    for _ in range(n):
        anchor = base - dt.timedelta(days=rng.randint(0, 500))
        last = rng.choice([None, {"date": (anchor + dt.timedelta(days=rng.randint(0, 60))).isoformat()}])
        flags = rng.choice(["投诉", "不适", "投诉, 夜班", "", "拒访", "complaint"])
        args = [
            rng.choice(["A", "B", "C", "D", "已购买"]),
            {"date": anchor.isoformat()},
            rng.randint(0, 6),
            last,
            rng.choice([0, 0, 1]),
            flags,
        ]
        if rng.random() < 0.3:
            args += ["", ""]  # empty cells instead of omitted arguments
        cases.append({"fn": "plan", "args": args})
    return cases


@pytest.mark.parametrize("process_tz", PROCESS_ZONES)
def test_today_omitted_is_today_in_the_sheet_zone(tmp_path, process_tz):
    cases = today_omitted_cases()
    expected, got = _agree(tmp_path, cases, process_tz, "Asia/Shanghai")
    today = _today_in("Asia/Shanghai").isoformat()
    assert sum(1 for e in expected if isinstance(e, list) and e[0] == today) > 200  # urgent flags hit today
    bad = [(c, e, g) for c, e, g in zip(cases, expected, got) if e != g]
    assert not bad, f"{len(bad)} of {len(cases)} disagree under TZ={process_tz}, e.g. {bad[:3]}"


@pytest.mark.golden
def test_golden_rows_agree(tmp_path, golden_dir):
    cases = golden_cases(golden_dir)
    got = _run_node(tmp_path, cases)
    bad = []
    for c, g in zip(cases, got):
        if c["fn"] == "plan":
            want_py = _expected_plan(c["args"])
            if g != want_py or g[0] != c["golden"]:
                bad.append((c, want_py, g))
        elif g != c["expected"]:
            bad.append((c, c["expected"], g))
    assert not bad, bad
    assert len(cases) >= 32 + 7


def test_appsscript_json_sets_the_script_zone():
    manifest = json.loads((make_appsscript.HERE / "appsscript.json").read_text(encoding="utf-8"))
    assert manifest["timeZone"] == "Asia/Shanghai" and manifest["runtimeVersion"] == "V8"


def test_code_gs_reads_no_date_in_the_script_zone():
    """Local getters/constructors would use the script project's zone, not the spreadsheet's."""
    js = make_appsscript.INTERPRETER.read_text(encoding="utf-8")
    for banned in ("getFullYear(", "getMonth(", "getDate(", "getHours(", "new Date(p[0]"):
        assert banned not in js, banned


def closing_cases() -> list[dict]:
    """Every outcome × channel × step channel × failed dials × attempt limit × may-act, and the
    counts manual mode derives: Code.gs's rule functions against `followup.udfs.closing`."""
    cases = []
    for outcome, by_sms, sms_step, failed, limit, acts in itertools.product(
        [*OUTCOME_CODES, "", "其他"], [False, True], [False, True], range(4), [1, 2, 3], [False, True]
    ):
        e = log_entry(OUTCOME_CODES.get(outcome, 0), by_sms, sms_step, failed, limit, acts)
        cases.append(
            {
                "fn": "fuLogEntry_",
                "args": [outcome, by_sms, sms_step, failed, limit, acts],
                "expected": {k: (int(v) if k == "failed" else bool(v)) for k, v in e._asdict().items()},
            }
        )
    for done, failed, limit in itertools.product(range(3), range(4), [1, 2, 3]):
        cases.append(
            {"fn": "fuStepsClosed_", "args": [done, failed, limit], "expected": steps_closed(done, failed, limit)}
        )
        cases.append({"fn": "fuRetryDue_", "args": [failed, limit], "expected": bool(retry_due(failed, limit))})
    return cases


def test_code_gs_closes_steps_by_the_engines_rule(tmp_path):
    data = make_appsscript.build_data()
    assert data["closing"] == {kind: list(outcomes) for kind, outcomes in CLOSING.items()}
    assert (
        "followup/udfs/closing.py" in make_appsscript.CODE_GS.read_text(encoding="utf-8").split("var FOLLOWUP_DATA")[0]
    )
    cases = closing_cases()
    got = _run_node(tmp_path, cases)
    bad = [(c, g) for c, g in zip(cases, got) if g != c["expected"]]
    assert not bad, f"{len(bad)} of {len(cases)} disagree, e.g. {bad[:3]}"
    assert sum(1 for c in cases if c["fn"] == "fuLogEntry_" and c["expected"]["close"]) > 50
