"""A simulated year of agents (issue 19): per playbook a store of customers with random facts,
stepped day by day; the agents do exactly what the day list says, with random outcomes, the
outcomes go into the log, and the engine recomputes. After every day the seeds' invariants are
checked (`check_day`); a violation names the seed, the playbook, the day and the customer, so
the day can be replayed (`--seed S --playbook P --days N`).

    .venv/bin/python bench/simulate.py                       # thousands of customers, every playbook
    .venv/bin/python bench/simulate.py --customers 300 --days 365 --seed 7 --playbook health_products

The test suite runs a small size of the same simulation (tests/unit/test_simulated_year.py).
Row mode (`walk_one` + `engine.plan`), table mode (`followup_table`) and Code.gs (the cell
function under node, one process per run) are compared on every customer every day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from followup.addin.gsheets import make_appsscript
from followup.sync.today import day_list
from followup.udfs import followup_table
from followup.udfs.callwindow import call_window, is_working_day, next_working_day
from followup.udfs.engine import plan
from followup.udfs.errors import FollowupError
from followup.udfs.playbook import builtin_playbooks, get_playbook
from followup.udfs.schema import flag_codes
from followup.udfs.table.compiled import compile_playbook
from followup.udfs.table.prep import canonical_frame, derive_classes
from followup.udfs.table.walk_one import walk_one

PLAYBOOKS = tuple(name for name in builtin_playbooks() if get_playbook(name).classes)  # every per-customer one
START = dt.date(2026, 9, 1)  # crosses National Day, the year end, the 2027 Spring Festival and 调休 weekends
PHONE_OUTCOMES = ["成功", "无人接听", "关机", "停机", "空号", "拒访", "未完成"]
PHONE_WEIGHTS = [50, 22, 8, 3, 2, 2, 13]
MAX_DUE_DAYS = 10  # no customer stays due longer than this without a new fact (cap waits excepted)
CAP_TEXT = "达到上限"
OPEN = {"overdue", "due_today", "retry", "upcoming"}


@dataclass
class Violation:
    seed: int
    playbook: str
    day: dt.date
    customer: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return (
            f"seed={self.seed} playbook={self.playbook} day={self.day} customer={self.customer}: "
            f"{self.rule}: {self.detail}"
        )


@dataclass
class Store:
    """What `day_list` needs of a store."""

    name: str
    customers: pd.DataFrame
    playbook: str


@dataclass
class World:
    playbook: str
    seed: int
    rng: random.Random
    people: list[dict] = field(default_factory=list)  # every customer, arrived or not
    log: list[dict] = field(default_factory=list)
    dials: dict[tuple, int] = field(default_factory=lambda: defaultdict(int))  # failed dials per occurrence
    # unreachable closings: the SMS day expected, the facts version and the day the step closed
    sms_owed: dict[str, tuple[dt.date, int, dt.date]] = field(default_factory=dict)
    due_since: dict[str, tuple[dt.date, int]] = field(default_factory=dict)  # due run start, facts version
    version: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # new facts per customer
    by_cust: dict[str, list] = field(default_factory=lambda: defaultdict(list))  # (time, outcome, channel)
    month_calls: dict[tuple[str, dt.date], int] = field(default_factory=lambda: defaultdict(int))
    row_share: float = 1.0  # the share of customers compared with row mode and Code.gs each day …
    sample: random.Random = field(default_factory=lambda: random.Random(0))  # … drawn apart from the outcomes
    gs_cases: list[dict] = field(default_factory=list)
    gs_where: list[tuple[dt.date, str]] = field(default_factory=list)
    gs_tables: list[tuple[dt.date, dict, list[list[str]]]] = field(default_factory=list)  # FOLLOWUP_TABLE cases
    table_every: int = 1  # FOLLOWUP_TABLE in Code.gs is compared on every n-th day
    violations: list[Violation] = field(default_factory=list)
    customer_days: int = 0

    def fail(self, day: dt.date, cid: str, rule: str, detail: str) -> None:
        self.violations.append(Violation(self.seed, self.playbook, day, cid, rule, detail))


def _d(day: dt.date, n: int) -> dt.date:
    return day + dt.timedelta(days=n)


def new_customers(playbook: str, n: int, rng: random.Random, days: int) -> list[dict]:
    """Random customers arriving over the simulated period, with the facts of their playbook."""
    out = []
    for i in range(n):
        arrive = _d(START, rng.randint(-40, max(days - 30, 1)))
        c: dict = {
            "customer_id": f"{playbook[:1].upper()}{i:05d}",
            "name": f"客户{i}",
            "phone": f"138{rng.randint(0, 99_999_999):08d}",
            "store": "一店",
            "owner": rng.choice(["小刘", "小王"]),
            "arrive": arrive,
            "flags": ",".join(
                f for f, p in (("夜班", 0.1), ("公务车", 0.05), ("拒访", 0.03), ("难沟通", 0.03)) if rng.random() < p
            ),
            "birthday": dt.date(1980 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28)),
        }
        if playbook == "optometry":
            c["consult_date"] = arrive
            kind = rng.choice(["A", "B", "C", "D"])
            if kind == "A":
                c["visit_date"] = c["purchase_date"] = arrive
                c["amount"] = rng.choice([1800, 3200, 6000])
            elif kind == "B":
                c["visit_date"] = arrive
            elif kind == "C":
                c["appointment_date"] = _d(arrive, rng.randint(2, 12))
        elif playbook == "aesthetics":
            kind = rng.choice(["PRE", "PRE", "SURGERY", "COURSE"])
            c["consult_date"] = arrive
            if kind == "PRE" and rng.random() < 0.3:
                c["appointment_date"] = _d(arrive, rng.randint(1, 10))
            if kind == "SURGERY":
                c["surgery_date"] = arrive
                if rng.random() < 0.5:
                    c["discharge_date"] = _d(arrive, rng.randint(1, 5))
                c["stitch_removal_date"] = _d(arrive, 7)
            if kind == "COURSE":
                c["treatment_date"], c["treatment_count"] = arrive, 1
        else:  # any other playbook: a random class, its anchor on the arrival day
            c[get_playbook(playbook).classes[rng.choice(sorted(get_playbook(playbook).classes))].anchor] = arrive
        out.append(c)
    return out


def _frame(people: list[dict], day: dt.date) -> pd.DataFrame:
    rows = [{k: v for k, v in p.items() if k != "arrive"} for p in people if p["arrive"] <= day]
    return pd.DataFrame(rows)


def _logframe(log: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(log, columns=["customer_id", "call_time", "channel", "outcome", "store"])


def _date(v: object) -> dt.date | None:
    return None if v is None or pd.isna(v) else pd.Timestamp(v).date()


def _urgent_flag(flags: str, pb) -> bool:
    return bool(flag_codes(flags) & set(pb.urgent_flags))


def row_mode(world: World, cust: pd.DataFrame, start_cls: list[str], day: dt.date) -> dict[str, tuple]:
    """Manual mode per customer: `walk_one` over its log, then `engine.plan` (and the Code.gs case)."""
    pb = get_playbook(world.playbook)
    by_cust = world.by_cust
    out = {}
    for c, cls in zip(cust.to_dict("records"), start_cls):
        cid = c["customer_id"]
        if not cls or (world.row_share < 1 and world.sample.random() >= world.row_share):
            continue
        anchor = _date(c.get(pb.classes[cls].anchor))
        if anchor is None:
            continue
        flags = c.get("flags") or ""
        marks = flag_codes(flags)
        w = walk_one(
            pb,
            cls,
            anchor,
            by_cust.get(cid, []),
            today=day,
            dnc="dnc" in marks,
            sms_only=bool(marks & set(pb.sms_flags)),
            urgent=_urgent_flag(flags, pb),
            flag_day=_date(c.get("flag_date")),
        )
        text = flags + (",拒访" if w.dnc and "dnc" not in marks else "")
        if not w.urgent_open:
            text = ",".join(f for f in text.split(",") if flag_codes(f).isdisjoint(pb.urgent_flags))
        p = plan(
            w.cls,
            w.anchor,
            w.calls_done,
            w.last,
            w.failed_attempts,
            text,
            world.playbook,
            day,
            closed_dates=list(w.closed),
            dnc_since=w.dnc_since,
        )
        args = [
            w.cls,
            w.anchor.isoformat(),
            w.calls_done,
            w.last.isoformat() if w.last else None,
            w.failed_attempts,
            text,
            world.playbook,
            day.isoformat(),
        ]
        out[cid] = (p, w, args)
    return out


def check_day(world: World, day: dt.date, table: pd.DataFrame, tasks: pd.DataFrame, rows: dict) -> None:
    """The seeds' invariants on one day's table and day list (SPEC §3.2, §3.4, §3.5, §3.7)."""
    pb = get_playbook(world.playbook)
    records = table.to_dict("records")
    flags = {p["customer_id"]: p.get("flags") or "" for p in world.people}
    ts = pd.Timestamp(day)
    for r in records:
        cid = r["customer_id"]
        world.customer_days += 1
        nxt = _date(r["next_date"])
        # do-not-call customers are never due by phone
        if r["dnc"] and nxt is not None and r["channel"] == "电话":
            world.fail(day, cid, "do-not-call due by phone", str(r["purpose"]))
        # the SMS after an unreachable closing: the next working day, unless none may be sent
        owed_at = world.sms_owed.get(cid)
        owed = owed_at[0] if owed_at and owed_at[1] == world.version[cid] else None  # a new fact makes it moot
        sms = _date(r["sms_date"])
        if sms is not None and not is_working_day(sms):
            world.fail(day, cid, "SMS task on a day off", str(sms))
        if owed is not None:
            if sms is None and not r["dnc"]:
                world.fail(day, cid, "no SMS after an unreachable closing", f"expected {owed}")
            elif sms is not None and sms != owed:
                world.fail(day, cid, "unreachable SMS on the wrong day", f"{sms} != {owed}")
        # row mode = table mode (and the Code.gs case recorded for the batch run)
        if cid in rows and r["status_code"] not in ("cancelled", "missing_anchor"):
            p, w, args = rows[cid]
            event = r["channel"] == "到店" or r["purpose"] in _EVENT_PURPOSES[world.playbook]
            if not event and p.date != nxt:
                world.fail(
                    day, cid, "row mode != table mode", f"row {p.date} ({p.purpose}) table {nxt} ({r['purpose']})"
                )
        # no customer stays due for ever without a new fact
        due = nxt is not None and nxt <= day and r["status_code"] in OPEN and CAP_TEXT not in str(r["purpose"])
        if due:
            since, ver = world.due_since.get(cid, (day, world.version[cid]))
            if ver != world.version[cid]:
                since, ver = day, world.version[cid]
            world.due_since[cid] = (since, ver)
            if (day - since).days > MAX_DUE_DAYS:
                world.fail(day, cid, "due for too long without a new fact", f"since {since}: {r['purpose']}")
        else:
            world.due_since.pop(cid, None)
    # health products: at most 4 contacts a customer a month
    if pb.max_calls_per_month:
        for (cid, month), n in world.month_calls.items():
            if month == day.replace(day=1) and n > pb.max_calls_per_month:
                world.fail(day, cid, "more than the monthly cap", f"{n} calls this month")
    # the day list holds exactly the table's due tasks
    want = set()
    for r in records:
        cid = r["customer_id"]
        if not pd.isna(r["next_date"]) and r["next_date"] <= ts and r["status_code"] in OPEN and r["channel"]:
            want.add((cid, r["channel"], str(r["purpose"])))
        if not pd.isna(r["sms_date"]) and r["sms_date"] <= ts:
            want.add((cid, "短信", str(r["sms_purpose"])))
    listed = {
        (x.customer_id, x.task, x.purpose)
        for x in tasks.itertuples()
        if x.customer_id and x.task in ("电话", "短信", "到店") and x.purpose not in _DAILY_SMS[world.playbook]
    }
    for cid, task, purpose in sorted(want - listed):
        world.fail(day, cid, "due in the table, not on the day list", f"{task} {purpose}")
    for cid, task, purpose in sorted(listed - want):
        world.fail(day, cid, "on the day list, not due in the table", f"{task} {purpose}")
    # calls only inside their windows: days off and night-shift customers in the afternoon
    for x in tasks.itertuples():
        if x.task == "电话":
            win = call_window(day, flags.get(x.customer_id, ""))
            if x.window != win or not win:
                world.fail(day, x.customer_id, "call outside its windows", f"{x.window} vs {win}")
            if (not is_working_day(day) or "night_shift" in flag_codes(flags.get(x.customer_id, ""))) and (
                "10:00" in win
            ):
                world.fail(day, x.customer_id, "morning call on a day off or for a night-shift customer", win)


_DAILY_SMS = {  # the day list's own SMS (greetings, reminders, the playbook's daily list): not table tasks
    name: {"感谢昨日到店(首诊)", "生日祝福", "明日到店/预约提醒"} | {r.purpose for r in get_playbook(name).daily_sms}
    for name in PLAYBOOKS
}
_EVENT_PURPOSES = {
    name: {e.purpose for c in get_playbook(name).classes.values() for e in c.events} for name in PLAYBOOKS
}


def act(world: World, day: dt.date, table: pd.DataFrame, tasks: pd.DataFrame) -> None:
    """The agents do what the day list says, with random outcomes; new facts follow."""
    rng = world.rng
    pb = get_playbook(world.playbook)
    t = {r["customer_id"]: r for r in table.to_dict("records")}
    people = {p["customer_id"]: p for p in world.people}
    done: set[tuple[str, str]] = set()
    for x in tasks.itertuples():
        cid = x.customer_id
        if not cid or x.task not in ("电话", "短信", "到店") or (cid, x.task, x.purpose) in done:
            continue
        done.add((cid, x.task, x.purpose))
        if CAP_TEXT in str(x.purpose):
            continue  # the list says not to call again this month
        r = t.get(cid)
        if x.task == "短信":
            _log(world, cid, day, 9, "短信", "已发送")
            continue
        if x.task == "到店":
            _log(world, cid, day, 15, "到店", "成功")
            continue
        hour = 10 if "10:00" in str(x.window) else 14
        outcome = rng.choices(PHONE_OUTCOMES, PHONE_WEIGHTS)[0]
        if r is not None:
            urgent = bool(r["urgent"])  # a new flag date is a new urgent step
            flagged = str(people[cid].get("flag_date")) if urgent else ""
            key = (cid, r["current_class"], str(r["anchor_date"]), int(r["steps_closed"]), urgent, flagged)
            if world.dials[key] >= pb.max_attempts:
                world.fail(day, cid, "a step dialled a third time", f"{x.purpose}")
            if outcome in ("无人接听", "关机", "停机"):
                world.dials[key] += 1
                if world.dials[key] == pb.max_attempts:
                    world.sms_owed[cid] = (next_working_day(day), world.version[cid], day)
        _log(world, cid, day, hour, "电话", outcome)
        if outcome in ("成功", "未完成"):
            _new_facts(world, people[cid], day, r)
    # an owed SMS is settled once it was sent or a later phone entry superseded it
    for cid in list(world.sms_owed):
        last = [e for e in world.by_cust.get(cid, []) if e[0].date() == day]
        if any(e[2] == "短信" for e in last) or (any(e[2] == "电话" for e in last) and world.sms_owed[cid][2] < day):
            del world.sms_owed[cid]
    _scheduled_facts(world, day)


def _log(world: World, cid: str, day: dt.date, hour: int, channel: str, outcome: str) -> None:
    when = dt.datetime.combine(day, dt.time(hour, len(world.by_cust[cid]) % 60))
    world.log.append({"customer_id": cid, "call_time": when, "channel": channel, "outcome": outcome, "store": "一店"})
    world.by_cust[cid].append((when, outcome, channel))
    if channel == "电话":
        world.month_calls[(cid, day.replace(day=1))] += 1


def _fact(world: World, p: dict, key: str, value: object) -> None:
    p[key] = value
    world.version[p["customer_id"]] += 1


def _new_facts(world: World, p: dict, day: dt.date, r: dict | None) -> None:
    """What a connected call may bring: a booking, a complaint, a visit, the next treatment."""
    rng = world.rng
    if rng.random() < 0.02:  # a complaint or an adverse reaction: (again) flagged from today
        flag = rng.choice(["投诉", "不适"])
        old = [f for f in (p.get("flags") or "").split(",") if f]
        _fact(world, p, "flags", ",".join(old + [flag] * (flag not in old)))
        _fact(world, p, "flag_date", day)
    cls = None if r is None else r["current_class"]
    if world.playbook == "optometry" and cls in ("B", "D") and rng.random() < 0.15:
        _fact(world, p, "appointment_date", _d(day, rng.randint(2, 10)))
    if world.playbook == "aesthetics":
        if cls == "PRE" and rng.random() < 0.08:
            _fact(world, p, "visit_date", day)
        if cls in ("COURSE", "COURSE_LAST") and p.get("treatment_count"):
            p["next_treatment"] = _d(day, rng.randint(4, 14))


def _scheduled_facts(world: World, day: dt.date) -> None:
    """Shows, no-shows and purchases on appointment days; treatments and course ends."""
    rng = world.rng
    for p in world.people:
        if p["arrive"] > day:
            continue
        if world.playbook == "optometry" and p.get("appointment_date") == day and rng.random() < 0.6:
            _fact(world, p, "visit_date", day)
            if rng.random() < 0.4:
                _fact(world, p, "purchase_date", day)
                p["amount"] = rng.choice([1800, 3200, 6000])
        if world.playbook == "aesthetics" and p.get("next_treatment") == day:
            del p["next_treatment"]
            n = int(p.get("treatment_count") or 1) + 1
            _fact(world, p, "treatment_date", day)
            _fact(world, p, "treatment_count", n)
            if n >= 6 or rng.random() < 0.15:
                _fact(world, p, "course_end_date", day)  # often entered on the treatment's own day


def run(
    playbook: str,
    customers: int,
    days: int,
    seed: int,
    *,
    node: bool = True,
    start: dt.date = START,
    row_share: float = 1.0,
    table_every: int = 1,
    until: dt.date | None = None,
) -> World:
    """Simulate `days` days of one store of `customers` customers; returns the world and its violations."""
    rng = random.Random(f"{seed}:{playbook}")
    world = World(playbook, seed, rng, row_share=row_share, table_every=table_every)
    world.people = new_customers(playbook, customers, rng, days)
    pb = get_playbook(playbook)
    cp = compile_playbook(pb)
    for i in range(days):
        day = _d(start, i)
        if until is not None and day > until:  # replay up to a day (the world is the same)
            break
        cust = _frame(world.people, day)
        if cust.empty:
            continue
        log = _logframe(world.log)
        try:
            table = followup_table(cust, log, playbook, day)
        except FollowupError as e:
            world.fail(day, "-", "the table raised", str(e))
            break
        canon = canonical_frame(cust, "customers")
        cls, _, _ = derive_classes(cp, canon)
        start_cls = [cp.codes[c] if c >= 0 else "" for c in cls]
        rows = row_mode(world, cust, start_cls, day)
        for cid, (_, _, args) in rows.items():
            world.gs_cases.append({"fn": "plan", "args": args})
            world.gs_where.append((day, cid))
        if i % world.table_every == 0:
            world.gs_tables.append((day, _gs_table_case(cust, world.log, playbook, day), _table_cells(table)))
        tasks = day_list([Store("一店", cust, playbook)], {"一店": table}, day)
        check_day(world, day, table, tasks, rows)
        act(world, day, table, tasks)
    if node and shutil.which("node"):
        check_code_gs(world)
    return world


_COMPUTED = ["current_class", "anchor_date", "next_date", "purpose", "channel", "owner_role", "priority", "status"]


def _cell(v: object) -> object:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _gs_table_case(cust: pd.DataFrame, log: list[dict], playbook: str, day: dt.date) -> dict:
    """The two ranges FOLLOWUP_TABLE gets in the sheet (header rows first)."""
    heads = list(cust.columns)
    calls = ["customer_id", "call_time", "channel", "outcome"]
    return {
        "fn": "table",
        "playbook": playbook,
        "today": day.isoformat(),
        "customers": [heads] + [[_cell(v) for v in row] for row in cust.itertuples(index=False)],
        "calls": [calls] + [[_cell(e[k]) for k in calls] for e in log],
    }


def _table_cells(table: pd.DataFrame) -> list[list[str]]:
    """The Python table's 8 computed columns as the sheet shows them."""
    out = []
    for r in table[_COMPUTED].to_dict("records"):
        row = []
        for k in _COMPUTED:
            v = r[k]
            row.append("" if pd.isna(v) else pd.Timestamp(v).date().isoformat() if k.endswith("_date") else str(v))
        out.append(row)
    return out


