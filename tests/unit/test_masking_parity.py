"""Code.gs masks phones in text exactly as udfs/privacy.py does (issue 20 item 7, issue 26 item 4).

The same texts — every written form of tests/fakes/phone_forms.py around several numbers and
in several contexts, the unit tests' examples, and seeded random texts over a hostile alphabet
(format characters, digits of other scripts and outside the BMP, Chinese numerals, private-use
characters, every separator, hexadecimal letters, long digit-heavy cells) — go through
`mask_phones_in_text` and, under node, through Code.gs's `fuMaskPhones_` and `fuMaskText_`.
The outputs must be identical: 0 differences.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from fakes.phone_forms import ALL_MOBILE_FORMS, AREAS, LANDLINE_FORMS

from followup.addin.gsheets import make_appsscript
from followup.udfs.privacy import mask_phones_in_text

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

HARNESS = r"""
const vm = require('vm'), fs = require('fs');
const [code, casesFile] = process.argv.slice(2);
const ctx = {SpreadsheetApp: {getActive: () => ({getSpreadsheetTimeZone: () => 'Asia/Shanghai'})}, Utilities: {}};
vm.createContext(ctx); vm.runInContext(fs.readFileSync(code, 'utf8'), ctx);
const texts = JSON.parse(fs.readFileSync(casesFile, 'utf8'));
process.stdout.write(JSON.stringify(texts.map(t => [ctx.fuMaskPhones_(t), ctx.fuMaskText_(t)])));
"""

ALPHABET = (
    list("0123456789" * 4)
    + list(" -_.,:~*+()/·，。～：＊（）＋\u3000\t—–")
    + list("\u200b\u00ad\u2060\ufeff\u200e\u0000\U000e0041")  # format characters (and NUL)
    + list("０１２３４５６７８９¹²³⁴⁵⁶⁷⁸⁹⁰₁₂①②٣٤۵\U0001d7cf\U0001d7d8")  # other digits, two outside the BMP
    + list("〇零幺一二三四五六七八九壹贰叁")
    + list("\ue000\ue001\ue009abcdefABCxyz客户电话第店\U0001f600")
)


def _random_texts(rng: random.Random, n: int, size: int) -> list[str]:
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, size))) for _ in range(n)]


def _cases() -> list[str]:
    rng = random.Random(20261207)
    numbers = ["13812345678", "19900001111", "15012345678", "17700000000"]
    contexts = [
        ("", ""),
        ("客户", "说"),
        ("abc", "xyz"),
        ("第一", "。"),
        ("(", ")"),
        ("2026-11-16 ", " 10:30"),
        ("9", "9"),
    ]
    texts = [before + form(n) + after for n in numbers for _, form in ALL_MOBILE_FORMS for before, after in contexts]
    texts += [
        before + form(a, f"{rng.randint(2, 8)}{rng.randint(0, 9_999_999):07d}") + after
        for a in AREAS
        for _, form in LANDLINE_FORMS
        for before, after in contexts
    ]
    texts += [
        "+1 202 555 0143",
        "+44 20 7946 0958, 13812345678",
        "sha256 3f13812345678a" + "0" * 50,
        "sha256 3f13812345678a" + "0" * 51,
        "订单 2013812345678999 编号12812345678 K0100001 2026-11-16 10:30 金额 1880.50",
        "(0755)12345678 （010）12345678 (+86)13812345678 （＋86）13812345678",
        "0086 21 12345678 +86 10 1234 5678 008613812345678",
    ]
    texts += _random_texts(rng, 3000, 40)
    texts += _random_texts(rng, 20, 2000)
    texts += ["".join(rng.choice("0123456789 ,-:1") for _ in range(32_767)) for _ in range(3)]
    return texts


def test_code_gs_masks_every_text_as_python_does(tmp_path: Path):
    texts = _cases()
    (tmp_path / "harness.js").write_text(HARNESS, encoding="utf-8")
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    proc = subprocess.run(
        [NODE, str(tmp_path / "harness.js"), str(make_appsscript.CODE_GS), str(tmp_path / "texts.json")],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert len(got) == len(texts)
    differ = [(t, mask_phones_in_text(t), js) for t, js in zip(texts, got) if js != [mask_phones_in_text(t)] * 2]
    assert not differ, "\n".join(f"{t[:80]!r}: python {p[:80]!r}, js {j}" for t, p, j in differ[:10])
    assert sum(mask_phones_in_text(t) != t for t in texts) > 1000  # the cases do mask numbers
