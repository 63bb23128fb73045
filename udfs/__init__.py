"""followup.udfs: the rules engine and the cell functions (pure: no I/O, no clock)."""
from .dates import to_date
from .engine import followup_route, followup_step, next_followup
from .errors import BadArgument, FollowupError, PlaybookError
from .playbook import builtin_playbooks, get_playbook, load_playbook

__all__ = [
    "next_followup", "followup_step", "followup_route",
    "to_date", "get_playbook", "load_playbook", "builtin_playbooks",
    "FollowupError", "BadArgument", "PlaybookError",
]
