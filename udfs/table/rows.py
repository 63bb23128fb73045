"""Table mode with per-row errors (`followup_table(..., errors="row")`, the cell function's mode).

A value the engine cannot use (a call time `2026-13-01 10:00`, a class the playbook does not
know, a purchase date `2026-02-30`) makes `followup_table` raise for the whole table: right for
the sync, which rejects the row and reports it, wrong for a live block in a workbook, where one
typo would blank every customer. Here each bad value is found first, cell by cell, exactly as
the engine parses it; the customer it belongs to gets one error row (status 数据错误, the
message, phone numbers masked, in `purpose` and `note`) and every other customer is computed as usual.

A bad call row belongs to the customer of its 客户编号 (unknown customers' calls are ignored,
as in the engine). Pure, like the rest of the engine: no I/O, `today` passed in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..dates import to_date, to_datetime
from ..errors import BadArgument
from ..playbook import Playbook, get_playbook
from ..privacy import mask_phones_in_text
from ..schema import header
from .prep import canonical_frame

__all__ = ["ERROR_STATUS", "ERROR_STATUS_CODE", "followup_table_rows", "row_errors", "sheet_rows"]

ERROR_STATUS = "数据错误"
ERROR_STATUS_CODE = "error"


def _fact_columns(pb: Playbook) -> set[str]:
    """The customer columns the engine parses as dates for this playbook (as derive_classes does)."""
    needed = {r.when for r in pb.derive} | {f for r in pb.derive for f in r.later_than}
    needed |= {c.anchor for c in pb.classes.values()} | {f for c in pb.classes.values() for f in c.cancel_when}
    if pb.routing is not None:
        needed.add("visit_date")
    return needed


def _column_name(key: str) -> str:
    try:
        return header(key)
    except KeyError:
        return key


def sheet_rows(frame: pd.DataFrame) -> np.ndarray:
    """The sheet row of each row of `frame`: a frame read from a sheet whose header is row 1 has
    the data rows' positions as its index (0 → row 2; blank rows dropped keep their numbers);
    any other index counts the rows from 2."""
    index = frame.index
    if pd.api.types.is_integer_dtype(index.dtype) and index.is_unique and (len(index) == 0 or index.min() >= 0):
        return np.asarray(index, dtype=np.int64) + 2
    return np.arange(len(frame), dtype=np.int64) + 2


def _scan(
    values: pd.Series, parse: Callable[[object], object], where: str, key: str, rows: np.ndarray
) -> dict[int, str]:
    """Row position → message for every value `parse` refuses (each distinct value parsed once),
    naming the row's sheet row (`rows[position]`)."""
    bad: dict[int, str] = {}
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    for j, v in enumerate(uniques):
        try:
            parse(v)
        except BadArgument as e:
            for pos in np.flatnonzero(codes == j):
                bad[int(pos)] = str(BadArgument(f"{where} 第{rows[pos]}行 {_column_name(key)}", v, e.expected))
    return bad


def row_errors(customers: pd.DataFrame, calls: pd.DataFrame | None, pb: Playbook) -> dict[int, str]:
    """Customer row position → the first error message found for that customer (masked); rows
    are named by their sheet rows (`sheet_rows`)."""
    cust_rows = sheet_rows(customers)
    cust = canonical_frame(customers.reset_index(drop=True), "customers")
    errors: dict[int, str] = {}

    def add(found: dict[int, str]) -> None:
        for pos, msg in found.items():
            errors.setdefault(pos, mask_phones_in_text(msg))

    if "class" in cust.columns:
        add(_scan(cust["class"], pb.class_code, "客户", "class", cust_rows))
    for key in sorted(_fact_columns(pb) & set(cust.columns)):
        add(_scan(cust[key], functools.partial(to_date, argument=key), "客户", key, cust_rows))
    if calls is not None and len(calls) and len(cust):
        call_rows = sheet_rows(calls)
        log = canonical_frame(calls.reset_index(drop=True), "calls")
        if "call_time" in log.columns:
            bad_calls = _scan(
                log["call_time"], lambda v: to_datetime(v, "call_time"), "回访记录", "call_time", call_rows
            )
            if bad_calls:
                owner = pd.Index(cust["customer_id"]).get_indexer(log["customer_id"].iloc[sorted(bad_calls)])
                for pos, cust_pos in zip(sorted(bad_calls), owner):
                    if cust_pos >= 0:
                        add({int(cust_pos): bad_calls[pos]})
    return errors


