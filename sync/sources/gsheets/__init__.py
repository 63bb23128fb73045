"""Google Sheets as a system of record. The port: `GoogleSheetsSource` (connector.py), the only way
a sync reads and writes Google Sheets. Under it: `Spreadsheets` (source.py: reading in read.py,
the plan tab and lookup formula in plan.py, the one-request write in writeback.py), HTTP with
throttle and bounded retries (client.py, http.py, throttle.py), Google's answers validated
(answers.py), the template (template.py) and Drive filing (drive.py). The `followup gsheets`
commands are the CLI plug-in `followup.sync.cli.gsheets`."""

from .client import make_client
from .connector import GoogleSheetsSource
from .errors import GSheetsAccessError, GSheetsError, GSheetsRequestError, GSheetsUnavailable
from .plan import PLAN_TAB
from .throttle import RetryPolicy, TokenBucket
from .writeback import WriteResult

__all__ = [
    "GoogleSheetsSource",
    "WriteResult",
    "PLAN_TAB",
    "make_client",
    "RetryPolicy",
    "TokenBucket",
    "GSheetsError",
    "GSheetsAccessError",
    "GSheetsRequestError",
    "GSheetsUnavailable",
]
