"""SPEC §3.7's bullets from "Every step follows the two-dial rule" on (issue 19), one test a rule,
each in table mode, row mode (through `walk_one`, the walk for one customer) and, where the
rule lives in the cell function, Code.gs. Each test cites the seed line it rests on."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from followup.sync.today import day_list
from followup.udfs import followup_table
from followup.udfs.engine import plan
from followup.udfs.playbook import get_playbook
from followup.udfs.table.prep import canonical_frame
from followup.udfs.table.walk_one import walk_one

D = dt.date
SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def cites(seed: str, quote: str) -> None:
    """The quoted line is in the seed (when the seeds are beside the clone)."""
    files = list(SEEDS.glob(f"{seed}_*.txt")) if SEEDS.is_dir() else []
    if files:
        assert quote in files[0].read_text(encoding="utf-8"), (seed, quote)


def _log(cid: str, *entries: tuple[str, str, str]) -> list[dict]:
    return [{"客户编号": cid, "时间": t, "方式": ch, "结果": o} for t, ch, o in entries]


def table(customers: list[dict], calls: list[dict], playbook: str, today: str) -> pd.DataFrame:
    log = pd.DataFrame(calls, columns=["客户编号", "时间", "方式", "结果"])
    return followup_table(pd.DataFrame(customers), log, playbook, today).set_index("customer_id")


def day(value: object) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def row_mode(playbook: str, cls: str, anchor: dt.date, calls: list[dict], today: str, flags: str = "", **kw):
    """Manual mode given what the walk knows (the agent's cells), as the property test does."""
    pb = get_playbook(playbook)
    t = D.fromisoformat(today)
    entries = [(pd.Timestamp(c["时间"]).to_pydatetime(), c["结果"], c["方式"]) for c in calls]
    w = walk_one(pb, cls, anchor, entries, today=t, dnc="拒访" in flags, urgent="投诉" in flags, **kw)
    marks = flags + (",拒访" if w.dnc else "")
    if not w.urgent_open:
        marks = marks.replace("投诉", "")
    return w, plan(
        w.cls,
        w.anchor,
        w.calls_done,
        w.last,
        w.failed_attempts,
        marks,
        playbook,
        t,
        closed_dates=list(w.closed),
        dnc_since=w.dnc_since,
    )


# --- Every step follows the two-dial rule, repeats included -------------------------------------


@pytest.mark.parametrize(
    "cls, field, anchor, done, due",
    [
        ("A", "购买日期", "2026-03-05", [("2026-03-08", "成功"), ("2026-03-20", "成功")], D(2026, 4, 5)),
        (
            "D",
            "咨询日期",
            "2026-03-05",
            [("2026-03-12", "成功"), ("2026-03-20", "成功"), ("2026-04-04", "成功")],
            D(2026, 5, 5),
        ),
    ],
)
def test_a_failed_monthly_repeat_closes_at_the_second_dial(cls, field, anchor, done, due):
    cites("002", "第二次如仍未接听或回复的,不得再次拨打")
    cites("000", "以后每满一个月进行电话回访一次")
    calls = _log("K1", *[(f"{d} 10:00", "电话", o) for d, o in done])
    first = table([{"客户编号": "K1", "类别": cls, field: anchor}], calls, "optometry", due.isoformat())
    assert day(first.loc["K1", "next_date"]) == due
    failed = calls + _log("K1", (f"{due} 10:00", "电话", "无人接听"))
    one = table([{"客户编号": "K1", "类别": cls, field: anchor}], failed, "optometry", str(due + dt.timedelta(1)))
    assert one.loc["K1", "status_code"] == "due_today" and day(one.loc["K1", "next_date"]) == due + dt.timedelta(1)
    second = failed + _log("K1", (f"{due + dt.timedelta(1)} 15:00", "电话", "关机"))
    for extra in range(3):  # however long nobody dials again, the repeat stays closed
        today = str(due + dt.timedelta(2 + extra))
        out = table([{"客户编号": "K1", "类别": cls, field: anchor}], second, "optometry", today)
        nxt = day(out.loc["K1", "next_date"])
        assert nxt is not None and nxt.day == 5 and nxt.month == due.month + 1, out.loc["K1"].to_dict()
        assert out.loc["K1", "status_code"] == "unreachable"
        assert day(out.loc["K1", "sms_date"]) is not None  # the SMS follows
        w, p = row_mode("optometry", cls, D.fromisoformat(anchor), second, today)
        assert p.date == nxt and p.sms_date == day(out.loc["K1", "sms_date"])


def test_a_failed_routine_care_call_closes_at_the_second_dial():
    cites("004", "日常客情维护:试客户接受程度选一月内1到4次")
    cites("002", "第二次如仍未接听或回复的,不得再次拨打")
    cust = [{"客户编号": "H1", "类别": "NEW", "收货日期": "2026-03-02"}]
    steps = [("2026-03-04", "成功"), ("2026-03-10", "成功"), ("2026-03-11", "成功"), ("2026-03-20", "成功")]
    calls = _log("H1", *[(f"{d} 10:00", "电话", o) for d, o in steps])
    assert day(table(cust, calls, "health_products", "2026-04-20").loc["H1", "next_date"]) == D(2026, 4, 20)
    calls += _log("H1", ("2026-04-20 10:00", "电话", "无人接听"), ("2026-04-21 10:00", "电话", "无人接听"))
    out = table(cust, calls, "health_products", "2026-04-22")
    # closed unreachable on the 21st: the SMS the next working day, the next care call a month on
    assert day(out.loc["H1", "next_date"]) == D(2026, 5, 21) and day(out.loc["H1", "sms_date"]) == D(2026, 4, 22)
    assert row_mode("health_products", "NEW", D(2026, 3, 2), calls, "2026-04-22")[1].date == D(2026, 5, 21)


# --- Complaint / adverse-reaction flags: one urgent step ----------------------------------------


def test_a_complaint_flag_makes_one_urgent_step_that_a_connected_call_closes():
    cites("000", "特殊情况(如投诉、不适反应等)第一时间回访")
    cust = [{"客户编号": "K1", "类别": "A", "购买日期": "2026-11-03", "标记": "投诉", "标记日期": "2026-11-20"}]
    calls = _log("K1", ("2026-11-06 10:00", "电话", "成功"), ("2026-11-20 10:00", "电话", "成功"))
    out = table(cust, calls, "optometry", "2026-11-23")
    assert day(out.loc["K1", "next_date"]) == D(2026, 11, 23) and bool(out.loc["K1", "urgent"])
    calls += _log("K1", ("2026-11-23 11:00", "电话", "成功"))
    for today in ("2026-11-24", "2026-11-25", "2026-11-30"):  # closed: the flag makes it due no more
        out = table(cust, calls, "optometry", today)
        assert not out.loc["K1", "urgent"] and day(out.loc["K1", "next_date"]) == D(2026, 12, 3)


def test_a_complaint_customer_not_reached_twice_is_not_dialled_a_third_time():
    cites("002", "第二次如仍未接听或回复的,不得再次拨打")
    cust = [{"客户编号": "K1", "类别": "A", "购买日期": "2026-11-03", "标记": "投诉,公务车", "标记日期": "2026-11-20"}]
    calls = _log("K1", ("2026-11-06 10:00", "电话", "成功"), ("2026-11-23 10:00", "电话", "无人接听"))
    out = table(cust, calls, "optometry", "2026-11-24")  # 公务车: the urgent step still by phone
    assert bool(out.loc["K1", "urgent"]) and out.loc["K1", "channel"] == "电话"
    calls += _log("K1", ("2026-11-24 10:00", "电话", "关机"))
    out = table(cust, calls, "optometry", "2026-11-25")
    assert not out.loc["K1", "urgent"] and day(out.loc["K1", "sms_date"]) == D(2026, 11, 25)
    assert day(out.loc["K1", "next_date"]) == D(2026, 11, 25)  # the regular programme goes on: the +15d step
    w, p = row_mode("optometry", "A", D(2026, 11, 3), calls, "2026-11-25", "投诉,公务车", flag_day=D(2026, 11, 20))
    assert not w.urgent_open and p.date == D(2026, 11, 25)
    # the cell function: two failed dials typed, no third dial; one failed today: retry tomorrow
    assert plan("A", "2026-11-03", 1, "2026-11-24", 2, "投诉", today="2026-11-25").kind != "urgent"
    assert plan("A", "2026-11-03", 1, "2026-11-24", 1, "投诉", today="2026-11-24").date == D(2026, 11, 25)


def test_an_urgent_call_after_a_visit_is_not_cancelled():
    cites("000", "特殊情况(如投诉、不适反应等)第一时间回访")
    cust = [{"客户编号": "P1", "类别": "PRE", "咨询日期": "2026-11-02", "到店日期": "2026-11-10", "标记": "不适"}]
    out = table(cust, [], "aesthetics", "2026-11-12")
    assert out.loc["P1", "status_code"] == "due_today" and out.loc["P1", "channel"] == "电话"
    assert day(out.loc["P1", "next_date"]) == D(2026, 11, 12)


# --- Courses -------------------------------------------------------------------------------------


def test_a_course_end_entered_on_a_treatment_day_keeps_that_treatments_call():
    cites("003", "第六次治疗结束后第三天温馨关怀电话")
    cust = [{"客户编号": "T1", "治疗日期": "2026-11-02", "疗程结束日期": "2026-11-02", "治疗次数": 3}]
    out = table(cust, [], "aesthetics", "2026-11-03")
    assert day(out.loc["T1", "next_date"]) == D(2026, 11, 5) and out.loc["T1", "owner_role"] == "医助"
    calls = _log("T1", ("2026-11-05 10:00", "电话", "成功"))
    out = table(cust, calls, "aesthetics", "2026-11-06")  # then the after-course programme from the end
    assert out.loc["T1", "current_class"] == "COURSE_END" and day(out.loc["T1", "next_date"]) == D(2026, 12, 2)
    assert out.loc["T1", "owner_role"] == "客服"


def test_a_seventh_treatment_is_a_data_warning_not_a_step():
    cites("003", "医助第六次治疗结束后第三天")
    cust = [
        {"客户编号": "T7", "治疗日期": "2026-11-02", "治疗次数": 7},
        {"客户编号": "T8", "治疗日期": "2026-11-02", "治疗次数": 7, "疗程结束日期": "2026-10-20"},
    ]
    out = table(cust, [], "aesthetics", "2026-11-03")
    for cid in ("T7", "T8"):
        assert "6次" in out.loc[cid, "note"] and out.loc[cid, "purpose"] != "疗程最后一次治疗后第3天回访"
    assert day(out.loc["T7", "next_date"]) is None  # no call after the 7th; 疗程结束日期 wanted
    assert day(out.loc["T8", "next_date"]) == D(2026, 11, 20)  # the after-course programme


# --- Do-not-call SMS allowance ------------------------------------------------------------------


def test_the_do_not_call_sms_allowance_counts_from_the_refusal():
    cites("003", "但上列各类短信依然可以再发(时间段为6个月)")
    cust = [
        {
            "客户编号": "P1",
            "门店": "一店",
            "归属": "小刘",
            "电话": "13800000001",
            "类别": "PRE",
            "咨询日期": "2026-01-05",
            "生日": "1990-08-01",
        }
    ]
    calls = _log("P1", ("2026-01-05 18:00", "短信", "已发送"), ("2026-05-01 10:00", "电话", "拒访"))
    t = followup_table(pd.DataFrame(cust), pd.DataFrame(calls), "aesthetics", "2026-08-01")
    assert bool(t.loc[0, "dnc"]) and day(t.loc[0, "dnc_since"]) == D(2026, 5, 1)

    @dataclass
    class Store:
        name: str
        customers: pd.DataFrame
        playbook: str = "aesthetics"

    store = Store("一店", canonical_frame(pd.DataFrame(cust), "customers"))
    tasks = day_list([store], {"一店": t}, D(2026, 8, 1))
    assert list(tasks["purpose"]) == ["生日祝福"]  # 2026-05-01 + 6 months, not 2026-01-05 + 6 months
    late = day_list([store], {"一店": t}, D(2026, 8, 1) + dt.timedelta(days=400))
    assert "生日祝福" not in list(late["purpose"])
    # row mode: the SMS after an unreachable closing counts from the same day
    args = ("PRE", "2026-01-05", 1, "2026-07-20", 2, "拒访", "aesthetics", "2026-07-21")
    assert plan(*args).sms_date is None
    assert plan(*args, dnc_since=D(2026, 5, 1)).sms_date == D(2026, 7, 21)


def _short_allowance(tmp_path: Path) -> str:
    path = tmp_path / "short.toml"
    path.write_text('extends = "aesthetics"\nname = "short"\ndnc_sms_months = 1\n', encoding="utf-8")
    return str(path)


def test_row_mode_gives_a_do_not_call_customer_sms_steps_only_within_the_allowance(tmp_path):
    """The row function (the surviving mutation of issue 19): 拒访 skips call steps, keeps SMS steps
    while the playbook allows them, and gives the SMS after two failed dials the same way."""
    cites("003", "就无须再打跟踪电话,但上列各类短信依然可以再发")
    # PRE: the thank-you SMS is an SMS step; the +3d and +30d calls are skipped
    assert plan("PRE", "2026-11-02", 0, None, 0, "拒访", "aesthetics", "2026-11-02").date == D(2026, 11, 2)
    assert plan("PRE", "2026-11-02", 0, None, 0, "拒访", "aesthetics", "2026-11-02").channel == "短信"
    assert plan("PRE", "2026-11-02", 1, "2026-11-02", 0, "拒访", "aesthetics", "2026-11-03").kind == "do_not_call"
    # 611: the SMS on the 1st/15th go on; a call step in between is skipped
    got = [plan("611", "2026-10-20", k, None, 0, "拒访", "aesthetics", "2026-10-20").date for k in range(8)]
    assert got[:3] == [D(2026, 11, 1), D(2026, 11, 15), D(2026, 12, 1)] and D(2026, 12, 4) not in got
    # a playbook without allowance: nothing; an allowance of 1 month: the SMS steps within it only
    assert plan("D", "2026-11-02", 0, None, 0, "拒访", "optometry", "2026-11-02").date is None
    short = _short_allowance(tmp_path)
    assert plan("611", "2026-10-20", 0, None, 0, "拒访", short).date == D(2026, 11, 1)
    assert plan("611", "2026-10-20", 1, "2026-11-01", 0, "拒访", short).date == D(2026, 11, 15)
    assert plan("611", "2026-10-20", 2, "2026-11-15", 0, "拒访", short).date is None  # 12-01 > 11-20
    # the SMS after two failed dials: within the allowance only, never without one
    within = plan("PRE", "2026-11-02", 1, "2026-11-06", 2, "拒访", "aesthetics", "2026-11-07")
    assert within.sms_date == D(2026, 11, 9) and "短信" in within.purpose
    assert plan("D", "2026-11-02", 1, "2026-11-06", 2, "拒访", "optometry", "2026-11-07").sms_date is None
    assert plan("PRE", "2026-01-02", 1, "2026-11-06", 2, "拒访", "aesthetics", "2026-11-07").sms_date is None


def test_table_and_row_mode_agree_on_a_do_not_call_customers_sms_steps():
    cites("003", "但上列各类短信依然可以再发(时间段为6个月)")
    cust = [{"客户编号": "S1", "类别": "611", "咨询日期": "2026-10-20"}]
    calls = _log("S1", ("2026-11-01 09:00", "短信", "已发送"), ("2026-11-03 10:00", "电话", "拒访"))
    for sent in (
        [],
        [("2026-11-15 09:00", "短信", "已发送")],
        [("2026-11-15 09:00", "短信", "已发送"), ("2026-12-01 09:00", "短信", "已发送")],
    ):
        log = calls + _log("S1", *sent)
        out = table(cust, log, "aesthetics", "2026-12-10")
        w, p = row_mode("aesthetics", "611", D(2026, 10, 20), log, "2026-12-10")
        assert day(out.loc["S1", "next_date"]) == p.date and out.loc["S1", "channel"] == "短信"
    assert p.date == D(2026, 12, 15)  # the allowed SMS steps close one by one; the 12-04 call skipped


# --- 空号 and the monthly cap ---------------------------------------------------------------------


def test_an_invalid_number_mark_keeps_the_monthly_cap_warning():
    cites("004", "试客户接受程度选一月内1到4次")
    cust = [{"客户编号": "H1", "类别": "NEW", "收货日期": "2026-11-01"}]
    calls = _log(
        "H1",
        ("2026-11-02 10:00", "电话", "成功"),
        ("2026-11-05 10:00", "电话", "成功"),
        ("2026-11-06 10:00", "电话", "成功"),
        ("2026-11-17 10:00", "电话", "空号"),
    )
    out = table(cust, calls, "health_products", "2026-11-18")
    assert out.loc["H1", "calls_this_month"] == 4 and bool(out.loc["H1", "number_invalid"])
    assert "达到上限" in out.loc["H1", "purpose"] and "达到上限" in out.loc["H1", "note"]
    assert "空号" in out.loc["H1", "note"]


# --- SMS entries are no contact -------------------------------------------------------------------


def test_an_sms_moves_neither_the_previous_contact_nor_a_call():
    cites("004", "日常客情维护:试客户接受程度选一月内1到4次")
    cust = [{"客户编号": "H1", "类别": "NEW", "收货日期": "2026-11-02"}]
    calls = _log("H1", ("2026-11-04 10:00", "电话", "成功"))
    base = day(table(cust, calls, "health_products", "2026-11-06").loc["H1", "next_date"])
    greeting = calls + _log("H1", ("2026-11-06 09:00", "短信", "已发送"))  # a birthday greeting
    assert day(table(cust, greeting, "health_products", "2026-11-06").loc["H1", "next_date"]) == base
    # the monthly anniversary call is not voided by an SMS sent that day
    a = [{"客户编号": "K1", "类别": "A", "购买日期": "2026-10-05"}]
    done = _log("K1", ("2026-10-08 10:00", "电话", "成功"), ("2026-10-20 10:00", "电话", "成功"))
    sms = done + _log("K1", ("2026-11-05 09:00", "短信", "已发送"))
    out = table(a, sms, "optometry", "2026-11-05")
    assert day(out.loc["K1", "next_date"]) == D(2026, 11, 5) and out.loc["K1", "status_code"] == "due_today"
    assert row_mode("optometry", "A", D(2026, 10, 5), sms, "2026-11-05")[1].date == D(2026, 11, 5)


def test_a_steps_own_sms_is_not_the_unreachable_sms():
    cites("001", "更换方式,用其他方式回访")
    cust = [{"客户编号": "S1", "门店": "一店", "电话": "13800000001", "类别": "611", "咨询日期": "2026-10-20"}]
    calls = _log(
        "S1",
        ("2026-11-01 09:00", "短信", "已发送"),
        ("2026-11-15 09:00", "短信", "已发送"),
        ("2026-12-01 09:00", "短信", "已发送"),
        ("2026-12-04 10:00", "电话", "无人接听"),
        ("2026-12-05 10:00", "电话", "无人接听"),  # the 45-day call closes unreachable: SMS 12-07
        ("2026-12-15 09:00", "短信", "已发送"),  # the 12-15 step's own SMS
    )
    out = table(cust, calls, "aesthetics", "2026-12-16")
    assert day(out.loc["S1", "next_date"]) == D(2027, 1, 1)  # the 12-15 SMS step closed …
    assert day(out.loc["S1", "sms_date"]) == D(2026, 12, 7)  # … and the unreachable SMS is still owed
    sent = calls + _log("S1", ("2026-12-16 09:00", "短信", "已发送"))
    assert pd.isna(table(cust, sent, "aesthetics", "2026-12-17").loc["S1", "sms_date"])


def test_an_sms_task_not_logged_stays_on_the_day_list_as_overdue():
    cites("001", "更换方式,用其他方式回访")

    @dataclass
    class Store:
        name: str
        customers: pd.DataFrame
        playbook: str = "optometry"

    cust = pd.DataFrame(
        [
            {
                "customer_id": "K1",
                "store": "一店",
                "owner": "小刘",
                "phone": "13800000001",
                "class": "A",
                "purchase_date": "2026-11-03",
            }
        ]
    )
    calls = _log("K1", ("2026-11-06 10:00", "电话", "无人接听"), ("2026-11-09 10:00", "电话", "无人接听"))
    for today, status in ((D(2026, 11, 10), ""), (D(2026, 11, 11), "逾期"), (D(2026, 11, 13), "逾期")):
        t = followup_table(cust, pd.DataFrame(calls), "optometry", today)
        tasks = day_list([Store("一店", cust)], {"一店": t}, today)
        sms = tasks[tasks["task"] == "短信"]
        assert list(sms["status"]) == [status], (today, tasks.to_dict("records"))
    calls += _log("K1", ("2026-11-13 10:00", "短信", "已发送"))
    t = followup_table(cust, pd.DataFrame(calls), "optometry", D(2026, 11, 14))
    assert "短信" not in set(day_list([Store("一店", cust)], {"一店": t}, D(2026, 11, 14))["task"])


# --- Code.gs gives the cell function's answers on these rules -------------------------------------


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_code_gs_applies_the_urgent_two_dial_rule_and_the_do_not_call_allowance():
    import importlib.util
    import sys

    sim = sys.modules.get("followup_simulate")
    if sim is None:  # bench/simulate.py is no package module: load it by path (as test_simulated_year does)
        spec = importlib.util.spec_from_file_location(
            "followup_simulate", Path(__file__).parents[2] / "bench/simulate.py"
        )
        assert spec and spec.loader
        sim = sys.modules["followup_simulate"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sim)
    args = [
        ["A", "2026-11-03", 1, "2026-11-24", f, "投诉", "optometry", today]
        for f in (0, 1, 2, 3)
        for today in ("2026-11-24", "2026-11-25")
    ]
    args += [
        [cls, "2026-11-02", k, last, f, "拒访", pb, "2026-11-07"]
        for k, last, f in ((0, None, 0), (1, "2026-11-02", 0), (1, "2026-11-06", 2))
        for cls, pb in (("PRE", "aesthetics"), ("611", "aesthetics"), ("D", "optometry"))
    ]
    got = sim.run_code_gs([{"fn": "plan", "args": a} for a in args])
    want = [plan(*a).date for a in args]
    assert got == [w.isoformat() if w else None for w in want]
    # one failed dial: tomorrow, urgent; two: no third dial, the next anniversary
    assert got[:2] == ["2026-11-25", "2026-11-25"] and got[4] == "2026-12-03"
