"""Tier draws skip recently reached customers; big and small stores take turns (SPEC §3.7);
cases in tests/golden_extra/tier_draws.csv and rotation.csv, each citing its seed."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from followup.sync.deadline import parse_week
from followup.udfs import get_playbook, tier_draw
from followup.udfs.sampling import rotation_size

HERE = Path(__file__).resolve().parent.parent / "golden_extra"


def _rows(name):
    with open(HERE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _calls(spec: str, outcome: str) -> list[dict]:
    out = []
    for part in filter(None, spec.split(";")):
        cid, day, *kind = part.split("@")
        out.append(
            {
                "customer_id": cid,
                "call_time": f"{day} 10:00",
                "outcome": outcome,
                "kind": kind[0] if kind else "客户服务",
                "channel": "电话",
            }
        )
    return out


@pytest.mark.parametrize("row", _rows("tier_draws.csv"), ids=lambda r: r["case"])
def test_tier_draw_skips_recently_reached(row):
    assert row["seed"]
    q = get_playbook("retail").quotas.model_copy(update={"redraw_after_days": int(row["redraw_after_days"])})
    customers = pd.DataFrame(
        {"customer_id": [f"K{i:02d}" for i in range(1, 81)], "amount": [9000 - 10 * i for i in range(80)]}
    )
    calls = pd.DataFrame(
        _calls(row["recent_success"], "成功") + _calls(row["recent_failure"], "无人接听"),
        columns=["customer_id", "call_time", "outcome", "kind", "channel"],
    )
    drawn = tier_draw(customers, q, calls, row["today"])
    assert drawn["customer_id"].iloc[0] == row["expect_first"]
    assert drawn.attrs["skipped"] == int(row["expect_skipped"])
    assert drawn["customer_id"].is_unique


@pytest.mark.parametrize("row", _rows("rotation.csv"), ids=lambda r: r["case"])
def test_rotation(row):
    assert row["seed"]
    q = get_playbook("retail").quotas.model_copy(
        update={"rotation_odd": row["rotation_odd"], "rotation_even": row["rotation_even"]}
    )
    assert rotation_size(parse_week(row["week"]), q) == row["expect"]


def test_rotation_alternates_every_week_across_year_ends():
    """002 「大店/小店每周轮流回访」, SPEC §3.7: consecutive weeks always differ, including
    2020–2035's year ends (53-week years 2020, 2026, 2032 included); every day of a week agrees."""
    q = get_playbook("retail").quotas
    monday = dt.date(2019, 12, 30)
    previous = None
    while monday.year < 2036:
        sizes = {rotation_size(monday + dt.timedelta(days=i), q) for i in range(7)}
        assert len(sizes) == 1, monday
        (size,) = sizes
        assert size != previous, monday
        previous = size
        monday += dt.timedelta(days=7)


def test_rotation_reference_is_configurable():
    """SPEC §3.7 「counted from a reference week … configurable」: moving the reference one week
    swaps every week's draw; a bad reference is refused with the expected form."""
    base = get_playbook("retail").quotas
    moved = base.model_copy(update={"rotation_reference": "2026-W02"})
    for week in ("2026-W47", "2026-W53", "2027-W01"):
        assert rotation_size(parse_week(week), moved) != rotation_size(parse_week(week), base)
    with pytest.raises(ValueError, match="ISO"):
        type(base).model_validate({**base.model_dump(), "rotation_reference": "2026-W60"})


def _workbook(path: Path, store: str):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户"
    ws.append(["客户编号", "姓名", "电话", "门店", "类别", "购买日期", "购买金额"])
    for i in range(3):
        ws.append([f"{store}{i}", "张三", f"1381234{i:04d}", store, "A", dt.date(2026, 10, 1), 6000 + i])
    wb.save(path)


def test_weekly_record_says_which_stores_were_drawn(tmp_path):
    (tmp_path / "stores").mkdir()
    _workbook(tmp_path / "stores" / "一店.xlsx", "一店")
    _workbook(tmp_path / "stores" / "二店.xlsx", "二店")
    (tmp_path / "followup.toml").write_text(
        '[sources]\nexcel = ["stores"]\nreport_dir = "out"\n'
        '[[stores]]\nname = "一店"\ngroup = "1"\nsize = "big"\n'
        '[[stores]]\nname = "二店"\ngroup = "1"\nsize = "small"\n',
        encoding="utf-8",
    )
    text = (
        (tmp_path / "followup.toml")
        .read_text(encoding="utf-8")
        .replace(
            '[sources]\nexcel = ["stores"]\nreport_dir = "out"\n', 'report_dir = "out"\n[sources]\nexcel = ["stores"]\n'
        )
    )
    (tmp_path / "followup.toml").write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "followup.sync.cli",
            "sync",
            "--config",
            str(tmp_path / "followup.toml"),
            "--week",
            "2026-W48",
            "--now",
            "2026-11-30T09:00",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    (record,) = list((tmp_path / "out").rglob("*客户回访记录单.xlsx"))
    ws = openpyxl.load_workbook(record)["汇总"]
    notes = [c.value for row in ws.iter_rows(max_row=6) for c in row if isinstance(c.value, str)]
    assert any("本周抽取资料: 小店" in n and "二店" in n and "一店" not in n for n in notes), notes