def _error_rows(ids: pd.Series, messages: list[str], columns: list[str]) -> pd.DataFrame:
    n = len(ids)
    out = pd.DataFrame({c: np.full(n, "", dtype=object) for c in columns})
    out["customer_id"] = ids.to_numpy()
    for c in ("anchor_date", "next_date", "last_contact", "sms_date", "dnc_since"):
        out[c] = np.full(n, np.datetime64("NaT", "ns"))
    for c in ("steps_closed", "failed_attempts", "calls_this_month"):
        out[c] = np.zeros(n, np.int64)
    for c in ("dnc", "urgent", "number_invalid"):
        out[c] = np.zeros(n, bool)
    out["status"], out["status_code"] = ERROR_STATUS, ERROR_STATUS_CODE
    out["note"] = messages
    out["purpose"] = messages  # the column a spilled block shows: the message stays in its own row
    return out


def _merge(good: pd.DataFrame, good_pos: np.ndarray, bad: pd.DataFrame, bad_pos: np.ndarray) -> pd.DataFrame:
    """Good and error rows back in the customers' order."""
    if not len(bad):
        return good.reset_index(drop=True)
    if not len(good):
        return bad.reset_index(drop=True)
    both = pd.concat([good.reset_index(drop=True), bad], ignore_index=True)
    order = np.argsort(np.concatenate([good_pos, bad_pos]), kind="stable")
    return both.iloc[order].reset_index(drop=True)


def followup_table_rows(
    customers: pd.DataFrame,
    calls: pd.DataFrame | None = None,
    playbook: str | Playbook = "optometry",
    today: object = None,
    *,
    daily_reception: dict[str, float] | None = None,
    table: Callable[..., pd.DataFrame],
    columns: list[str],
) -> pd.DataFrame:
    """`followup_table` where a customer with an unusable value gets an error row, not the table.
    `table`: the strict `followup_table` (errors="raise"), `columns` its output columns (passed
    in by `api.followup_table`, which this module does not import)."""
    followup_table, OUTPUT_COLUMNS = table, columns  # the names api uses

    pb = playbook if isinstance(playbook, Playbook) else get_playbook(str(playbook or "optometry"))
    today = to_date(today, "today")  # a bad `today` concerns every row: it still raises
    errors = row_errors(customers, calls, pb)
    customers = customers.reset_index(drop=True)
    n = len(customers)
    bad_pos = np.array(sorted(errors), dtype=np.int64)
    good_pos = np.setdiff1d(np.arange(n), bad_pos)
    good_calls = calls
    if calls is not None and len(calls):
        log = canonical_frame(calls.reset_index(drop=True), "calls")
        if "call_time" in log.columns:
            ok = np.ones(len(log), bool)
            found = _scan(
                log["call_time"], lambda v: to_datetime(v, "call_time"), "回访记录", "call_time", sheet_rows(calls)
            )
            ok[list(found)] = False
            good_calls = calls.reset_index(drop=True)[ok]
    try:
        good = followup_table(customers.iloc[good_pos], good_calls, pb, today, daily_reception=daily_reception)
    except BadArgument:
        # A value no scan above foresaw: compute customer by customer, so only its row fails.
        rows, extra = [], {}
        for pos in good_pos:
            try:
                rows.append(
                    followup_table(customers.iloc[[pos]], good_calls, pb, today, daily_reception=daily_reception)
                )
            except BadArgument as e:
                extra[int(pos)] = mask_phones_in_text(str(e))
        errors.update(extra)
        bad_pos = np.array(sorted(errors), dtype=np.int64)
        good_pos = np.setdiff1d(good_pos, np.array(sorted(extra), dtype=np.int64))
        good = pd.concat(rows, ignore_index=True) if rows else followup_table(customers.iloc[[]], None, pb, today)
    ids = canonical_frame(customers, "customers")["customer_id"].iloc[bad_pos]
    bad = _error_rows(ids, [errors[int(p)] for p in bad_pos], OUTPUT_COLUMNS)
    return _merge(good, good_pos, bad, bad_pos)[OUTPUT_COLUMNS]
