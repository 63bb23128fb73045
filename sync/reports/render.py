"""Filing the reports (SPEC §3.6): the kinds of the report table (`specs.REPORTS`: the weekly
callback record, the weekly gift record and the monthly summary) — named only through
`followup.udfs.calendar.report_name`.

Every file is values only (no formulas), every text written as a string (a feedback starting
with `=` stays text), phones masked, atomically replaced, and byte-identical on a re-run
(the workbook's creation date is derived from the period, never from the clock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from followup.udfs.calendar import report_name

from .i18n import heads, in_lang, tr
from .specs import spec_of
from .xlsx_out import WRAP_AT, SheetWriter, atomic_write_bytes, fixed_created, workbook_bytes

__all__ = [
    "ReportContext",
    "FiledReport",
    "file_report",
    "render_report",
    "write_rejections",
    "render_rejections",
    "ERRORS_NAME",
]

ERRORS_NAME = "错误清单.xlsx"


@dataclass
class ReportContext:
    """Everything the three reports show; built by the pipeline."""

    monday: dt.date
    lang: str = "zh"
    week: pd.DataFrame = field(default_factory=pd.DataFrame)  # prepared calls of the week
    store_week: pd.DataFrame = field(default_factory=pd.DataFrame)
    agent_week: pd.DataFrame = field(default_factory=pd.DataFrame)
    daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_issues: pd.DataFrame = field(default_factory=pd.DataFrame)
    open_complaints: pd.DataFrame | None = None  # None: no 投诉 sheet was read (no sheet in the record)
    gift_share: float = 0.4
    gift_sample: pd.DataFrame = field(default_factory=pd.DataFrame)
    gift_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    gift_calls: pd.DataFrame = field(default_factory=pd.DataFrame)
    month_stores: pd.DataFrame = field(default_factory=pd.DataFrame)
    month_week_totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    month_bands: pd.DataFrame = field(default_factory=pd.DataFrame)  # group, period, weekly_min/max
    month_start: dt.date | None = None
    late_filings: list = field(default_factory=list)
    rotation: str = "all"  # big | small | all (002 轮流回访)
    hard_cases: pd.DataFrame = field(default_factory=pd.DataFrame)  # customers flagged 难沟通 (000)
    month_requests: pd.DataFrame = field(default_factory=pd.DataFrame)  # 回访需求 per store/department (002)
    rotation_stores: list = field(default_factory=list)

    @property
    def year(self) -> int:
        """The year folder of this week's reports: the year of the month in their names."""
        return self.thursday.year

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def thursday(self) -> dt.date:
        return self.monday + dt.timedelta(days=3)

    @property
    def label(self) -> str:
        from followup.udfs.calendar import week_label

        return week_label(self.monday)

    @property
    def month_label(self) -> str:
        return f"{self.thursday.month}月"


@dataclass(frozen=True)
class FiledReport:
    kind: str
    path: Path
    digest: str  # sha256 of the bytes written


def render_report(kind: str, ctx: ReportContext) -> tuple[str, bytes]:
    """One report's exact file name and its bytes (nothing written); `kind`: a line of the
    report table (`reports.specs`)."""
    spec = spec_of(kind)
    fill = spec.fill_function()
    monthly = spec.monthly
    start = ctx.month_start if monthly and ctx.month_start else ctx.monday
    created = fixed_created(start)
    label = ctx.month_label if monthly else ctx.label
    title = spec.title[1 if ctx.lang == "en" else 0].format(label=label)
    page = (title, f"{start:%Y-%m-%d} ~ {ctx.sunday:%Y-%m-%d}")
    data = workbook_bytes(
        created,
        lambda wb, f: fill(wb, f, ctx),
        title=spec.title[0].format(label=label),
        page=page,
        lang=ctx.lang,
    )
    return report_name(kind, ctx.thursday), data


def file_report(kind: str, ctx: ReportContext, out_dir: Path) -> FiledReport:
    """Write one report into `out_dir` under its exact name, on its own (the sync files the whole
    set through `followup.sync.reports.filing`); returns its path and digest."""
    name, data = render_report(kind, ctx)
    path = atomic_write_bytes(Path(out_dir) / name, data)
    return FiledReport(kind, path, hashlib.sha256(data).hexdigest())


REJECT_KEYS = ["file", "sheet", "row", "column", "value", "message"]


def write_rejections(rejections: list, out_dir: Path, created: dt.datetime, lang: str = "zh") -> Path:
    """`错误清单.xlsx`: one row per rejected row/cell (values already masked; masked again anyway)."""
    return atomic_write_bytes(Path(out_dir) / ERRORS_NAME, render_rejections(rejections, created, lang))


def render_rejections(rejections: list, created: dt.datetime, lang: str = "zh") -> bytes:
    """The bytes of `错误清单.xlsx` (nothing written): each message in the report's language."""
    from followup.udfs.privacy import mask_phones_in_text

    rows = [
        [
            Path(r.file).name if r.file else "",
            r.sheet,
            r.row,
            r.column,
            mask_phones_in_text(r.value) if r.value not in (None, "") else "",
            mask_phones_in_text(in_lang(r.message, lang)) + ("" if r.fatal else f" ({tr('warning', lang)})"),
        ]
        for r in rejections
    ]
    head = heads(["file", "sheet", "row", "column"], lang) + (["值", "问题"] if lang != "en" else ["Value", "Problem"])

    def fill(wb, f):
        sw = SheetWriter(wb, tr("sheet_errors", lang), f)
        sw.frame(pd.DataFrame(rows, columns=REJECT_KEYS), head)
        sw.widths[len(REJECT_KEYS) - 1] = WRAP_AT + 10  # the message column: wide, wrapped
        sw.finish(freeze=1)

    return workbook_bytes(
        created,
        fill,
        title="错误清单",
        page=(tr("sheet_errors", lang), f"{created:%Y-%m-%d} ~ {created + dt.timedelta(days=6):%Y-%m-%d}"),
        lang=lang,
    )
