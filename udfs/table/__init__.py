"""Table mode (SPEC §4.1 FOLLOWUP_TABLE): every customer at once, vectorised over numpy arrays.

`api.followup_table` runs the steps in order: `prep` (normalise the frames, derive each
customer's class) → `walk` (the call log through the class's steps) → `plan` (next contact,
priority, status), on a playbook `compiled` into lookup tables. `steps` is the array form of
`cadence.step_at`, `dates` the array date arithmetic, `rows` the per-row error mode, and
`walk_one` the same walk for one customer in plain Python (the reference the walk is tested
against). What closes a step is decided once, in `followup.udfs.closing`.
"""

from .api import OUTPUT_COLUMNS, followup_table

__all__ = ["followup_table", "OUTPUT_COLUMNS"]
