"""The `followup` command (Typer + rich): `entry` (the entry point `main`, the plug-in loader,
check-name, demo, excuse), `commands` (the Typer `app`, sync, today, shared options), `output`
(the masked console, progress, summaries), `help` (bilingual help); the plug-ins `gsheets`
(`followup gsheets …`) and `crm` (complaints, FAQ, history, SMS export), loaded by name in
`main()`. Importing this package loads no plug-in and no source."""

from .commands import app
from .entry import PLUGINS, load_plugins, main, run

__all__ = ["main", "run", "app", "PLUGINS", "load_plugins"]
