"""Retail callback quotas (SPEC §3.2, from 002_…): successes, group targets, weekly evenness.

The week check QUOTA_CHECK is in `quotas.check`, the sync's frame functions in `quotas.frames`
and `udfs.sampling`. Defaults come from the `retail` playbook (`get_playbook("retail").quotas`);
every function takes a `quotas=` override. Decisions where the spec is silent:
- A week with fewer than 5 working days (statutory holidays) has its weekly range prorated by
  working days / 5 (never above the full range); a week without working days has no target.
- The 40 % evenness share is raised to 1/n when a week has only n < 3 working days, since an
  even spread over 2 days is 50 % each.
"""

from __future__ import annotations

import math
import re

from ..errors import BadArgument
from ..messages import expected
from ..playbook import get_playbook
from ..rules import GroupQuota, Quotas
from ..schema import SUCCESS_OUTCOMES, normalize, outcome_code

__all__ = [
    "default_quotas",
    "is_success",
    "group_quota",
    "evaluate_week",
    "WEEK_STATUS",
    "WEEKDAYS_ZH",
    "REASONS",
    "YES",
    "NO",
    "CN_DIGITS",
]

WEEK_STATUS = {"below": "未达标", "within": "达标", "above": "超出"}
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
# The evenness reasons (SPEC §3.2), also exported to Code.gs; shares are formatted as `40%`.
REASONS = {
    "idle": "{days} 无成功回访 (no successes on a working day)",
    "share": "{day} 占全周 {got},超过 {most} (one day holds more than {most} of the week)",
}
YES = {"是", "完成", "已完成", "yes", "y", "true", "t", "1", "✓", "√"}
NO = {"否", "未完成", "no", "n", "false", "f", "0", "×", "x"}
CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}


def default_quotas() -> Quotas:
    q = get_playbook("retail").quotas
    assert q is not None, "the built-in retail playbook defines the quotas"
    return q


def _flag(value: object, argument: str) -> bool | None:
    """A yes/no cell: None/"" → None (not given)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, (bool, int, float)) or type(value).__name__.startswith(("bool", "int", "float")):
        return bool(value)
    text = normalize(value)
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise BadArgument(argument, value, expected("yes_no"))


def is_success(outcome: object, completed: object = None) -> bool:
    """成功 / success counts; with `completed` given and falsy it does not (SPEC §3.2)."""
    if _flag(completed, "completed") is False:
        return False
    if outcome is None or not normalize(outcome):
        return False
    code = outcome_code(outcome)
    if code is None:
        raise BadArgument("outcome", outcome, expected("outcome"))
    return code in SUCCESS_OUTCOMES


def group_quota(group: object, quotas: Quotas | None = None) -> tuple[str, GroupQuota]:
    """`1`, 1.0, `一组`, `第2组`, `group 3` → (key, its quota)."""
    q = quotas or default_quotas()
    text = normalize(group)
    for cn, digit in CN_DIGITS.items():
        text = text.replace(cn, digit)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    key = text if text in q.groups else re.sub(r"^(?:第|group\s*)?(\d+)(?:组)?$", r"\1", text)
    if key not in q.groups:
        raise BadArgument("group", group, expected("group", groups=", ".join(q.groups)))
    return key, q.groups[key]


def evaluate_week(
    counts: list[int], working: list[bool], gq: GroupQuota, quotas: Quotas
) -> tuple[tuple[int, int], str, bool, list[str]]:
    """From 7 daily success counts: (weekly range, status, even, reasons)."""
    n = sum(working)
    scale = min(n, 5) / 5
    lo, hi = (math.floor(gq.weekly[0] * scale + 0.5), math.floor(gq.weekly[1] * scale + 0.5))
    total = sum(counts)
    status = "below" if total < lo else "above" if total > hi else "within"
    reasons: list[str] = []
    if total >= gq.daily:
        idle = [WEEKDAYS_ZH[i] for i in range(7) if working[i] and counts[i] == 0]
        if idle:
            reasons.append(REASONS["idle"].format(days="、".join(idle)))
    share = max(quotas.evenness_max_share, 1 / n if n else 1.0)
    if total:
        top = max(range(7), key=lambda i: counts[i])
        if counts[top] / total > share + 1e-9:
            reasons.append(
                REASONS["share"].format(day=WEEKDAYS_ZH[top], got=f"{counts[top] / total:.0%}", most=f"{share:.0%}")
            )
    return (lo, hi), status, not reasons, reasons
