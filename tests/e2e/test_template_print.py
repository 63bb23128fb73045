"""The shipped templates in a spreadsheet without the followup functions, and on paper.

LibreOffice (headless, told to recalculate every formula on load) stands for any program without
the add-in (WPS, Excel before installing it): recalculated, no cell may show #NAME? or another
error; the computed block of 客户 and 手动模式's columns stay blank and one note per sheet says what
to install. Printed to PDF (A4 landscape), every page of every sheet is legible: no text under 6 pt.

Needs `soffice` and pypdf; skips without LibreOffice, fails instead under CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from followup.templates.layout import PLAYBOOKS, layout, sheet_name, template_filename
from followup.templates.texts import TEXTS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None:
    if os.environ.get("CI") == "true":
        pytest.fail("LibreOffice (soffice) is required under CI=true", pytrace=False)
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)
pypdf = pytest.importorskip("pypdf")

SHIPPED = Path(__file__).resolve().parents[2] / "workbook_templates"
MIN_POINTS = 6.0
A4_LANDSCAPE = (842, 595)
# "Recalculation on file load: always" for .xlsx and .ods, in a private profile.
_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _books() -> list[tuple[str, str, Path]]:
    return [(pb, "zh", SHIPPED / template_filename(pb, "zh")) for pb in PLAYBOOKS]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """Each shipped template recalculated by LibreOffice: {path: (xlsx copy, pdf)}."""
    base = tmp_path_factory.mktemp("lo")
    user = base / "profile" / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_XCU, encoding="utf-8")
    files = [str(p) for _, _, p in _books()]
    out = {}
    for fmt in ("xlsx", "pdf"):
        proc = subprocess.run(
            [SOFFICE, f"-env:UserInstallation={(base / 'profile').as_uri()}", "--headless", "--norestore"]
            + ["--convert-to", fmt, "--outdir", str(base / fmt), *files],
            capture_output=True,
            text=True,
            timeout=600,
        )
        for f in files:
            assert (base / fmt / (Path(f).stem + "." + fmt)).is_file(), (f, proc.stdout, proc.stderr)
    for _, _, p in _books():
        out[p] = (base / "xlsx" / p.name, base / "pdf" / (p.stem + ".pdf"))
    return out


@pytest.mark.parametrize(("pb", "lang", "path"), _books(), ids=[b[0] for b in _books()])
def test_without_the_functions_one_note_and_no_error(converted, pb, lang, path):
    note = TEXTS[lang]["missing_note"]
    wb = openpyxl.load_workbook(converted[path][0], data_only=True)
    errors, notes = [], []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("#") and c.value.rstrip("!?/0").isupper():
                    errors.append((ws.title, c.coordinate, c.value))
                if c.value == note:
                    notes.append(ws.title)
    assert errors == []
    lay = layout(pb, lang)
    computed = [sheet_name("customers", lang), sheet_name("manual", lang)] if lay.computed else []
    assert sorted(notes) == sorted(computed)  # one note per sheet that calls the functions
    if lay.computed:  # the block recalculated to blanks, not to the cached sample results
        ws = wb[sheet_name("customers", lang)]
        start = len(lay.customer_keys) + 2
        assert all(ws.cell(r, c).value in (None, "") for r in range(1, 6) for c in range(start, start + 9))


@pytest.mark.parametrize(("pb", "lang", "path"), _books(), ids=[b[0] for b in _books()])
def test_every_page_prints_legibly_on_a4(converted, pb, lang, path):
    reader = pypdf.PdfReader(str(converted[path][1]))
    small = []
    for i, page in enumerate(reader.pages):
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_LANDSCAPE
        sizes: list[float] = []

        def visit(text, cm, tm, font, size, sizes=sizes):
            scale = tm[0] * cm[0] + tm[1] * cm[2]
            if text.strip():
                sizes.append(abs(size * scale) if scale else size)

        page.extract_text(visitor_text=visit)
        if sizes and min(sizes) < MIN_POINTS:
            small.append((i + 1, round(min(sizes), 1), (page.extract_text() or "")[:30]))
    assert not small, f"pages printed under {MIN_POINTS} pt: {small}"
    text = "".join(p.extract_text() or "" for p in reader.pages)
    assert "周目标 250-300" in text or "周目标 150-180" in text  # 配额's band, whole
