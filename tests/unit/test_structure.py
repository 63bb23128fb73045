"""Structural rules of the production tree (udfs/, sync/, addin/, workbook_templates/).

- No test machinery: no module reads an environment variable meant for tests (`*TEST*`); fault
  injection goes through seams the tests own (e.g. `reports.filing.checkpoint`, replaced by
  tests/fakes/kill_at.py).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = ("udfs", "sync", "addin", "workbook_templates")


def _sources():
    for folder in PRODUCTION:
        for path in sorted((REPO / folder).rglob("*.py")):
            yield path, path.read_text(encoding="utf-8")


def test_no_production_module_reads_a_test_environment_variable():
    env_read = re.compile(r"""(?:environ(?:\.get)?|getenv)\s*[\[(]\s*["']([A-Z0-9_]*TEST[A-Z0-9_]*)["']""")
    found = [f"{p.relative_to(REPO)}: {m}" for p, text in _sources() for m in env_read.findall(text)]
    assert not found, found
    assert sum(1 for _ in _sources()) > 100  # the walk saw the tree
