"""Console output of the CLI: tables readable at 80 columns, progress per workbook."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
from rich.cells import cell_len
from rich.console import Console

from followup.sync.cli.output import Out, _table
from followup.sync.sources.excel import read_sources

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
KEYS = ["store", "group", "calls", "successes", "rate", "daily_target", "weekly_min", "weekly_max", "even", "verdict"]
DROP = ("weekly_max", "daily_target", "group", "rate", "calls", "even", "weekly_min")


def _quota(n: int, lang: str) -> pd.DataFrame:
    verdicts = {"zh": ["未达标", "达标", "超出"], "en": ["below target", "on target", "above target"]}[lang]
    return pd.DataFrame(
        {
            "store": [f"上海市浦东新区陆家嘴环路第{i}号视光中心旗舰店" for i in range(n)],
            "group": ["2"] * n,
            "calls": [1200 + i for i in range(n)],
            "successes": [250 + i for i in range(n)],
            "rate": [0.21] * n,
            "daily_target": [50] * n,
            "weekly_min": [250] * n,
            "weekly_max": [300] * n,
            "even": ["均衡"] * n,
            "verdict": [verdicts[i % 3] for i in range(n)],
        }
    )


def _render(lang: str, width: int) -> list[str]:
    o = Out(lang)
    o.console = Console(width=width, record=True, highlight=False, soft_wrap=True, file=io.StringIO())
    q = _quota(50, lang)
    o.console.print(_table(o, "配额", q, KEYS, whole=("store", "verdict"), drop=DROP))
    return o.console.export_text().splitlines()


def test_quota_table_at_80_columns_keeps_store_names_and_verdicts_whole():
    for lang in ("zh", "en"):
        lines = _render(lang, 80)
        q = _quota(50, lang)
        body = [ln for ln in lines if "旗舰店" in ln]
        assert len(body) == 50, lang  # one line per store: nothing wrapped
        for name, verdict, line in zip(q["store"], q["verdict"], body):
            assert name in line and f" {verdict} " in line, (lang, line)
        assert max(cell_len(ln) for ln in lines) <= 80, lang
        assert "…" not in "\n".join(lines)


def test_wide_console_shows_every_column():
    text = "\n".join(_render("zh", 200))
    for head in ("组别", "回访数", "成功率", "日目标", "周目标上限", "均衡", "结论"):
        assert head in text


def test_read_sources_reports_each_workbook_as_it_completes(tmp_path, monkeypatch):
    names = [f"店{i}.xlsx" for i in range(5)]
    for n in names:
        (tmp_path / n).write_bytes((CORPUS / "01_good.xlsx").read_bytes())
    events = []
    monkeypatch.setenv("FOLLOWUP_WORKERS", "2")
    pooled = read_sources([tmp_path], progress=lambda step, i, n, detail="": events.append((step, i, n, detail)))
    assert events[0] == ("read_file", 0, 5, "")
    assert [e[1] for e in events[1:]] == [1, 2, 3, 4, 5]
    assert sorted(e[3] for e in events[1:]) == sorted(names)
    monkeypatch.setenv("FOLLOWUP_WORKERS", "1")
    serial = read_sources([tmp_path])  # no progress callback: nothing reported, same result
    assert len(pooled.rejections) == len(serial.rejections)
    assert list(pooled.stores[0].customers["customer_id"]) == list(serial.stores[0].customers["customer_id"])
