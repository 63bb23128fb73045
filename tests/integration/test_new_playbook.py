"""Adding a built-in playbook is adding one file: udfs/playbooks/<name>.toml, with its template's
sample rows in its own `[samples]` table. Here the playbook folder is a copy with one more file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from followup.sync.cli import main as cli_main
from followup.templates import samples
from followup.templates.layout import TABLES, template_filename, template_playbooks
from followup.templates.structured import read_table
from followup.udfs import playbook as playbook_module
from followup.udfs.playbook import builtin_playbooks, load_playbook, playbook_samples
from followup.udfs.schema import COMPUTED_COLUMNS

REPO = Path(__file__).resolve().parents[2]
PET_CARE = """\
name = "pet_care"
title = "宠物用品回访"
title_en = "Pet supplies follow-up"
source = "(example)"
default_class = "NEW"

[[derive]]
class = "NEW"
when = "purchase_date"
fallback = true

[classes.NEW]
title = "新购客户"
anchor = "purchase_date"
owner = "客服专员"
steps = [{ offset = "3d", channel = "电话", purpose = "询问宠物适应情况" }]

[samples]
store = "宠物一店"
customers = [
  { customer_id = "P001", name = "白雪", phone = "13800000091", purchase_date = 2026-11-20, amount = 299 },
  { customer_id = "P002", name = "黑豆", phone = "13800000092", purchase_date = 2026-11-10, owner = "小王" },
]
calls = [
  { call_time = 2026-11-23T10:20:00, customer_id = "P001", outcome = "成功", feedback = "适应良好" },
]
gifts = [
  { customer_id = "P001", gift = "猫抓板", value = 59, given_date = 2026-11-20 },
]
"""


@pytest.fixture
def pet_care(tmp_path, monkeypatch):
    folder = tmp_path / "playbooks"
    shutil.copytree(REPO / "udfs" / "playbooks", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (folder / "pet_care.toml").write_text(PET_CARE, encoding="utf-8")
    monkeypatch.setattr(playbook_module, "_builtin_root", lambda: folder)
    playbook_module.clear_cache()
    yield folder
    playbook_module.clear_cache()


def test_a_new_playbook_file_is_listed_everywhere(pet_care):
    assert "pet_care" in builtin_playbooks()
    assert template_playbooks() == ("optometry", "aesthetics", "health_products", "pet_care", "retail")
    assert load_playbook("pet_care").classes["NEW"].anchor == "purchase_date"  # `[samples]` is not a rule
    assert playbook_samples("pet_care")["store"] == "宠物一店" and playbook_samples("optometry") == {}


def test_its_samples_fill_its_template(pet_care, tmp_path):
    assert [r["customer_id"] for r in samples.customers("pet_care")] == ["P001", "P002"]
    (call,) = samples.calls("pet_care")
    assert call["call_time"] == dt.datetime(2026, 11, 23, 10, 20) and call["questions"] == 3
    assert call["store"] == "宠物一店" and call["channel"] == "电话"
    assert samples.gifts("pet_care") == [
        {"store": "宠物一店", "customer_id": "P001", "gift": "猫抓板", "value": 59, "given_date": dt.date(2026, 11, 20)}
    ]
    assert samples.settings("pet_care")["store"] == "宠物一店"
    out = tmp_path / "out"
    assert cli_main(["templates", "--out", str(out), "--playbook", "pet_care"]) == 0
    path = out / template_filename("pet_care")
    wb = openpyxl.load_workbook(path)
    head, rows = read_table(wb, TABLES["customers"])
    got = [dict(zip(head, r)) for r in rows]
    assert [r["客户编号"] for r in got] == ["P001", "P002"] and got[1]["电话"] == "13800000092"
    assert [r["门店"] for r in got] == ["宠物一店", "宠物一店"] and [r["归属"] for r in got] == ["小刘", "小王"]
    # the engine's columns, computed for the samples (cached values): P002 bought 11-10, due +3d
    sheet = [list(r) for r in openpyxl.load_workbook(path, data_only=True)["客户"].iter_rows(values_only=True)]
    col = sheet[0].index(COMPUTED_COLUMNS["next_date"])
    by_id = {r[0]: r for r in sheet[1:]}
    assert by_id["P002"][col].date() == dt.date(2026, 11, 13)
    assert by_id["P002"][sheet[0].index(COMPUTED_COLUMNS["purpose"])] == "询问宠物适应情况"
    _, gifts = read_table(wb, TABLES["gifts"])
    assert any("猫抓板" in row for row in gifts)
    # the same command with every playbook writes this one too
    assert cli_main(["templates", "--out", str(out / "all")]) == 0
    assert (out / "all" / template_filename("pet_care")).is_file()
