"""Every error text from the engine passes the phone masker (SPEC §3.5; cases in
tests/golden_extra/masked_errors.csv, each citing its seed) — Python and the Apps Script."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from followup.addin.gsheets import make_appsscript
from followup.udfs import BadArgument, FollowupError, followup_step, followup_table, next_followup

HERE = Path(__file__).resolve().parent.parent / "golden_extra"
ARGS = ["cls", "anchor", "calls_done", "last_call", "failed_attempts", "flags", "playbook", "today"]


def _rows():
    with open(HERE / "masked_errors.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _value(text: str):
    if text.startswith("n:"):
        return int(text[2:])
    if text.startswith("f:"):
        return float(text[2:])
    return text


def _raise(row) -> FollowupError:
    value = _value(row["value"])
    with pytest.raises(FollowupError) as e:
        if row["function"] == "followup_table":
            cust = {"客户编号": "K1", "类别": "A", "购买日期": "2026-11-01"}
            calls = pd.DataFrame([{"客户编号": "K1", "时间": "2026-11-04 10:00", "结果": "成功"}])
            if row["where"].startswith("calls:"):
                calls[row["where"][6:]] = [value]
            else:
                cust[row["where"]] = value
            followup_table(pd.DataFrame([cust]), calls, "optometry", "2026-11-20")
        else:
            args = dict(zip(ARGS, ["A", "2026-11-01", 0, None, 0, "", "optometry", "2026-11-20"]))
            args[row["where"]] = value
            {"next_followup": next_followup, "followup_step": followup_step}[row["function"]](**args)
    return e.value


@pytest.mark.parametrize("row", _rows(), ids=lambda r: r["case"])
def test_error_texts_are_masked(row):
    assert row["seed"]
    err = _raise(row)
    text = str(err)
    assert "13812345678" not in text and "1234-5678" not in text, text
    assert "138****5678" in text, text
    assert isinstance(err, BadArgument)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_apps_script_error_texts_are_masked(tmp_path):
    rows = [r for r in _rows() if r["function"] != "followup_table"]
    cases = []
    for r in rows:
        args = dict(zip(ARGS, ["A", "2026-11-01", 0, "", 0, "", "optometry", "2026-11-20"]))
        args[r["where"]] = _value(r["value"])
        cases.append([args[a] for a in ARGS])
    (tmp_path / "h.js").write_text(
        "const vm=require('vm'),fs=require('fs');const ctx={};vm.createContext(ctx);"
        "vm.runInContext(fs.readFileSync(process.argv[2],'utf8'),ctx);const out=[];"
        "for(const a of JSON.parse(fs.readFileSync(process.argv[3],'utf8'))){"
        "try{ctx.NEXT_FOLLOWUP(...a);out.push('');}catch(e){out.push(String(e.message));}}"
        "process.stdout.write(JSON.stringify(out));",
        encoding="utf-8",
    )
    (tmp_path / "c.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [shutil.which("node"), str(tmp_path / "h.js"), str(make_appsscript.CODE_GS), str(tmp_path / "c.json")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"TZ": "Asia/Shanghai", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    for r, text in zip(rows, json.loads(proc.stdout)):
        assert text, r["case"]
        assert "13812345678" not in text and "1234-5678" not in text, (r["case"], text)
        assert "138****5678" in text, (r["case"], text)
