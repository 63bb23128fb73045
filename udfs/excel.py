"""The Excel-facing cell functions (SPEC §4.1): thin wrappers with Excel names and argument order.

This adapter is the edge of the engine: empty cells arrive as None, `today` defaults to the
current date in Asia/Shanghai (the only place a clock is read), empty results go back as "".

Errors are error values. A bad argument must show as #VALUE! (ISERROR() true, no text where a
date is compared), which the desktop add-in cannot do by raising: xlwings' generated VBA
wrapper (`On Error GoTo failed` … `FN = Err.Description`) turns every Python exception into the
message as TEXT. So under the desktop add-in (Windows, pywin32 present) a FollowupError is
returned as a COM VT_ERROR variant with Excel's #VALUE! code, which VBA passes through
unchanged (`FN = XLPy.CallUDF(...)`), i.e. what `CVErr(xlErrValue)` returns. Elsewhere the
exception propagates: xlwings Lite (Office.js custom functions) shows a raised error as #VALUE!
with its message, and Python callers get the exception. The message is reachable in every
runtime with `=FOLLOWUP_ERROR("NEXT_FOLLOWUP", F2, J2, 0, , , M2)` (the same arguments after
the function's name): the message, or "" when the call is fine — or, when its result used a year
without an official holiday schedule (SPEC §3.7), the warning naming that year. The table functions never
fail for one bad row: FOLLOWUP_TABLE and QUOTA_CHECK compute every good row and give a bad one
an error status and its message in its own row (errors="row").
2-D results are plain nested lists: Excel 365/2021 spills them as native dynamic arrays. They
are deliberately not decorated `@xw.ret(expand="table")`: that is xlwings' legacy emulation for
Excel without dynamic arrays, which xlwings' docs say not to use where native ones exist (it
rewrites the caller as a fixed-size array formula after each calculation).
Without xlwings (Linux, Pyodide without it) the decorators are no-ops, so the module imports
anywhere and the wrappers are plain functions.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import sys
from collections.abc import Callable, Iterable
from types import FunctionType, SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from . import calendar as cal
from .callwindow import call_window, is_working_day
from .engine import followup_route, followup_step, next_followup
from .errors import BadArgument, FollowupError
from .messages import expected
from .privacy import mask_phone, mask_phones_in_text
from .quotas import is_success, quota_check
from .schema import CALL_COLUMNS, COMPUTED_COLUMNS, CUSTOMER_COLUMNS
from .workcalendar import calendar_scope, unofficial_warning

if TYPE_CHECKING:
    import pandas as pd

try:
    import xlwings as xw
except ImportError:  # pragma: no cover - exercised in a subprocess test

    def _decorator(*args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # bare @xw.func
        return lambda f: f  # @xw.func(...), @xw.arg(...), @xw.ret(...)

    xw = SimpleNamespace(func=_decorator, arg=_decorator, ret=_decorator)  # type: ignore[assignment]  # the decorators only

__all__ = [
    "NEXT_FOLLOWUP",
    "FOLLOWUP_STEP",
    "FOLLOWUP_ROUTE",
    "FOLLOWUP_TABLE",
    "CALL_WINDOW",
    "CALENDAR_NOTE",
    "IS_SUCCESS",
    "QUOTA_CHECK",
    "WEEK_LABEL",
    "REPORT_NAME",
    "REPORT_DEADLINE",
    "MASK_PHONE",
    "FOLLOWUP_ERROR",
    "FAQ_LOOKUP",
    "CUSTOMER_HISTORY",
    "range_to_frame",
    "frame_to_range",
    "today_in_shanghai",
    "error_value",
]

# Excel's error codes as COM hands them over (CVErr(2015) → VT_ERROR 0x800A07DF), the same
# table xlwings uses to read error cells (xlwings._xlwindows.cell_errors).
XL_ERROR_CODES = {"#VALUE!": -2146826273, "#N/A": -2146826246}
DEADLINE_FORMAT = "yyyy-mm-dd hh:mm"  # REPORT_DEADLINE: date AND time (12:00 / 18:00)


def error_value(error: str = "#VALUE!") -> object:
    """The cell error value for the desktop add-in (a pywin32 VT_ERROR variant), or None where
    no COM is present (Lite, Linux, plain Python): there the exception itself is the error."""
    if sys.platform != "win32":
        return None
    try:
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:  # pragma: no cover - Windows without pywin32 cannot run the add-in
        return None
    return VARIANT(pythoncom.VT_ERROR, XL_ERROR_CODES[error])


_RAW: dict[str, Callable[..., object]] = {}  # name → the function before its error-value conversion
CELL_FUNCTIONS = _RAW  # the functions FOLLOWUP_ERROR can name (exported to Code.gs with their arity)


def _cell(fn: Callable[..., object]) -> Callable[..., object]:
    """A FollowupError leaves the cell function as #VALUE! (see the module doc), not as text."""
    _RAW[fn.__name__] = fn

    @functools.wraps(fn)
    def cell_function(*args: object, **kwargs: object) -> object:
        try:
            return fn(*args, **kwargs)
        except FollowupError:
            value = error_value("#VALUE!")
            if value is None:
                raise
            return value

    return cell_function


