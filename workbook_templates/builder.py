"""Build the workbook templates (SPEC §4.2) with XlsxWriter.

One template per playbook whose columns differ (optometry, aesthetics, health_products,
retail). Every sheet is an Excel Table; the computed block of 客户 is ONE dynamic-array
`=FOLLOWUP_TABLE(tCustomers[#All],tCalls[#All],FU_Playbook,FU_Today)` beside the table (a
spill may not sit inside a Table), 手动模式 holds the per-row NEXT_FOLLOWUP / FOLLOWUP_STEP
variant, 配额 is native Excel formulas (COUNTIFS over the call log, works without the add-in).
Every formula carries the value the real engine computes for the sample rows on
`samples.SAMPLE_TODAY`, and the workbook's dates are fixed, so a re-run is byte-identical.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from pathlib import Path

import xlsxwriter

from followup.udfs.playbook import get_playbook

from . import samples
from .crm_sheets import CrmSheets
from .data_sheets import DataSheets
from .layout import Layout, layout, template_filename, template_playbooks
from .manual_sheet import ManualSheet
from .quota_sheet import QuotaSheet
from .settings_sheets import SettingsSheets
from .texts import TEXTS, translate

__all__ = ["build_template", "build_all", "template_bytes", "CREATED"]

CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)  # fixed: re-running gives identical bytes
_OPTIONS = {
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "default_date_format": "yyyy-mm-dd",
    "in_memory": True,
}


class _Builder(DataSheets, QuotaSheet, SettingsSheets, ManualSheet, CrmSheets):
    """One template: the sample state and the workbook; the sheet writers come from the bases."""

    def __init__(self, playbook: str, lang: str):
        if lang not in TEXTS:
            raise ValueError(f"lang {lang!r}: use zh or en")
        self.pb = get_playbook(playbook)
        self.lay: Layout = layout(playbook, lang)
        self.lang, self.L = lang, TEXTS[lang]
        self.today = samples.SAMPLE_TODAY
        self.customers = [translate(r, lang) for r in samples.customers(playbook)]
        self.calls = [translate(r, lang) for r in samples.calls(playbook)]
        self.gifts = samples.gifts(playbook)
        self.settings = samples.settings(playbook)
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, _OPTIONS)
        self.wb.set_properties(
            {"created": CREATED, "title": f"followup {playbook}", "comments": "followup workbook template (SPEC §4.2)"}
        )
        # Automatic calculation, but no forced full recalculation on load: a program without
        # the followup functions (LibreOffice, viewers, Excel before the add-in recalculates
        # TODAY()) keeps showing the cached results instead of #NAME?.
        self.wb.set_calc_mode("auto", calc_id=191029)
        self.wb.calc_on_load = False
        self._formats()
        self.cells: dict[str, str] = {}  # named cells: name → absolute reference

    def build(self) -> bytes:
        self.customers_sheet()
        self.calls_sheet()
        self.gifts_sheet()
        self.quota_sheet()
        self.settings_sheet()
        self.complaints_sheet()
        self.faq_sheet()
        if self.lay.computed:
            self.manual_sheet()
        self.calendar_sheet()
        self.conf_sheet()
        for ws in self.wb.worksheets():  # printing / PDF: A4 landscape, legible (see pages_wide)
            ws.set_landscape()
            ws.set_paper(9)
            wide = pages_wide(ws)
            ws.fit_to_pages(wide, 0)
            ws.repeat_rows(0)
            if wide > 1:  # each page names the customer of its rows
                ws.repeat_columns(0, 1)
        for name, ref in sorted(self.cells.items()):
            self.wb.define_name(name, f"={ref}")
        self.ws_customers.activate()
        self.wb.close()
        return self.buf.getvalue()


# At most PAGE_PX of columns per A4 landscape page keeps the print legible: an 11 pt font prints
# at ≥ 6 pt in LibreOffice (tests/e2e/test_template_print.py). Wider sheets print on several
# pages side by side.
PAGE_PX = 1150
DEFAULT_COLUMN_PX = 64


def pages_wide(ws) -> int:
    """How many A4 pages wide a sheet prints so that its text stays legible."""
    info = getattr(ws, "col_info", {})
    total = 0
    for col in range(ws.dim_colmax + 1 if ws.dim_colmax is not None else 0):
        c = info.get(col)
        total += DEFAULT_COLUMN_PX if c is None or c.width is None else (0 if c.hidden else c.width)
    return max(1, math.ceil(total / PAGE_PX))


def template_bytes(playbook: str, lang: str = "zh") -> bytes:
    return _Builder(playbook, lang).build()


def build_template(playbook: str, lang: str = "zh", out_dir: str | Path = ".") -> Path:
    """Write one template (`followup_<playbook>[_en].xlsx`) into `out_dir`; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / template_filename(playbook, lang)
    data = template_bytes(playbook, lang)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def build_all(
    out_dir: str | Path, langs: tuple[str, ...] = ("zh",), playbooks: tuple[str, ...] | None = None
) -> list[Path]:
    playbooks = template_playbooks() if playbooks is None else playbooks
    return [build_template(pb, lang, out_dir) for lang in langs for pb in playbooks]
