"""A simulated season of agents (issue 19 item 2, small size): per playbook a store of customers
with random facts, stepped day by day from before the year end across the 2027 Spring Festival;
the agents do what the day list says, with random outcomes, and the seeds' invariants are checked
after every day (bench/simulate.py `check_day`): no third dial, an SMS after every unreachable
closing on the next working day, calls inside their windows, do-not-call never by phone, no
customer due for ever, ≤ 4 contacts a month (health products), the day list = the table's due
tasks, row mode = table mode = Code.gs (NEXT_FOLLOWUP on every customer, FOLLOWUP_TABLE on every
day; one node process per run).

A failure prints seed, playbook, day and customer; replay it with
`FOLLOWUP_SIM_SEED=<seed> pytest tests/unit/test_simulated_year.py` or, for the full year,
`python bench/simulate.py --seed <seed> --playbook <playbook>`.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "simulate.py"
if "followup_simulate" in sys.modules:
    simulate = sys.modules["followup_simulate"]
else:
    _spec = importlib.util.spec_from_file_location("followup_simulate", BENCH)
    assert _spec and _spec.loader
    simulate = sys.modules["followup_simulate"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(simulate)

SEED = int(os.environ.get("FOLLOWUP_SIM_SEED", "20261220"))
START = dt.date(2026, 12, 20)  # the year end, New Year's Day, the Spring Festival and its 调休 weekends
DAYS = 70
CUSTOMERS = 16


@pytest.mark.parametrize("playbook", simulate.PLAYBOOKS)
def test_a_season_of_agents_breaks_no_invariant(playbook):
    world = simulate.run(playbook, CUSTOMERS, DAYS, SEED, start=START, node=shutil.which("node") is not None)
    assert world.customer_days > CUSTOMERS * DAYS // 3 and len(world.log) > CUSTOMERS  # it did simulate
    assert not world.violations, f"seed {SEED} ({playbook}): {len(world.violations)} violations, first:\n" + "\n".join(
        str(v) for v in world.violations[:15]
    )


def test_the_invariants_catch_an_engine_that_redials_for_ever(monkeypatch):
    """The checks can fail: an engine whose table ignores the attempt limit (every failed dial
    leaves the step open) is caught by the simulation (a third dial, no SMS)."""
    from followup.udfs import closing

    real = closing.log_entry

    def never_closes(outcome, by_sms, sms_step, failed, max_attempts, acts=True):
        return real(outcome, by_sms, sms_step, failed, 10**6, acts)

    monkeypatch.setattr("followup.udfs.table.walk.log_entry", never_closes)
    world = simulate.run("optometry", CUSTOMERS, DAYS, SEED, start=START, node=False)
    rules = {v.rule for v in world.violations}
    assert {"a step dialled a third time", "row mode != table mode"} <= rules
    assert all(str(SEED) in str(v) and v.playbook == "optometry" for v in world.violations)