def today_in_shanghai() -> dt.date:
    return dt.datetime.now(cal.TZ).date()


def _blank(value: object) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and math.isnan(value))
    )


def _out(value: object) -> object:
    """One Python value → one cell: None/NaN/NaT → "", midnight timestamps → date, numpy → Python."""
    if value is None or type(value).__name__ in ("NaTType", "NAType"):
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if type(value).__name__ == "datetime64":  # numpy: .item() would give nanoseconds as int
        import numpy as np
        import pandas as pd

        assert isinstance(value, np.datetime64)
        value = pd.Timestamp(value)
        if pd.isna(value):
            return ""
    if hasattr(value, "to_pydatetime"):  # pandas.Timestamp
        value = value.to_pydatetime()
    elif hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalar
        return _out(value.item())
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)
        return value.date() if value.time() == dt.time() else value
    return value


def range_to_frame(values: Iterable[object] | None, keep_blank_rows: bool = False) -> pd.DataFrame:
    """A 2-D range (first row = headers) → DataFrame; fully empty columns dropped, and fully
    empty rows too unless `keep_blank_rows` (then only trailing ones go)."""
    import pandas as pd

    if values is None:
        return pd.DataFrame()
    rows = [list(r) if isinstance(r, (list, tuple)) else [r] for r in values]
    if rows and not any(isinstance(r, (list, tuple)) for r in values):
        rows = [list(values)]  # a single row came as a flat list
    if keep_blank_rows:
        while rows and all(_blank(v) for v in rows[-1]):
            rows.pop()
    else:
        rows = [r for r in rows if not all(_blank(v) for v in r)]
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    keep = [j for j in range(width) if not all(_blank(r[j]) for r in rows)]
    head = [str(rows[0][j]).strip() if not _blank(rows[0][j]) else f"列{j + 1}" for j in keep]
    body = [[None if _blank(r[j]) else r[j] for j in keep] for r in rows[1:]]
    return pd.DataFrame(body, columns=head)


def frame_to_range(df: pd.DataFrame, headers: dict[str, str] | None = None) -> list[list[object]]:
    """DataFrame → 2-D list for Excel: header row (renamed through `headers`), then the values."""
    head: list[object] = [(headers or {}).get(c, c) for c in df.columns]
    return [head] + [[_out(v) for v in row] for row in df.itertuples(index=False, name=None)]


def _today(today: object) -> object:
    return today_in_shanghai() if _blank(today) else today


def _playbook(playbook: object) -> str:
    return "optometry" if _blank(playbook) else str(playbook).strip()


@xw.func
@xw.arg("cls", doc="类别 class, e.g. A / 已购买")
@xw.arg("anchor", doc="锚点日期 anchor date")
@_cell
def NEXT_FOLLOWUP(
    cls,
    anchor,
    calls_done=None,
    last_call=None,
    failed_attempts=None,
    flags=None,
    playbook=None,
    today=None,
    purchased=None,
    daily_reception=None,
    calls_this_month=None,
):
    # type: (object, object, object, object, object, object, object, object, object, object, object) -> object
    """下次回访日期 (date of the next contact; empty when none is due)."""
    return _out(
        next_followup(
            cls,
            anchor,
            calls_done,
            last_call,
            failed_attempts,
            flags,
            _playbook(playbook),
            _today(today),
            purchased,
            daily_reception,
            calls_this_month,
        )
    )


