"""followup cell functions for xlwings Lite (paste into the xlwings Lite editor's main.py).

xlwings Lite runs Python inside Excel (Pyodide/WebAssembly), so nothing is installed on the
PC. It registers every function of this module that carries xlwings' `@func` decorator;
the followup functions are decorated in `followup.udfs.excel`, and importing them here
makes them members of main.py. They are the very same functions as the desktop add-in's:
NEXT_FOLLOWUP, FOLLOWUP_STEP, FOLLOWUP_ROUTE, FOLLOWUP_TABLE, CALL_WINDOW, CALENDAR_NOTE, IS_SUCCESS,
QUOTA_CHECK, WEEK_LABEL, REPORT_NAME, REPORT_DEADLINE, MASK_PHONE, FOLLOWUP_ERROR, FAQ_LOOKUP,
CUSTOMER_HISTORY.

requirements.txt (the editor's second tab) must list the followup wheel: see
addin/lite/requirements.txt and the README section "Excel add-in".
"""

try:
    from followup.udfs.excel import (  # noqa: F401  (re-exported for xlwings Lite)
        CALENDAR_NOTE,
        CALL_WINDOW,
        CUSTOMER_HISTORY,
        FAQ_LOOKUP,
        FOLLOWUP_ERROR,
        FOLLOWUP_ROUTE,
        FOLLOWUP_STEP,
        FOLLOWUP_TABLE,
        IS_SUCCESS,
        MASK_PHONE,
        NEXT_FOLLOWUP,
        QUOTA_CHECK,
        REPORT_DEADLINE,
        REPORT_NAME,
        WEEK_LABEL,
    )
except ImportError as exc:  # pragma: no cover - only without the wheel
    raise ImportError(
        "followup 未安装:请在 requirements.txt 中加入 followup 的 wheel 地址后重启 xlwings Lite "
        "(followup is not installed: add its wheel URL to requirements.txt and restart xlwings Lite)"
    ) from exc

__all__ = [
    "NEXT_FOLLOWUP",
    "FOLLOWUP_STEP",
    "FOLLOWUP_ROUTE",
    "FOLLOWUP_TABLE",
    "CALL_WINDOW",
    "CALENDAR_NOTE",
    "IS_SUCCESS",
    "QUOTA_CHECK",
    "WEEK_LABEL",
    "REPORT_NAME",
    "REPORT_DEADLINE",
    "MASK_PHONE",
    "FOLLOWUP_ERROR",
    "FAQ_LOOKUP",
    "CUSTOMER_HISTORY",
]
