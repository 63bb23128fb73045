"""`python -m followup.sync.cli …`: the same as the `followup` command."""

import sys

from .entry import main

sys.exit(main())
