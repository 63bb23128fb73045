"""`python -m followup.sync.cli …`: the same as the `followup` command."""

from .entry import run

run()
