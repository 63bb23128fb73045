"""followup.udfs: the rules engine and the cell functions (pure: no I/O, no clock)."""

from .calendar import report_deadline, report_name, week_label, week_of
from .callwindow import call_window, call_windows, is_working_day
from .dates import to_date
from .engine import followup_route, followup_step, next_followup
from .errors import BadArgument, FollowupError, PlaybookError
from .names import NameCheck, check_report_name
from .playbook import builtin_playbooks, get_playbook, load_playbook
from .privacy import is_mobile, mask_phone, mask_phones_in_text, normalize_phone
from .quotas import QuotaResult, is_success, quota_check, small_store_check, too_many_questions, weekly_quota_table
from .sampling import gift_sample, tier_draw
from .table import followup_table

__all__ = [
    "next_followup",
    "followup_step",
    "followup_route",
    "followup_table",
    "to_date",
    "get_playbook",
    "load_playbook",
    "builtin_playbooks",
    "FollowupError",
    "BadArgument",
    "PlaybookError",
    "week_of",
    "week_label",
    "report_name",
    "report_deadline",
    "check_report_name",
    "NameCheck",
    "call_window",
    "call_windows",
    "is_working_day",
    "mask_phone",
    "normalize_phone",
    "mask_phones_in_text",
    "is_mobile",
    "is_success",
    "quota_check",
    "QuotaResult",
    "weekly_quota_table",
    "small_store_check",
    "tier_draw",
    "gift_sample",
    "too_many_questions",
]