@xw.func
@_cell
def FOLLOWUP_STEP(
    cls,
    anchor,
    calls_done=None,
    last_call=None,
    failed_attempts=None,
    flags=None,
    playbook=None,
    today=None,
    purchased=None,
    daily_reception=None,
    calls_this_month=None,
):
    # type: (object, object, object, object, object, object, object, object, object, object, object) -> object
    """回访目的、方式、负责人 (purpose, channel, owner) as one row of 3 cells; purchased / daily_reception
    (the store's size) route to 客服部, calls_this_month warns at the monthly cap."""
    step = followup_step(
        cls,
        anchor,
        calls_done,
        last_call,
        failed_attempts,
        flags,
        _playbook(playbook),
        _today(today),
        purchased,
        daily_reception,
        calls_this_month,
    )
    return [[step.purpose, step.channel, step.owner]]


@xw.func
@_cell
def FOLLOWUP_ROUTE(cls, outcome, playbook=None):
    # type: (object, object, object) -> object
    """结果后的类别 (the class after an outcome, e.g. C + 到店已购 → A)."""
    return followup_route(cls, outcome, _playbook(playbook))


@xw.func
@xw.arg("customers", ndim=2, doc="客户表 (with its header row)")
@xw.arg("calls", ndim=2, doc="回访记录表 (with its header row)")
@_cell
def FOLLOWUP_TABLE(customers, calls=None, playbook=None, today=None):
    # type: (Iterable[object] | None, Iterable[object] | None, object, object) -> object
    """每位客户的当前类别、下次回访等 (one dynamic array with a header row)."""
    import pandas as pd

    from .table import followup_table  # the automatic mode

    # Blank rows are dropped but the others keep their positions as index labels, so a per-row
    # error names its sheet row (label 0 = row 2, under the header row).
    call_frame = range_to_frame(calls, keep_blank_rows=True)
    if call_frame.empty and not len(call_frame.columns):  # no call log yet
        call_frame = pd.DataFrame(columns=list(CALL_COLUMNS))
    call_frame = call_frame[~call_frame.isna().all(axis=1).to_numpy(dtype=bool)]
    frame = range_to_frame(customers, keep_blank_rows=True)
    blank = frame.isna().all(axis=1).to_numpy(dtype=bool)
    result = followup_table(frame[~blank], call_frame, _playbook(playbook), _today(today), errors="row")
    cols = ["customer_id", *COMPUTED_COLUMNS]
    rows = frame_to_range(result[cols], {"customer_id": CUSTOMER_COLUMNS["customer_id"], **COMPUTED_COLUMNS})
    filled = iter(rows[1:])  # a blank row in the table stays blank in the spilled block
    return [rows[0]] + [[""] * len(cols) if b else next(filled) for b in blank]


@xw.func
@_cell
def CALL_WINDOW(day, flags=None):
    # type: (object, object) -> object
    """可拨打时段 (allowed call windows that day), e.g. 10:00-11:30,14:00-16:30."""
    return "" if _blank(day) else call_window(day, flags or "")


@xw.func
@_cell
def CALENDAR_NOTE(day):
    # type: (object) -> object
    """放假安排说明: "" when the day's year has the official holiday schedule, else the warning
    naming the year (statutory days assumed, SPEC §3.7)."""
    if _blank(day):
        return ""
    with calendar_scope() as scope:
        is_working_day(day)
    return "; ".join(unofficial_warning(y) for y in sorted(scope.unofficial))


@xw.func
@_cell
def IS_SUCCESS(outcome, completed=None):
    # type: (object, object) -> object
    """是否成功回访 (whether the call counts as a success)."""
    return is_success(outcome, completed)


@xw.func
@xw.arg("dates", ndim=1, doc="通话时间 (call times)")
@xw.arg("outcomes", ndim=1, doc="结果 (outcomes)")
@_cell
def QUOTA_CHECK(dates, outcomes, group, week_start=None):
    # type: (object, object, object, object) -> object
    """每日成功数对比目标、周合计、均衡 (a 2-D array with a header row)."""
    result = quota_check(dates, outcomes, group, week_start, errors="row")
    return [[_out(v) for v in row] for row in result.to_rows()]


