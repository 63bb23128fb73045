"""Shared fixtures. Golden cases live in ../shared/golden beside the clone (CI has them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parents[1].parent / "shared" / "golden"


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    """The golden folder; skips where it is absent (a user's clone) but fails under CI."""
    if not GOLDEN.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the golden cases are missing: {GOLDEN} (clone ../shared beside the repo)")
        pytest.skip(f"golden cases not found at {GOLDEN}: clone ../shared beside this repo to run them")
    return GOLDEN


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path, monkeypatch):
    """Keep the Google Sheets connector's per-user state inside each test's own folder."""
    monkeypatch.setenv("FOLLOWUP_STATE_DIR", str(tmp_path / "state"))
