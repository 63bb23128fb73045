"""The one step-closing rule (`followup.udfs.closing`): its cases, scalars and arrays alike, and
the scalar reference walk (`walk_one`) against the table walk across a class transition."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest

from followup.udfs import followup_table, next_followup
from followup.udfs.closing import (
    CLOSING,
    OUTCOME_CODES,
    consumes_pending_sms,
    log_entry,
    reached_limit,
    retry_due,
    steps_closed,
)
from followup.udfs.playbook import get_playbook
from followup.udfs.schema import OUTCOMES
from followup.udfs.table.walk_one import walk_one

CODE = OUTCOME_CODES


def test_every_outcome_has_one_integer_and_the_rule_names_only_known_outcomes():
    assert set(CODE) == set(OUTCOMES.values()) and len(set(CODE.values())) == len(CODE) and 0 not in CODE.values()
    assert {o for group in CLOSING.values() for o in group} <= set(CODE)


@pytest.mark.parametrize(
    "outcome, by_sms, sms_step, failed, want",
    [
        ("success", False, False, 0, dict(close=True, connected=True, failed=0)),
        ("incomplete", False, False, 1, dict(close=True, connected=True, failed=0)),
        ("no_answer", False, False, 0, dict(close=False, failed=1)),
        ("powered_off", False, False, 1, dict(close=True, unreachable=True, sms_due=True, failed=0)),
        (
            "invalid_number",
            True,
            False,
            0,
            dict(close=True, invalid=True, unreachable=True),
        ),  # 空号: at once, any channel
        ("sent", True, True, 0, dict(close=True)),  # an SMS sent closes an SMS step …
        ("sent", True, False, 1, dict(close=False, failed=1)),  # … not a call step
        ("success", True, False, 0, dict(close=False)),  # an SMS never reaches the customer by phone
        ("no_answer", True, False, 1, dict(close=False, failed=1)),  # nor counts as a failed dial
        ("refused", False, False, 1, dict(close=False, refused=True, failed=1)),
    ],
)
def test_what_one_entry_does_to_the_open_step(outcome, by_sms, sms_step, failed, want):
    e = log_entry(CODE[outcome], by_sms, sms_step, failed, 2)
    full = (
        dict(
            close=False, connected=False, invalid=False, unreachable=False, sms_due=False, failed=failed, refused=False
        )
        | want
    )
    assert e._asdict() == full


def test_an_entry_that_may_not_act_changes_nothing_but_do_not_call():
    for o in CODE.values():
        e = log_entry(o, False, False, 1, 2, acts=False)
        assert not e.close and e.failed == 1 and bool(e.refused) == (o == CODE["refused"])


def test_the_attempt_limit_is_the_playbooks():
    assert [bool(log_entry(CODE["no_answer"], False, False, f, 3).close) for f in range(3)] == [False, False, True]
    assert steps_closed(4, 2, 2) == 5 and steps_closed(4, 1, 2) == 4 and steps_closed(0, 3, 3) == 1
    assert [bool(retry_due(f, 3)) for f in range(4)] == [False, True, True, False]
    assert reached_limit(2, 2) and not reached_limit(1, 2)


def test_arrays_give_what_scalars_give():
    combos = list(itertools.product(range(9), [False, True], [False, True], range(4), [1, 2, 3], [False, True]))
    o, sms, step, failed, limit, acts = (np.array(c) for c in zip(*combos))
    for m in np.unique(limit):  # the limit is one number per playbook
        w = limit == m
        arr = log_entry(o[w], sms[w], step[w], failed[w], int(m), acts[w])
        for i, c in enumerate(np.array(combos, dtype=object)[w]):
            one = log_entry(int(c[0]), bool(c[1]), bool(c[2]), int(c[3]), int(m), bool(c[5]))
            assert tuple(bool(x) if isinstance(x, (bool, np.bool_)) else int(x) for x in one) == tuple(
                bool(f[i]) if f.dtype == bool else int(f[i]) for f in arr
            ), c
        assert (steps_closed(failed[w] * 0 + 3, failed[w], int(m)) == 3 + (failed[w] >= m)).all()
        assert (retry_due(failed[w], int(m)) == ((failed[w] > 0) & (failed[w] < m))).all()
    pend = consumes_pending_sms(
        np.array([True, True, True, False]),
        np.array([CODE["sent"], CODE["success"], CODE["no_answer"], CODE["sent"]]),
        np.array([True] * 4),
    )
    assert pend.tolist() == [True, True, False, False]


def test_walk_one_follows_a_transition_like_the_table():
    """A C-class customer (appointment) whose step closes unreachable moves on to the next class;
    the table and walk_one + next_followup agree on the class, anchor and next date."""
    pb = get_playbook("optometry")
    rule = pb.classes["C"]
    assert rule.on_complete is not None
    anchor = dt.date(2026, 10, 1)
    calls, day, today = [], anchor, dt.date(2026, 11, 25)
    for k in range(len(rule.steps)):  # each step: the limit's failed dials on its due day
        from followup.udfs.cadence import step_at

        day = max(step_at(pb, rule, k, anchor, day, day).date, day)
        calls += [(dt.datetime.combine(day, dt.time(10, i)), "无人接听", "电话") for i in range(pb.max_attempts)]
    w = walk_one(pb, "C", anchor, calls, today=today)
    assert w.moved and w.cls == rule.on_complete.to and w.last == day
    out = followup_table(
        pd.DataFrame([{"customer_id": "K1", "class": "C", rule.anchor: anchor}]),
        pd.DataFrame([{"customer_id": "K1", "call_time": t, "outcome": o, "channel": c} for t, o, c in calls]),
        "optometry",
        today,
    ).iloc[0]
    assert out["current_class"] == w.cls and out["anchor_date"].date() == w.anchor
    got = next_followup(w.cls, w.anchor, w.calls_done, w.last, w.failed_attempts, "", "optometry", today)
    assert out["next_date"].date() == got
