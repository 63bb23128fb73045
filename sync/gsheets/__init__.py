"""Google Sheets as a system of record: source + write-back (source.py), HTTP with throttle and
bounded retries (http.py), the template (template.py), Drive filing (drive.py), the run_sync
plug-in (connector.py) and the `followup gsheets` commands (cli.py)."""
from .errors import GSheetsAccessError, GSheetsError, GSheetsRequestError, GSheetsUnavailable
from .http import RetryPolicy, TokenBucket, make_client
from .source import GSheetsSource, WriteResult

__all__ = ["GSheetsSource", "WriteResult", "make_client", "RetryPolicy", "TokenBucket", "GSheetsError",
           "GSheetsAccessError", "GSheetsRequestError", "GSheetsUnavailable"]
