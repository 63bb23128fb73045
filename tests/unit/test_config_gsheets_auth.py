"""Config keys of the Google Sheets connector: sources.auth, oauth_client, drive_folder."""

from __future__ import annotations

import pytest

from followup.sync.config import ConfigError, load_config


def write(tmp_path, text):
    p = tmp_path / "followup.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_oauth_keys_resolve_relative_to_the_config(tmp_path):
    (tmp_path / "client.json").write_text("{}", encoding="utf-8")
    cfg = load_config(
        write(tmp_path, '[sources]\nauth = "oauth"\noauth_client = "client.json"\ndrive_folder = "0AbCdEf"\n')
    )
    assert cfg.sources.auth == "oauth" and cfg.sources.oauth_client == tmp_path / "client.json"
    assert cfg.sources.drive_folder == "0AbCdEf"
    assert load_config(write(tmp_path, "[sources]\n")).sources.auth == "service_account"


def test_missing_oauth_client_file_is_named_but_its_path_hidden(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, '[sources]\nauth = "oauth"\noauth_client = "secret-client.json"\n'))
    assert "sources.oauth_client" in str(e.value) and "secret-client" not in str(e.value)


def test_unknown_auth_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match=r"sources\.auth"):
        load_config(write(tmp_path, '[sources]\nauth = "password"\n'))
