"""Table mode (vectorised walk) agrees with manual mode on every history without a transition.

The oracle, `udfs.table.walk_one`, walks each customer's calls one by one in plain Python,
following SPEC §4.1 "How the call log moves the steps", then asks `next_followup` for the date.
The table computes all customers at once (different history lengths side by side) and must give
the same answer.
"""

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from followup.udfs import followup_table, next_followup
from followup.udfs.engine import plan
from followup.udfs.playbook import builtin_playbooks, get_playbook
from followup.udfs.schema import OUTCOMES
from followup.udfs.table.walk_one import walk_one

CASES = {  # every built-in playbook with classes → (class, the customer column its anchor comes from)
    name: [(code, rule.anchor) for code, rule in get_playbook(name).classes.items()]
    for name in builtin_playbooks()
    if get_playbook(name).classes
}
assert {"optometry", "aesthetics", "health_products"} <= set(CASES)
BASE = dt.date(2024, 1, 1)


# Days near step boundaries (open dates, due dates, month ends) make the interesting cases.
NEAR = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 28, 29, 30, 31, 32, 43, 45, 59, 61, 88, 90]
call = st.tuples(
    st.one_of(st.sampled_from(NEAR), st.integers(-5, 200)),
    st.sampled_from(list(OUTCOMES)),
    st.sampled_from(["电话", "电话", "短信"]),
)
customer = st.tuples(
    st.sampled_from([(pb, c, f) for pb, cs in CASES.items() for c, f in cs]),
    st.integers(0, 900),
    st.lists(call, max_size=9),
    st.sampled_from(["", "", "拒访", "投诉", "夜班"]),
    st.integers(-3, 260),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.sampled_from(list(CASES)), st.lists(customer, min_size=1, max_size=8))
def test_table_mode_agrees_with_next_followup_without_transitions(playbook, people):
    people = [p for p in people if p[0][0] == playbook]
    assume(people)
    pb = get_playbook(playbook)
    today = BASE + dt.timedelta(days=900 // 2 + people[0][4])
    rows, log, expected = [], [], []
    for i, ((_, code, field), a, calls, flags, _) in enumerate(people):
        anchor = BASE + dt.timedelta(days=a)
        visits = [(anchor + dt.timedelta(days=d), o, ch) for d, o, ch in calls]
        w = walk_one(pb, code, anchor, visits, today=today, dnc="拒访" in flags, urgent="投诉" in flags)
        if w.moved:
            continue
        k, failed, last, dnc, closed = w.calls_done, w.failed_attempts, w.last, w.dnc, list(w.closed)
        cid = f"K{i}"
        rows.append({"customer_id": cid, "class": code, field: anchor, "flags": flags})
        log += [
            {"customer_id": cid, "call_time": dt.datetime.combine(d, dt.time(10, m)), "outcome": o, "channel": ch}
            for m, (d, o, ch) in enumerate(visits)
        ]
        marks = flags + (",拒访" if dnc else "")
        if not w.urgent_open:  # the flag's urgent step closed (SPEC §3.7): manual mode drops the flag
            marks = marks.replace("投诉", "")
        # Manual mode counts a step `from_step` from the last contact; table mode from the step's
        # own closing call (SPEC §3.7 health products' third call): the oracle passes those dates.
        expected.append(
            (
                cid,
                plan(
                    code, anchor, k, last, failed, marks, playbook, today, closed_dates=closed, dnc_since=w.dnc_since
                ).date,
            )
        )
        if not any(s.from_step for s in pb.classes[code].steps) and w.dnc_since is None:
            assert expected[-1][1] == next_followup(code, anchor, k, last, failed, marks, playbook, today)
    assume(rows)
    event(f"{playbook}: customers compared {len(rows)}, calls {len(log)}")
    out = followup_table(
        pd.DataFrame(rows),
        pd.DataFrame(log, columns=["customer_id", "call_time", "outcome", "channel"]),
        playbook,
        today,
    ).set_index("customer_id")
    for cid, want in expected:
        got = out.loc[cid, "next_date"]
        got = None if pd.isna(got) else got.date()
        assert got == want, (cid, out.loc[cid].to_dict())