NODE_HARNESS = r"""
const vm = require('vm'), fs = require('fs');
const [code, casesFile] = process.argv.slice(2);
const TZ = 'Asia/Shanghai';
const pad = n => String(n).padStart(2, '0');
function parts(d, tz) {
  const f = new Intl.DateTimeFormat('en-US', {timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'});
  const o = {}; for (const p of f.formatToParts(d)) o[p.type] = p.value; return o;
}
function formatDate(d, tz, fmt) {
  const o = parts(d, tz);
  const wall = Date.UTC(+o.year, +o.month - 1, +o.day, +o.hour, +o.minute, +o.second);
  const off = Math.round((wall - (d.getTime() - ((d.getTime() % 1000) + 1000) % 1000)) / 60000);
  const Z = (off < 0 ? '-' : '+') + pad(Math.floor(Math.abs(off) / 60)) + pad(Math.abs(off) % 60);
  const map = {yyyy: o.year, MM: o.month, dd: o.day, HH: o.hour, mm: o.minute, ss: o.second, Z: Z};
  return fmt.replace(/yyyy|MM|dd|HH|mm|ss|Z/g, t => map[t]);
}
const ctx = {SpreadsheetApp: {getActive: () => ({getSpreadsheetTimeZone: () => TZ})}, Utilities: {formatDate}};
vm.createContext(ctx); vm.runInContext(fs.readFileSync(code, 'utf8'), ctx);
const out = [];
const Day = vm.runInContext('Date', ctx);
const cellOut = v => (v instanceof Day) ? formatDate(v, TZ, 'yyyy-MM-dd') : v;
for (const c of JSON.parse(fs.readFileSync(casesFile, 'utf8'))) {
  try {
    if (c.fn === 'table') {
      out.push(ctx.FOLLOWUP_TABLE(c.customers, c.calls, c.playbook, c.today).slice(1).map(r => r.map(cellOut)));
      continue;
    }
    const d = ctx.NEXT_FOLLOWUP(...c.args);
    out.push(d === '' ? null : formatDate(d, TZ, 'yyyy-MM-dd'));
  } catch (e) { out.push('error: ' + e.message); }
}
process.stdout.write(JSON.stringify(out));
"""


