"""Reports (SPEC §3.6): `render` (what `run_sync` files: `render_report`, `render_rejections`,
`ReportContext`), one module per report (`weekly`, `gift`, `monthly`), the submission ledger
(`ledger`, `ledger_rule`, `ledger_repair`), filing as one set (`filing`, `layout`), the xlsx
output layer (`xlsx_out`: values only, phones masked, byte-identical on a re-run) and the
report texts in both languages (`i18n`)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .ledger import LEDGER_NAME, Ledger
    from .render import ERRORS_NAME, ReportContext, render_rejections, render_report

__all__ = ["ReportContext", "ERRORS_NAME", "render_report", "render_rejections", "LEDGER_NAME", "Ledger"]

# Imported on first use, so importing the package (or one of its modules) loads no more than it needs.
_WHERE = {
    "ReportContext": "render",
    "ERRORS_NAME": "render",
    "render_report": "render",
    "render_rejections": "render",
    "LEDGER_NAME": "ledger",
    "Ledger": "ledger",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
