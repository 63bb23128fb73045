"""Playbooks are data: the shipped ones validate, users override them, bad files say why."""

import datetime as dt
from pathlib import Path

import pytest

from followup.udfs import PlaybookError, builtin_playbooks, followup_table, load_playbook, next_followup

PLAYBOOK_DIR = Path(__file__).resolve().parents[2] / "udfs" / "playbooks"


def test_every_builtin_playbook_loads_and_cites_its_seed():
    """The built-in playbooks are the TOML files of udfs/playbooks (adding one is adding a file)."""
    assert builtin_playbooks() == sorted(p.stem for p in PLAYBOOK_DIR.glob("*.toml"))
    assert {"optometry", "retail"} <= set(builtin_playbooks())  # the default; the quota defaults
    for name in builtin_playbooks():
        pb = load_playbook(name)
        assert pb.source.endswith(".txt")
        for code, rule in pb.classes.items():
            assert rule.steps or rule.repeat, code
            assert all(step.source for step in rule.steps), code


def test_a_user_file_extends_a_builtin_and_overrides_only_what_differs(tmp_path):
    f = tmp_path / "my_store.toml"
    f.write_text(
        'extends = "optometry"\nname = "my_store"\n[classes.B]\nsteps = [{ offset = "5d", '
        'channel = "电话", purpose = "五天回访" }]\n',
        encoding="utf-8",
    )
    pb = load_playbook(f)
    assert pb.classes["B"].steps[0].offset.days == 5 and pb.classes["B"].title == "到店未购"
    assert next_followup("B", "2026-11-10", playbook=str(f)) == dt.date(2026, 11, 15)
    assert next_followup("A", "2026-11-03", playbook=str(f)) == dt.date(2026, 11, 6)


def test_an_invalid_playbook_names_the_key_and_the_value(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(
        'extends = "optometry"\n[classes.A]\nsteps = [{ offset = "3x", channel = "电话", purpose = "p" }]\n',
        encoding="utf-8",
    )
    with pytest.raises(PlaybookError, match=r"classes\.A\.steps\.0\.offset.*3x"):
        load_playbook(f)


def test_a_transition_to_an_unknown_class_is_rejected(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('extends = "optometry"\n[classes.B.on_complete]\nto = "Q"\n', encoding="utf-8")
    with pytest.raises(PlaybookError, match="'Q' is not a class"):
        load_playbook(f)


def test_a_repeat_that_does_not_move_forward_is_rejected(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('extends = "optometry"\n[classes.A.repeat]\nevery = "0d"\n', encoding="utf-8")
    with pytest.raises(PlaybookError, match="every"):
        load_playbook(f)


def test_broken_toml_is_reported_with_the_file_name(tmp_path):
    f = tmp_path / "broken.toml"
    f.write_text("name = \n", encoding="utf-8")
    with pytest.raises(PlaybookError, match="broken.toml"):
        load_playbook(f)


def test_a_user_playbook_object_drives_table_mode(tmp_path):
    f = tmp_path / "fast.toml"
    f.write_text(
        'extends = "optometry"\nname = "fast"\n[classes.D]\nsteps = [{ offset = "2d", channel = "电话", '
        'purpose = "两天" }]\n',
        encoding="utf-8",
    )
    import pandas as pd

    out = followup_table(
        pd.DataFrame({"客户编号": ["K1"], "咨询日期": ["2026-11-10"]}), None, load_playbook(f), "2026-11-25"
    )
    assert out.loc[0, "next_date"].date() == dt.date(2026, 11, 12)
