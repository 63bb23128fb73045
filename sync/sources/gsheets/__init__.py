"""Google Sheets as a system of record: the source (source.py: reading in read.py, write-back in
writeback.py), HTTP with throttle and bounded retries (client.py, http.py, throttle.py), the
template (template.py), Drive filing (drive.py) and the run_sync source (connector.py:
`GoogleSheetsSource`). The `followup gsheets` commands are the CLI plug-in `followup.sync.cli.gsheets`."""

from .client import make_client
from .errors import GSheetsAccessError, GSheetsError, GSheetsRequestError, GSheetsUnavailable
from .source import GSheetsSource
from .throttle import RetryPolicy, TokenBucket
from .writeback import WriteResult

__all__ = [
    "GSheetsSource",
    "WriteResult",
    "make_client",
    "RetryPolicy",
    "TokenBucket",
    "GSheetsError",
    "GSheetsAccessError",
    "GSheetsRequestError",
    "GSheetsUnavailable",
]
