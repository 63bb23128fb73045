"""The 回访记录 and 礼品 sheets, checked column-wise against the store's accepted customers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from followup.udfs.playbook import Playbook
from followup.udfs.schema import CHANNELS, KINDS, OUTCOMES, channel_code, normalize, outcome_code

from .cells import as_ident, as_number, as_text, fold, is_blank
from .cols import build_frame, objects, safe
from .rows import Issues, checked, invisible, none, open_sheet
from .sheet import COLUMNS, Book
from .values import EARLIEST, LATEST, as_amount, as_day, as_moment

__all__ = ["calls", "gifts"]

_FALSE = {"否", "n", "no", "false", "0", "不需要", "无", "-"}
_MISSING_ID = "客户编号为空,请填写 (customer id is missing)"


def _flagged(col, fn, key: str, iss: Issues, fatal: bool = True) -> None:
    """A check whose message (or None) depends on the cell value only."""
    u = col.each(fn)
    iss.add(key, col.at(~none(u)), lambda p: u[col.codes[p]], fatal)


def _moments(col) -> np.ndarray:
    """as_moment over the distinct values; naive datetimes within the years allowed are their own
    moment, so a column of them is checked at once."""
    u = col.uniques
    if not len(u) or infer_dtype(u, skipna=False) != "datetime":
        return col.each(as_moment, problems=True)
    try:
        stamps = pd.DatetimeIndex(pd.to_datetime(u))
    except (ValueError, TypeError, OverflowError):
        return col.each(as_moment, problems=True)
    if stamps.tz is not None:
        return col.each(as_moment, problems=True)
    out = u.copy()
    for i in np.flatnonzero(~((stamps.year >= EARLIEST) & (stamps.year <= LATEST))).tolist():
        out[i] = safe(as_moment, u[i])
    return out


def _kind(v) -> str | None:
    t = normalize(fold(v))
    return KINDS.get(t) or (t if t in KINDS.values() else None)


def _questions(v, limit: int):
    """→ (questions or None, message or None, fatal)."""
    if is_blank(v):
        return None, None, True
    try:
        x = as_number(v)
        if x < 0 or not float(x).is_integer():
            raise ValueError(x)
    except (ValueError, TypeError):
        return None, "问题数应为 0 或正整数 (questions must be a whole number ≥ 0)", True
    if x > limit:
        return (
            int(x),
            (
                f"一次回访最多问 {limit} 个问题,本次 {int(x)} 个;记录已使用并标记 "
                f"(at most {limit} questions per call, this one asked {int(x)}: used, flagged)"
            ),
            False,
        )
    return int(x), None, True


def calls(
    book: Book,
    title: str,
    grid: list[list],
    pb: Playbook,
    store: str,
    accepted: set,
    rejected: dict,
    now: dt.datetime | None,
) -> pd.DataFrame | None:
    cols = COLUMNS["calls"]
    opened = open_sheet(book, "calls", title, grid)
    if opened is None:
        return None
    rows, iss = opened
    col = rows.col
    limit = pb.quotas.max_questions if pb.quotas else 3
    ref = now.replace(tzinfo=None) if now is not None else None
    data: dict[str, np.ndarray] = {"_row": rows.number}
    times = col("call_time")
    moments = _moments(times)
    data["call_time"], wrong, message = checked(times, as_moment, moments)
    iss.add("call_time", wrong, message)
    iss.add("call_time", times.at(none(moments)), "回访时间为空,请填写 (call time is missing)")
    if ref is not None:
        iss.add(
            "call_time",
            times.at(np.array([isinstance(t, dt.datetime) and t > ref for t in moments], dtype=bool)),
            f"回访时间晚于现在 ({ref:%Y-%m-%d %H:%M}),不能记录尚未发生的回访,请改正 "
            f"(call time is in the future, after {ref:%Y-%m-%d %H:%M})",
        )
    data["customer_id"] = col("customer_id").rows(as_ident)
    invisible(iss, "customer_id")
    invisible(iss, "store")
    _flagged(col("customer_id"), lambda v: _customer_problem(as_ident(v), accepted, rejected), "customer_id", iss)
    data["outcome"] = col("outcome").rows(lambda v: outcome_code(fold(v)))
    _flagged(
        col("outcome"),
        lambda v: (
            f"结果为空,请从 {'、'.join(OUTCOMES)} 中选择 (outcome is missing)"
            if is_blank(v)
            else None
            if outcome_code(fold(v))
            else f"未知的结果,请从 {'、'.join(OUTCOMES)} 中选择 "
            f"(unknown outcome: use one of {', '.join(OUTCOMES.values())})"
        ),
        "outcome",
        iss,
    )
    data["channel"] = col("channel").rows(lambda v: channel_code(fold(v)))
    _flagged(
        col("channel"),
        lambda v: (
            None
            if is_blank(v) or channel_code(fold(v))
            else (
                f"未知的方式,请从 {'、'.join(CHANNELS)} 中选择 (unknown channel: use one of {', '.join(CHANNELS.values())})"
            )
        ),
        "channel",
        iss,
    )
    data["kind"] = col("kind").rows(_kind)
    _flagged(
        col("kind"),
        lambda v: (
            None
            if is_blank(fold(v)) or _kind(v)
            else (f"未知的类型,请从 {'、'.join(KINDS)} 中选择 (unknown kind: use one of {', '.join(KINDS.values())})")
        ),
        "kind",
        iss,
    )
    q = col("questions")
    qs = q.each(lambda v: _questions(v, limit))
    for fatal in (True, False):
        iss.add(
            "questions",
            q.at(np.array([m is not None and f == fatal for _, m, f in qs], dtype=bool)),
            lambda p: qs[q.codes[p]][1],
            fatal,
        )
    data["questions"] = q.at(objects([x for x, _, _ in qs]))
    data["questions_exceeded"] = q.at(objects([x is not None and x > limit for x, _, _ in qs]))
    data["escalate"] = col("escalate").rows(lambda v: not ((t := as_text(v)) is None or normalize(t) in _FALSE))
    for key in ("agent", "feedback", "resolution"):
        data[key] = col(key).rows(as_text)
    data["store"] = col("store").rows(lambda v: as_text(v) or store)
    iss.file()
    good = ~iss.bad
    book.count(title, rows.n, int(good.sum()))
    return build_frame(
        {k: v[good] for k, v in data.items()},
        [*cols, "questions_exceeded"],
        times=("call_time",),
        ints=("questions",),
        bools=("escalate", "questions_exceeded"),
    )


def _customer_problem(cid: str | None, accepted: set, rejected: dict) -> str | None:
    if cid is None:
        return _MISSING_ID
    if cid in accepted:
        return None
    if cid in rejected:
        return (
            f"客户 {cid} 的客户行(第{rejected[cid]}行)有误未使用,此回访记录也暂不使用;"
            f"改正客户行后重新同步 (customer {cid} was rejected at row "
            f"{rejected[cid]} of the customer sheet: fix that row and sync again)"
        )
    return f"客户表中没有客户编号 {cid},请先在客户表中添加该客户或改正编号 (no customer {cid} in the customer sheet)"


def gifts(book: Book, title: str, grid: list[list], store: str, accepted: set, rejected: dict) -> pd.DataFrame | None:
    cols = COLUMNS["gifts"]
    opened = open_sheet(book, "gifts", title, grid)
    if opened is None:
        return None
    rows, iss = opened
    col = rows.col
    data: dict[str, np.ndarray] = {"_row": rows.number}
    data["customer_id"] = col("customer_id").rows(as_ident)
    invisible(iss, "customer_id")
    invisible(iss, "store")
    iss.add("customer_id", none(data["customer_id"]), _MISSING_ID)
    _flagged(
        col("customer_id"),
        lambda v: (
            None
            if (c := as_ident(v)) is None or c in accepted or c in rejected
            else (
                f"客户表中没有客户编号 {c};礼品记录照常使用,请核对 "
                f"(no customer {c} in the customer sheet: the gift is used, please check)"
            )
        ),
        "customer_id",
        iss,
        fatal=False,
    )
    for key in ("gift", "check_result"):
        data[key] = col(key).rows(as_text)
    data["store"] = col("store").rows(lambda v: as_text(v) or store)
    data["value"], wrong, message = checked(col("value"), lambda v: as_amount(v, "价值"))
    iss.add("value", wrong, message)
    data["given_date"], wrong, message = checked(col("given_date"), lambda v: as_day(v, "given_date"))
    iss.add("given_date", wrong, message)
    iss.file()
    good = ~iss.bad
    book.count(title, rows.n, int(good.sum()))
    return build_frame({k: v[good] for k, v in data.items()}, list(cols), dates=("given_date",), floats=("value",))


def requests(book: Book, title: str, grid: list[list], store: str) -> pd.DataFrame | None:
    """回访需求 (002 「至少保证各部门、店面1月一次回访需求」): store or department, date, content,
    confirmed by (empty: not yet confirmed by the customer department)."""
    from followup.udfs.schema import REQUEST_COLUMNS

    opened = open_sheet(book, "requests", title, grid)
    if opened is None:
        return None
    rows, iss = opened
    col = rows.col
    data: dict[str, np.ndarray] = {"_row": rows.number}
    data["requester"] = col("requester").rows(as_text)
    iss.add("requester", none(data["requester"]), "门店或部门为空,请填写 (the store or department is missing)")
    data["request_date"], wrong, message = checked(col("request_date"), lambda v: as_day(v, "request_date"))
    iss.add("request_date", wrong, message)
    iss.add("request_date", none(data["request_date"]) & ~wrong, "提报日期为空,请填写 (the date is missing)")
    for key in ("content", "confirmed_by"):
        data[key] = col(key).rows(as_text)
    iss.file()
    good = ~iss.bad
    book.count(title, rows.n, int(good.sum()))
    frame = build_frame({k: v[good] for k, v in data.items()}, list(REQUEST_COLUMNS), dates=("request_date",))
    frame["store"] = store
    return frame
