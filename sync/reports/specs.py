"""The report kinds a sync files, as one table: adding a report is one `ReportSpec` line here
plus its fill module (and, first, its naming rule in the engine).

    ReportSpec("gift", "followup.sync.reports.gift:fill_gift", T["title_gift"], ("归档礼品回访记录单", "filing the gift record"))

- `kind`: a key of `followup.udfs.calendar.REPORT_KINDS`, the engine's rule of SPEC §3.6 for
  the report's file name, period (week or month), deadline, the aliases users type and the
  keywords that tell a mistyped name's kind (`check-name`, a rebuilt ledger) — the cell
  functions REPORT_NAME / REPORT_DEADLINE need them too, so they stay in the engine.
- `fill`: "module:function"; `function(wb, formats, ctx: ReportContext)` writes the report's
  sheets (imported when the report is rendered).
- `title`: (zh, en) with `{label}`: the week (`11月第3周`) or, for a month report, the month.
- `progress`: (zh, en), the step the console shows while the report is filed.
- `late_excerpt`: the report lists late filings, this run's included (the monthly summary):
  rendered after the other reports, with `ctx.late_filings` set.

What derives from the table (read at call time, so a test may replace it): the deadlines of a
sync (`deadline.sync_statuses`, `deadline.report_kinds`), the pipeline's steps and reports
(`pipeline.steps`), the rendering (`render.render_report`), the console's progress labels
(`cli/output.py`) and `followup excuse --report`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from followup.udfs.calendar import REPORT_KINDS

from .i18n import T

__all__ = ["ReportSpec", "REPORTS", "report_specs", "spec_of"]


@dataclass(frozen=True)
class ReportSpec:
    kind: str
    fill: str
    title: tuple[str, str]
    progress: tuple[str, str]
    late_excerpt: bool = False

    @property
    def monthly(self) -> bool:
        """It covers a month (its name has no week number; its title the month)."""
        return bool(REPORT_KINDS[self.kind]["period"] == "month")

    def fill_function(self) -> Callable[[Any, Any, Any], None]:
        module, _, name = self.fill.partition(":")
        fill: Callable[[Any, Any, Any], None] = getattr(importlib.import_module(module), name)
        return fill


REPORTS: tuple[ReportSpec, ...] = (
    ReportSpec(
        "weekly",
        "followup.sync.reports.weekly:fill_weekly",
        T["title_weekly"],
        ("归档周回访记录单", "filing the weekly record"),
    ),
    ReportSpec(
        "gift",
        "followup.sync.reports.gift:fill_gift",
        T["title_gift"],
        ("归档礼品回访记录单", "filing the gift record"),
    ),
    ReportSpec(
        "monthly",
        "followup.sync.reports.monthly:fill_monthly",
        T["title_monthly"],
        ("归档月度汇总表", "filing the monthly summary"),
        late_excerpt=True,
    ),
)


def report_specs() -> tuple[ReportSpec, ...]:
    """The table, in filing order (late-excerpt reports last, after the reports they list)."""
    return tuple(sorted(REPORTS, key=lambda s: s.late_excerpt))


def spec_of(kind: str) -> ReportSpec:
    for spec in REPORTS:
        if spec.kind == kind:
            return spec
    raise KeyError(kind)
