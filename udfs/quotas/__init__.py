"""Retail callback quotas (SPEC §3.2): `targets` (what counts as a success, a group's targets,
one week evaluated), `check` (QUOTA_CHECK: a group's week of calls), `frames` (the sync's
vectorised tables: weekly quotas per store, small stores, too many questions)."""

from .check import DayCount, QuotaResult, quota_check
from .frames import DAY_KEYS, service_mask, small_store_check, success_mask, too_many_questions, weekly_quota_table
from .targets import WEEK_STATUS, WEEKDAYS_ZH, default_quotas, evaluate_week, group_quota, is_success

__all__ = [
    "default_quotas",
    "is_success",
    "group_quota",
    "evaluate_week",
    "WEEK_STATUS",
    "WEEKDAYS_ZH",
    "DayCount",
    "QuotaResult",
    "quota_check",
    "DAY_KEYS",
    "success_mask",
    "service_mask",
    "weekly_quota_table",
    "small_store_check",
    "too_many_questions",
]