def run_code_gs(cases: list[dict], process_tz: str = "Asia/Shanghai") -> list:
    """Code.gs on `cases` in one node process: {"fn": "plan", "args": [...]} → NEXT_FOLLOWUP's day
    (ISO or None), {"fn": "table", ...} → FOLLOWUP_TABLE's rows; a failed call gives "error: …"."""
    with tempfile.TemporaryDirectory() as tmp:
        harness, path = Path(tmp) / "h.js", Path(tmp) / "cases.json"
        harness.write_text(NODE_HARNESS, encoding="utf-8")
        path.write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
        proc = subprocess.run(
            ["node", str(harness), str(make_appsscript.CODE_GS), str(path)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"TZ": process_tz, "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-500:])
    out: list = json.loads(proc.stdout)
    return out


def check_code_gs(world: World, process_tz: str = "Asia/Shanghai") -> None:
    """Code.gs's NEXT_FOLLOWUP on every row-mode case of the run and FOLLOWUP_TABLE on the days
    recorded, in one node process, against the Python cell function given the same cells (Code.gs
    has no `closed_dates`/`dnc_since`) and against table mode."""
    if not world.gs_cases and not world.gs_tables:
        return
    try:
        got = run_code_gs(world.gs_cases + [case for _, case, _ in world.gs_tables], process_tz)
    except RuntimeError as e:
        world.fail(START, "-", "Code.gs did not run", str(e))
        return
    for (day, _, want_rows), answer in zip(world.gs_tables, got[len(world.gs_cases) :]):
        if not isinstance(answer, list):
            world.fail(day, "-", "Code.gs FOLLOWUP_TABLE failed", str(answer))
            continue
        for want_row, got_row in zip(want_rows, answer):
            if want_row != got_row:
                world.fail(day, "-", "Code.gs FOLLOWUP_TABLE != table mode", f"{got_row} vs {want_row}")
    for case, answer, (day, cid) in zip(world.gs_cases, got, world.gs_where):
        want = plan(*case["args"]).date
        if answer != (want.isoformat() if want else None):
            world.fail(day, cid, "Code.gs != row mode", f"Code.gs {answer} Python {want} for {case['args']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=2000, help="customers per playbook")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--playbook", choices=PLAYBOOKS, action="append")
    ap.add_argument("--no-node", action="store_true", help="skip the Code.gs comparison")
    ap.add_argument("--until", type=dt.date.fromisoformat, help="stop after this day (replay a violation)")
    ap.add_argument("--table-every", type=int, default=7, help="compare Code.gs FOLLOWUP_TABLE every n-th day")
    ap.add_argument(
        "--row-share", type=float, default=0.1, help="share of customers compared with row mode / Code.gs each day"
    )
    args = ap.parse_args(argv)
    total = 0
    for name in args.playbook or PLAYBOOKS:
        t0 = time.perf_counter()
        w = run(
            name,
            args.customers,
            args.days,
            args.seed,
            node=not args.no_node,
            row_share=args.row_share,
            table_every=args.table_every,
            until=args.until,
        )
        secs = time.perf_counter() - t0
        print(
            f"{name}: {args.customers} customers, {args.days} days from {START}, seed {args.seed}: "
            f"{w.customer_days} customer-days, {len(w.log)} log entries, {len(w.gs_cases)} Code.gs cases, "
            f"{len(w.gs_tables)} Code.gs tables, "
            f"{len(w.violations)} violations, {secs:.1f} s"
        )
        for v in w.violations[:20]:
            print("  ", v)
        total += len(w.violations)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
