"""Privacy end to end (SPEC §3.5, issue 9 item 3): phones written in many forms into every input
field of a demo-like store workbook never leave the sync in clear.

The real sync runs (the CLI in-process, real .xlsx written), then every output byte is scanned:
each report's zip parts (sheets, shared strings, charts, workbook.xml with the sheet names,
document properties), the report folder's file names, stdout and stderr. The detector is
independent of the masker under test: it takes every run of digits and separators, keeps the
digits only, and looks for any injected number and any Chinese mobile number in it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
from fakes.phone_forms import ALL_MOBILE_FORMS, AREAS, LANDLINE_FORMS
from fakes.phone_forms import leaks as broad_leaks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.sync import run_sync
from followup.sync.cli import main
from followup.sync.cli.output import Out, print_sync
from followup.sync.config import Config
from followup.sync.demo import store_sheets, write_store_workbook
from followup.udfs.schema import CALL_COLUMNS, CUSTOMER_COLUMNS, GIFT_COLUMNS

# (name, form) for an 11-digit mobile number n (the common forms and issue 20's), and for a landline
MOBILE_FORMS = ALL_MOBILE_FORMS

mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")
landlines = st.tuples(st.sampled_from(AREAS), st.from_regex(r"\A[2-8][0-9]{7}\Z"))
# Text around a number: letters, CJK and punctuation, never digits (a digit next to a number
# makes it another number) and never '+' (which would read as a country code).
filler = st.text(alphabet="abcxyzTELNo客户说改号电话回拨联系。,:;!?、()【】 \u3000-", max_size=6)


@st.composite
def written_phone(draw):
    """(text holding one phone number, the digit strings that must not appear in clear)."""
    before, after = draw(filler), draw(filler)
    if draw(st.integers(0, 4)) == 0:
        (area, sub), (_, form) = draw(landlines), draw(st.sampled_from(LANDLINE_FORMS))
        return before + "【" + form(area, sub) + "】" + after, [area + sub, area[1:] + sub]
    n, (_, form) = draw(mobiles), draw(st.sampled_from(MOBILE_FORMS))
    return before + form(n) + after, [n]


FIELDS = [
    "store",
    "name",
    "agent",
    "customer_id",
    "feedback",
    "resolution",
    "gift",
    "check_result",
    "class",
    "outcome",
    "phone",
    "flags",
]

DAYS = [dt.date(2026, 11, 16) + dt.timedelta(days=i) for i in range(5)]  # 2026-W47, Mon–Fri
NOW = "2026-11-23T09:30"


def _col(columns: dict, key: str) -> int:
    return list(columns).index(key)


def _workbook(folder: Path, texts: dict[str, str]) -> Path:
    """A small demo store whose every input field holds one of the generated texts."""
    store = texts["store"]
    sheets = store_sheets(store, 1, "1", n_customers=10, call_days=DAYS, calls_per_day=4, n_gifts=4, seed=7)
    cust, calls, gifts, sett = sheets["客户"], sheets["回访记录"], sheets["礼品"], sheets["设置"]
    c = {k: _col(CUSTOMER_COLUMNS, k) for k in CUSTOMER_COLUMNS}
    k = {k: _col(CALL_COLUMNS, k) for k in CALL_COLUMNS}
    g = {k: _col(GIFT_COLUMNS, k) for k in GIFT_COLUMNS}
    old_id = cust[1][c["customer_id"]]
    new_id = texts["customer_id"]
    for row in cust[1:4]:
        row[c["name"]] = texts["name"]
        row[c["owner"]] = texts["agent"]
        row[c["flags"]] = texts["flags"]
    cust[2][c["phone"]] = texts["phone"]
    cust[1][c["customer_id"]] = new_id
    cust[4][c["class"]] = texts["class"]  # not a class: a rejection echoing the value
    for row in calls[1:]:
        if row[k["customer_id"]] == old_id:
            row[k["customer_id"]] = new_id
    calls[1][k["customer_id"]] = new_id
    for row in calls[1:9]:  # connected calls needing a follow-up
        row[k["agent"]] = texts["agent"]
        row[k["outcome"]] = "成功"
        row[k["channel"]] = "电话"
        row[k["kind"]] = "客户服务"
        row[k["questions"]] = 1
        row[k["feedback"]] = texts["feedback"]
        row[k["escalate"]] = "是"
        row[k["resolution"]] = texts["resolution"]
    calls[9][k["outcome"]] = texts["outcome"]  # rejected: the value is echoed
    calls[10][k["kind"]] = "礼品核查"
    calls[10][k["channel"]] = "短信"
    calls[10][k["outcome"]] = "已发送"
    calls[10][k["feedback"]] = texts["feedback"]
    gifts[1][g["customer_id"]] = new_id
    for row in gifts[1:]:
        row[g["gift"]] = texts["gift"]
        row[g["check_result"]] = texts["check_result"]
        row[g["given_date"]] = DAYS[1]
    for rows in (cust, calls, gifts):
        for row in rows[1:]:
            row[c["store"] if rows is cust else (k["store"] if rows is calls else g["store"])] = store
    sett[1][1] = store
    path = folder / "stores" / "一店.xlsx"
    write_store_workbook(path, sheets)
    return path


RUN = re.compile(r"[0-9](?:[0-9\s()\-./_+\u2010-\u2015]*[0-9])?")
HASH = re.compile(r"[0-9a-f]{64}")  # the ledger's sha256 digests are not phone numbers
ANY_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def leaks(where: str, text: str, secrets: set[str]) -> list[str]:
    """Independent detector: digits-only normalisation of every run of digits and separators;
    then again on the text with format characters removed, NFKC and Chinese numerals read as
    digits, runs joined by any separator of issue 20 too (there for the injected numbers only)."""
    text = HASH.sub("#", unicodedata.normalize("NFKC", text))
    out = []
    for run in RUN.finditer(text):
        digits = re.sub(r"\D", "", run.group())
        if any(s in digits for s in secrets) or ANY_MOBILE.search(digits):
            out.append(f"{where}: {text[max(0, run.start() - 30) : run.end() + 30]!r}")
    return out + broad_leaks(where, text, secrets, any_mobile=False)


def _scan_folder(folder: Path, secrets: set[str]) -> tuple[list[str], int]:
    found, parts = [], 0
    for path in sorted(folder.rglob("*")):
        found += leaks(f"file name {path.name}", path.name, secrets)
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    parts += 1
                    found += leaks(f"{path.name}:{name}", z.read(name).decode("utf-8", "replace"), secrets)
    return found, parts


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.fixed_dictionaries({f: written_phone() for f in FIELDS}))
def test_no_output_of_a_sync_shows_a_phone_number_in_clear(drawn):
    _sync_and_scan(drawn)


ALL_FORMS = [("m", name, form) for name, form in MOBILE_FORMS] + [("l", name, form) for name, form in LANDLINE_FORMS]


RUNS = -(-len(ALL_FORMS) // len(FIELDS))


@pytest.mark.parametrize("run", range(RUNS))
def test_every_written_form_in_every_field_is_masked(run):
    """Deterministic companion: every form, each in a different field, over a few syncs."""
    drawn = {}
    for i, field in enumerate(FIELDS):
        kind, _, form = ALL_FORMS[(run * len(FIELDS) + i) % len(ALL_FORMS)]
        if kind == "m":
            n = f"13{3 + i % 7}{run}{i:03d}{5678 + i:04d}"
            drawn[field] = (f"客户{form(n)}说", [n])
        else:
            area, sub = AREAS[i % len(AREAS)], f"{6 + run}{i:03d}{4321 + i:04d}"
            drawn[field] = (f"店【{form(area, sub)}】", [area + sub, area[1:] + sub])
    _sync_and_scan(drawn)


def _sync_and_scan(drawn: dict) -> None:
    texts = {f: t for f, (t, _) in drawn.items()}
    secrets = {s for _, ss in drawn.values() for s in ss}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _workbook(folder, texts)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                [
                    "sync",
                    "--source",
                    str(folder / "stores"),
                    "--out",
                    str(folder / "reports"),
                    "--week",
                    "2026-W47",
                    "--now",
                    NOW,
                ]
            )
            code_today = main(["today", "--source", str(folder / "stores"), "--date", "2026-11-20", "--now", NOW])
        assert code in (0, 1) and code_today in (0, 1), err.getvalue()  # 1: rows rejected
        found, parts = _scan_folder(folder / "reports", secrets)
        names = {p.name for p in (folder / "reports").rglob("*.xlsx")}
        assert {
            "11月第3周客户回访记录单.xlsx",
            "11月第3周礼品回访记录单.xlsx",
            "11月客户回访汇总表.xlsx",
            "提交记录.xlsx",
            "错误清单.xlsx",
        } <= names
        assert parts > 40
        weekly = zipfile.ZipFile(folder / "reports" / "2026" / "11月第3周客户回访记录单.xlsx")
        assert any(n.startswith("xl/charts/") for n in weekly.namelist())
        found += leaks("stdout", out.getvalue(), secrets) + leaks("stderr", err.getvalue(), secrets)
        assert "[值: " in out.getvalue()  # rejections echoed their (masked) values
        assert "****" in out.getvalue()
        assert not found, "\n".join(found[:20])


def test_the_console_layer_masks_without_the_stream_guard():
    """`print_sync` through `Out` alone (no `masked_output` around it): tables and lines masked."""
    store = "一店Tel.13812345678"
    texts = {f: "—" for f in FIELDS} | {
        "store": store,
        "agent": "小王(138)1234-5678",
        "customer_id": "K0100001",
        "class": "A",
        "outcome": "成功",
        "phone": "13912345678",
        "flags": "",
        "resolution": "已回电13912345670",
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _workbook(folder, texts)
        cfg = Config.default(sources=[folder / "stores"], out=folder / "reports")
        result = run_sync(cfg, dt.datetime(2026, 11, 23, 9, 30), "2026-W47")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            print_sync(Out("zh"), result)
        text = buf.getvalue()
    assert "一店Tel.138****5678" in text
    assert not leaks("console", text, {"13812345678", "13912345678", "13912345670"}), text


def test_the_corpus_privacy_case_syncs_without_a_phone_in_clear():
    """tests/corpus/60_phones_in_every_field.xlsx (the issue's forms) through the real CLI."""
    import shutil

    corpus = Path(__file__).resolve().parents[1] / "corpus" / "60_phones_in_every_field.xlsx"
    secrets = {"13812345678", "13912345678", "13612345678", "02112345678", "075512345678"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "stores").mkdir()
        shutil.copy(corpus, folder / "stores" / corpus.name)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(
                [
                    "sync",
                    "--source",
                    str(folder / "stores"),
                    "--out",
                    str(folder / "reports"),
                    "--week",
                    "2026-W44",
                    "--now",
                    "2026-11-02T09:30",
                ]
            )
        assert code == 1, err.getvalue()  # two rows rejected
        found, parts = _scan_folder(folder / "reports", secrets)
        assert parts > 40
        text = out.getvalue()
        assert "一店Tel.138****5678" in text and "[值: 138****5678]" in text
        weekly = zipfile.ZipFile(folder / "reports" / "2026" / "10月第5周客户回访记录单.xlsx").read(
            "xl/sharedStrings.xml"
        )
        assert "已回电139****5678".encode() in weekly and "小陈138****5678".encode() in weekly
        found += leaks("stdout", text, secrets) + leaks("stderr", err.getvalue(), secrets)
        assert not found, "\n".join(found[:20])
