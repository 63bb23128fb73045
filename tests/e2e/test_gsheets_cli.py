"""`followup gsheets init/upload` through the real command line (a subprocess), signed in with
OAuth from a cached per-user token, against the loopback fake (FOLLOWUP_GOOGLE_API_URL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fakes.gsheets_data import write_oauth_files
from fakes.gsheets_server import FakeGoogle

EXE = Path(sys.executable).with_name("followup")


@pytest.fixture
def google():
    with FakeGoogle() as g:
        yield g


def _setup(tmp_path: Path, google: FakeGoogle, token: str = FakeGoogle.USER, folder: str = "") -> dict:
    state = tmp_path / "state"
    env = {**os.environ, "FOLLOWUP_STATE_DIR": str(state), "FOLLOWUP_GOOGLE_API_URL": google.url}
    os.environ["FOLLOWUP_STATE_DIR"] = str(state)  # for oauth_token_path (conftest restores it)
    _, cached = write_oauth_files(tmp_path, token)
    cfg = tmp_path / "followup.toml"
    cfg.write_text(
        '[sources]\nauth = "oauth"\noauth_client = "client_secret.json"\n'
        + (f'drive_folder = "{folder}"\n' if folder else ""),
        encoding="utf-8",
    )
    return {"env": env, "cfg": cfg, "token": cached}


def run(args, env, cwd):
    if not EXE.exists():
        pytest.skip("console script not installed")
    return subprocess.run([str(EXE), "gsheets", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_upload_with_oauth_files_into_my_drive_and_replaces(google, tmp_path):
    google.add_folder("reports", owner=FakeGoogle.OWNER_EMAIL)
    s = _setup(tmp_path, google, folder="reports")
    report = tmp_path / "11月第3周客户回访记录单.xlsx"
    report.write_bytes(b"PK\x03\x04 week")
    first = run(["upload", str(report), "--config", str(s["cfg"])], s["env"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "已上传 (uploaded)" in first.stdout
    second = run(["upload", str(report), "--config", str(s["cfg"])], s["env"], tmp_path)
    assert second.returncode == 0 and "已替换 (replaced)" in second.stdout
    (f,) = google.files.values()
    assert f.parents == ["reports"] and f.owner == FakeGoogle.OWNER_EMAIL
    assert s["token"].stat().st_mode & 0o077 == 0


def test_init_share_prints_a_url_the_agent_can_open(google, tmp_path):
    s = _setup(tmp_path, google)
    proc = run(
        [
            "init",
            "--title",
            "一号店回访",
            "--share",
            FakeGoogle.AGENT_EMAIL,
            "--role",
            "writer",
            "--config",
            str(s["cfg"]),
        ],
        s["env"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (key,) = google.spreadsheets
    assert f"https://docs.google.com/spreadsheets/d/{key}/edit" in proc.stdout
    assert FakeGoogle.AGENT_EMAIL in proc.stdout and key in google.visible_to(FakeGoogle.AGENT)


def test_bad_role_is_a_usage_error(google, tmp_path):
    s = _setup(tmp_path, google)
    proc = run(["init", "--title", "x", "--role", "owner", "--config", str(s["cfg"])], s["env"], tmp_path)
    assert proc.returncode == 2 and "writer" in proc.stderr and "Traceback" not in proc.stderr
    assert not google.spreadsheets


def test_oauth_without_a_client_file_is_a_config_error(google, tmp_path):
    cfg = tmp_path / "followup.toml"
    cfg.write_text('[sources]\nauth = "oauth"\n', encoding="utf-8")
    env = {**os.environ, "FOLLOWUP_STATE_DIR": str(tmp_path / "state"), "FOLLOWUP_GOOGLE_API_URL": google.url}
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"PK")
    proc = run(["upload", str(report), "--folder", "f", "--config", str(cfg)], env, tmp_path)
    assert proc.returncode == 2 and "sources.oauth_client" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "kind, body", [("drive.list", b"[]"), ("drive.create", b"{}"), ("drive.create", b"<html>not json</html>")]
)
def test_upload_never_says_uploaded_on_a_bad_answer(google, tmp_path, kind, body):
    from fakes.gsheets_server import Fault

    google.add_folder("reports", owner=FakeGoogle.OWNER_EMAIL)
    s = _setup(tmp_path, google, folder="reports")
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"PK\x03\x04")
    google.faults.append(Fault(body=body, kind=kind))
    res = run(["upload", str(report), "--config", str(s["cfg"])], s["env"], tmp_path)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "uploaded" not in res.stdout and "Google" in res.stderr and "r.xlsx" in res.stderr
