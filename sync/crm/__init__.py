"""The store workbooks' customer-relations side: the optional 投诉 / 常见问题 sheets (`sheets`),
the SMS batch export (`sms_export`) and the complaint feedback form (`feedback_form`)."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .feedback_form import write_feedback_form
    from .sheets import CrmData, attach_complaints, crm_of
    from .sms_export import export_sms, plan_sms

__all__ = ["CrmData", "crm_of", "attach_complaints", "plan_sms", "export_sms", "write_feedback_form"]

# Imported on first use, so importing the package (or one of its modules) loads no more than it needs.
_WHERE = {
    "CrmData": "sheets",
    "crm_of": "sheets",
    "attach_complaints": "sheets",
    "plan_sms": "sms_export",
    "export_sms": "sms_export",
    "write_feedback_form": "feedback_form",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
