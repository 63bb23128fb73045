"""The sync's TOML config: loading, merging, and errors that say what to fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from followup.sync.config import Config, ConfigError, load_config
from followup.udfs.errors import FollowupError


def write(folder: Path, text: str, name: str = "followup.toml") -> Path:
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


FULL = """
playbook = "retail"
timezone = "Asia/Shanghai"
report_dir = "out/reports"
lang = "en"

[[stores]]
name = "一店"
group = "1"

[[stores]]
name = "二店"
group = 3
small = true

[sources]
excel = ["stores", "extra/三店.xlsx"]
gsheets = ["https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/edit#gid=0"]
service_account = "keys/sa.json"

[quotas]
groups."1" = { weekly = [160, 190] }
max_questions = 4

[penalty]
first = 20
"""


def test_a_full_config_file_loads_with_paths_relative_to_the_file(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "sa.json").write_text("{}")
    cfg = load_config(write(tmp_path, FULL))
    assert [(s.name, s.group, s.small) for s in cfg.stores] == [("一店", "1", False), ("二店", "3", True)]
    assert cfg.sources.excel == [tmp_path / "stores", tmp_path / "extra" / "三店.xlsx"]
    assert cfg.sources.gsheets == ["1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"]
    assert cfg.sources.service_account == tmp_path / "keys" / "sa.json"
    assert cfg.report_dir == tmp_path / "out" / "reports"
    assert (cfg.playbook, cfg.timezone, cfg.lang) == ("retail", "Asia/Shanghai", "en")
    assert cfg.store("二店").group == "3" and cfg.store("四店") is None
    assert str(cfg.zone) == "Asia/Shanghai"


def test_quotas_override_is_merged_over_the_retail_defaults(tmp_path):
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "sa.json").write_text("{}")
    q = load_config(write(tmp_path, FULL)).quotas
    assert q.groups["1"].weekly == (160, 190) and q.groups["1"].daily == 30  # daily kept
    assert q.groups["2"].weekly == (250, 300)
    assert q.max_questions == 4 and q.small_store_monthly_min == 15
    assert [t.draw for t in q.tiers] == [20, 30, 50]


def test_penalty_and_other_defaults_apply_when_keys_are_absent(tmp_path):
    cfg = load_config(write(tmp_path, ""))
    assert (cfg.penalty.first, cfg.penalty.factor, cfg.penalty.window_days) == (10, 2, 365)
    assert (cfg.playbook, cfg.timezone, cfg.lang) == ("optometry", "Asia/Shanghai", "zh")
    assert cfg.report_dir == tmp_path / "reports"
    assert cfg.stores == [] and cfg.sources.excel == []


def test_unknown_key_names_the_file_the_key_and_suggests_the_right_one(tmp_path):
    p = write(tmp_path, 'playbok = "retail"\n[[stores]]\nname = "一店"\ngroup = "1"\nsmal = true\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    msg = str(e.value)
    assert str(p) in msg
    assert "playbok" in msg and "did you mean playbook" in msg
    assert "stores[1].smal" in msg and "did you mean small" in msg


def test_bad_group_names_the_key_the_value_and_the_allowed_values(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, '[[stores]]\nname = "一店"\ngroup = 5\n'))
    msg = str(e.value)
    assert "stores[1].group = '5'" in msg and "'1', '2', '3' or '4'" in msg


def test_missing_required_store_key_is_reported(tmp_path):
    with pytest.raises(ConfigError, match=r"stores\[1\]\.group: 缺少必填项"):
        load_config(write(tmp_path, '[[stores]]\nname = "一店"\n'))


def test_bad_timezone_is_rejected_with_the_fix(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, 'timezone = "Asia/Shanghia"\n'))
    assert "timezone = 'Asia/Shanghia'" in str(e.value) and "Asia/Shanghai" in str(e.value)


def test_bad_lang_and_penalty_are_each_listed_in_one_error(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, 'lang = "fr"\n[penalty]\nfactor = 0.5\nwindow_days = 0\n'))
    msg = str(e.value)
    assert "lang = 'fr'" in msg and "penalty.factor = 0.5" in msg and "penalty.window_days = 0" in msg


def test_error_messages_are_chinese_first_then_english(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, 'timezone = "Mars/Base"\n'))
    first, *lines = str(e.value).splitlines()
    assert first.startswith("配置文件") and "(config file" in first
    for line in lines:
        value_and_fix = line.split(": ", 1)[1]
        assert re.match(r"[\u4e00-\u9fff]", value_and_fix) and re.search(r"\([a-z]", value_and_fix)


def test_service_account_path_is_never_printed(tmp_path):
    secret = "very-secret-folder/robot.json"
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, f'[sources]\nservice_account = "{secret}"\n'))
    assert "service_account" in str(e.value)
    assert "very-secret-folder" not in str(e.value) and "robot.json" not in str(e.value)
    (tmp_path / "very-secret-folder").mkdir()
    (tmp_path / secret).write_text("{}")
    cfg = load_config(tmp_path / "followup.toml")
    assert "robot.json" not in repr(cfg) and "robot.json" not in str(cfg)
    assert cfg.sources.service_account.name == "robot.json"


def test_a_bad_value_under_service_account_is_hidden_too(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, '[sources]\nservice_account = ["/keys/robot.json"]\n'))
    assert "robot.json" not in str(e.value)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="找不到配置文件"):
        load_config(tmp_path / "nope.toml")


def test_toml_syntax_error_is_a_config_error_naming_the_file(tmp_path):
    p = write(tmp_path, 'playbook = "retail\n')
    with pytest.raises(ConfigError) as e:
        load_config(p)
    assert str(p) in str(e.value) and "TOML" in str(e.value)


def test_config_error_is_a_followup_error():
    assert issubclass(ConfigError, FollowupError)


def test_unknown_playbook_lists_the_built_ins(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, 'playbook = "dentist"\n'))
    assert "playbook = 'dentist'" in str(e.value) and "optometry" in str(e.value)


def test_playbook_may_be_a_toml_file_beside_the_config(tmp_path):
    write(tmp_path, 'extends = "optometry"\nname = "my_shop"\ntitle = "我的店"\n', "mine.toml")
    cfg = load_config(write(tmp_path, 'playbook = "mine.toml"\n'))
    assert Path(cfg.playbook) == tmp_path / "mine.toml"


def test_a_missing_playbook_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="回访方案文件不存在"):
        load_config(write(tmp_path, 'playbook = "gone.toml"\n'))


def test_duplicate_store_names_are_rejected(tmp_path):
    text = '[[stores]]\nname = "一店"\ngroup = "1"\n[[stores]]\nname = "一店"\ngroup = "2"\n'
    with pytest.raises(ConfigError, match="重复"):
        load_config(write(tmp_path, text))


def test_a_single_excel_source_may_be_written_without_a_list(tmp_path):
    cfg = load_config(write(tmp_path, '[sources]\nexcel = "stores"\n'))
    assert cfg.sources.excel == [tmp_path / "stores"]


def test_a_bad_google_sheet_key_is_rejected(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.gsheets"):
        load_config(write(tmp_path, '[sources]\ngsheets = ["not a key"]\n'))


def test_default_config_for_the_cli_without_a_file(tmp_path):
    cfg = Config.default(sources=[tmp_path / "a.xlsx", str(tmp_path / "folder")], out=tmp_path / "out")
    assert cfg.sources.excel == [tmp_path / "a.xlsx", tmp_path / "folder"]
    assert cfg.report_dir == tmp_path / "out"
    assert cfg.playbook == "optometry" and cfg.path is None
    assert cfg.quotas.groups["1"].daily == 30
    assert Config.default().report_dir == Path("reports")