@xw.func
@_cell
def WEEK_LABEL(day):
    # type: (object) -> object
    """11月第3周"""
    return "" if _blank(day) else cal.week_label(day)


@xw.func
@_cell
def REPORT_NAME(kind, day):
    # type: (object, object) -> object
    """报表文件名 (the exact file name of the report covering the day)."""
    return "" if _blank(day) else cal.report_name(kind, day)


@xw.func
@xw.ret(date_format=DEADLINE_FORMAT)
@_cell
def REPORT_DEADLINE(kind, day):
    # type: (object, object) -> object
    """报表截止时间 (deadline, Asia/Shanghai wall-clock time; shown yyyy-mm-dd hh:mm)."""
    return "" if _blank(day) else cal.report_deadline(kind, day).replace(tzinfo=None)


@xw.func
@_cell
def MASK_PHONE(phone):
    # type: (object) -> object
    """138****5678"""
    return mask_phone(phone)


@xw.func
def FOLLOWUP_ERROR(name, arg1=None, arg2=None, arg3=None, arg4=None, arg5=None, arg6=None, arg7=None, arg8=None):
    # type: (object, object, object, object, object, object, object, object, object) -> object
    """错误说明: the message of another function's error for the same arguments, "" when fine,
    e.g. =FOLLOWUP_ERROR("NEXT_FOLLOWUP", F2, J2, 0, , , M2). When the result is fine but used a
    year without an official holiday schedule (SPEC §3.7), the warning naming that year."""
    key = "" if _blank(name) else str(name).strip().upper().lstrip("=").split("(")[0]
    if key not in _RAW:
        return str(BadArgument("name", name, expected("function_name", names="、".join(sorted(_RAW)))))
    fn = _RAW[key]
    args = [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8]
    try:
        with calendar_scope() as scope:
            fn(*args[: cast(FunctionType, fn).__code__.co_argcount])
    except FollowupError as e:
        return mask_phones_in_text(str(e))
    # SPEC §3.7: a result that used a year without an official holiday schedule says so
    return "; ".join(unofficial_warning(y) for y in sorted(scope.unofficial))


# ---- CRM lookups (seed 001: 常见问题的检索, 维修历史查录) ---------------------------------------


def _top(top: object) -> int:
    """FAQ_LOOKUP's `top`: empty → 1, else a number (at least 1; Code.gs: fuCrmTop_)."""
    if _blank(top):
        return 1
    try:
        n = float(top)  # type: ignore[arg-type]  # anything else is the BadArgument below
    except (TypeError, ValueError):
        n = math.nan
    if not math.isfinite(n):
        raise BadArgument("top", top, expected("top"))
    return max(1, int(n))


@xw.func
@xw.arg("faq", ndim=2, doc="常见问题表 (问题, 答案, 关键词; with its header row)")
@_cell
def FAQ_LOOKUP(query, faq, top=None):
    # type: (object, object, float | str | None) -> object
    """常见问题检索:最相近的答案 (ranked answers: 答案, 问题, 匹配度 — one row each, best first)."""
    from .crm import faq_lookup

    n = _top(top)
    hits = faq_lookup("" if _blank(query) else query, faq, top=n)
    if not hits:
        return [["", "", ""]] if n > 1 else ""
    if n == 1:
        return hits[0]["answer"]
    return [[h["answer"], h["question"], h["score"]] for h in hits]


@xw.func
@xw.arg("customers", ndim=2, doc="客户表 (with its header row)")
@xw.arg("calls", ndim=2, doc="回访记录表 (with its header row)")
@xw.arg("gifts", ndim=2, doc="礼品表 (optional)")
@xw.arg("complaints", ndim=2, doc="投诉表 (optional)")
@_cell
def CUSTOMER_HISTORY(customer_id, customers, calls=None, gifts=None, complaints=None):
    # type: (object, object, object, object, object) -> object
    """客户的回访、到店、购买、礼品与投诉记录,按日期 (one customer's history, a dynamic array)."""
    from .crm import HISTORY_COLUMNS, customer_history

    rows = customer_history(customer_id, customers, calls, gifts, complaints)
    return [list(HISTORY_COLUMNS.values())] + [[_out(r[k]) for k in HISTORY_COLUMNS] for r in rows]
