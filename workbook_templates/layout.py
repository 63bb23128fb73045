"""What each template holds: sheet and table names, columns per playbook, labels in zh/en.

Everything the builder, the recalculation check and the tests need to agree on lives here,
derived from udfs.schema and the playbook (never a second copy of a header).
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.udfs.playbook import DEFAULT_PLAYBOOK, Playbook, builtin_playbooks, get_playbook
from followup.udfs.schema import (
    CALL_COLUMNS,
    COMPUTED_COLUMNS,
    CUSTOMER_COLUMNS,
    FACT_COLUMNS,
    GIFT_COLUMNS,
    SETTINGS_KEYS,
    SHEETS,
    header,
)

__all__ = [
    "PLAYBOOKS",
    "template_playbooks",
    "TABLES",
    "NAMES",
    "MANUAL_COLUMNS",
    "Layout",
    "layout",
    "template_filename",
    "sheet_name",
    "DATE_KEYS",
    "DATETIME_KEYS",
    "MAX_ROW",
]


def template_playbooks() -> tuple[str, ...]:
    """Playbooks that get a template: every built-in one (`udfs/playbooks/*.toml`), the default
    first, then by name. (`retail` has no per-customer cadence: quotas and gifts only.)"""
    names = builtin_playbooks()
    return tuple(sorted(names, key=lambda n: (n != DEFAULT_PLAYBOOK, n)))


PLAYBOOKS = template_playbooks()  # as installed at import; callers that must see a new file call the function
# Excel table names (ASCII so every spreadsheet program and formula parser accepts them).
TABLES = {
    "customers": "tCustomers",
    "calls": "tCalls",
    "gifts": "tGifts",
    "settings": "tSettings",
    "manual": "tManual",
    "quota": "tQuota",
    "calendar": "tCalendar",
}
# Workbook-level defined names.
NAMES = {"today": "FU_Today", "playbook": "FU_Playbook", "group": "FU_Group", "week_start": "FU_WeekStart"}
# Formatting/validation reaches down to this row so rows typed below the samples get it too.
MAX_ROW = 2000

# The manual-mode sheet: what the agent types per customer, then NEXT_FOLLOWUP / FOLLOWUP_STEP.
MANUAL_COLUMNS: dict[str, str] = {
    "customer_id": "客户编号",
    "name": "姓名",
    "class": "类别",
    "anchor_date": "锚点日期",
    "calls_done": "已完成步数",
    "last_call": "上次联系",
    "failed_attempts": "未接通次数",
    "flags": "标记",
    "next_date": "下次回访",
    "purpose": "回访目的",
    "channel": "方式",
    "owner_role": "负责人",
}
MANUAL_INPUTS = ("class", "anchor_date", "calls_done", "last_call", "failed_attempts", "flags")
MANUAL_OUTPUTS = ("next_date", "purpose", "channel", "owner_role")

DATE_KEYS = frozenset(
    {
        "consult_date",
        "visit_date",
        "appointment_date",
        "purchase_date",
        "birthday",
        "anchor_date",
        "next_date",
        "given_date",
        "last_call",
        *FACT_COLUMNS,
    }
)
DATETIME_KEYS = frozenset({"call_time"})

_EXTRA_SHEETS = {"manual": ("手动模式", "Manual"), "calendar": ("日历", "Calendar")}
_SHEETS_EN = {"customers": "Customers", "calls": "Calls", "gifts": "Gifts", "quota": "Quota", "settings": "Settings"}
CONF_SHEET = "xlwings.conf"


def sheet_name(key: str, lang: str = "zh") -> str:
    if key in _EXTRA_SHEETS:
        return _EXTRA_SHEETS[key][0 if lang == "zh" else 1]
    return SHEETS[key] if lang == "zh" else _SHEETS_EN[key]


def template_filename(playbook: str, lang: str = "zh") -> str:
    return f"followup_{playbook}.xlsx" if lang == "zh" else f"followup_{playbook}_en.xlsx"


def col_header(key: str, lang: str) -> str:
    if key in MANUAL_COLUMNS and key not in CUSTOMER_COLUMNS and key not in COMPUTED_COLUMNS:
        return MANUAL_COLUMNS[key] if lang == "zh" else key
    return header(key, lang)


def _fact_keys(pb: Playbook) -> list[str]:
    """The optional event-date columns (udfs.schema.FACT_COLUMNS) this playbook reads."""
    used: set[str] = set()
    for c in pb.classes.values():
        used.add(c.anchor)
        used.update(c.cancel_when)
        for e in c.events:
            used.add(e.on)
            used.update(e.unless)
    for r in pb.daily_sms:
        used.add(r.on)
        used.update(r.requires)
    for d in pb.derive:
        used.add(d.when)
        used.update(d.later_than)
    return [k for k in FACT_COLUMNS if k in used]


@dataclass(frozen=True)
class Layout:
    playbook: str
    lang: str
    customer_keys: tuple[str, ...]
    computed: bool  # has the FOLLOWUP_TABLE block and the manual-mode sheet
    class_codes: tuple[str, ...]

    def sheet(self, key: str) -> str:
        return sheet_name(key, self.lang)

    def h(self, key: str) -> str:
        return col_header(key, self.lang)


def layout(playbook: str, lang: str = "zh") -> Layout:
    pb = get_playbook(playbook)
    keys = tuple(CUSTOMER_COLUMNS) + tuple(_fact_keys(pb))
    return Layout(playbook, lang, keys, bool(pb.classes), tuple(pb.classes))


# Re-exported for the builder and tests.
CALL_KEYS = tuple(CALL_COLUMNS)
GIFT_KEYS = tuple(GIFT_COLUMNS)
COMPUTED_KEYS = tuple(COMPUTED_COLUMNS)
SETTINGS_KEYS_ORDER = tuple(SETTINGS_KEYS)
