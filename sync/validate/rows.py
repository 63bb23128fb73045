"""The 客户 sheet, checked column-wise; `Issues` files each sheet's rejections in row order.

Every check is a mask over the data rows computed from the column's distinct values; only the
rows a check hits become `Rejection`s, filed row by row and, within a row, in check order —
the same list a row-by-row loop gives.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np
import pandas as pd

from followup.udfs.errors import BadArgument
from followup.udfs.playbook import Playbook
from followup.udfs.schema import FACT_COLUMNS, FLAGS, flag_codes

from .cells import any_invisible, as_ident, as_text, fold, has_invisible, is_blank, mask_text
from .cols import Rows, build_frame, objects
from .sheet import COLUMNS, Book, check_header, find_header
from .values import Problem, as_amount, as_day, as_phone

__all__ = ["Issues", "open_sheet", "customers", "DATE_KEYS", "checked", "none", "invisible"]

DATE_KEYS = ("consult_date", "visit_date", "appointment_date", "purchase_date", "birthday", *FACT_COLUMNS)


def bad(results: np.ndarray) -> np.ndarray:
    return np.fromiter((isinstance(x, Problem) for x in results), dtype=bool, count=len(results))


def none(results: np.ndarray) -> np.ndarray:
    return np.fromiter((x is None for x in results), dtype=bool, count=len(results))


def values(results: np.ndarray) -> np.ndarray:
    """Results with each Problem replaced by None."""
    return objects([None if isinstance(x, Problem) else x for x in results])


def checked(col, fn, u: np.ndarray | None = None):
    """fn over a column (or its results `u`), a raised Problem marking the row:
    → (values, bad rows, message of row p)."""
    u = col.each(fn, problems=True) if u is None else u
    return col.at(values(u)), col.at(bad(u)), lambda p: u[col.codes[p]].message


class Issues:
    """The rejections of one sheet; `bad` marks the rows with a fatal one."""

    def __init__(self, book: Book, title: str, rows: Rows, names: dict[str, str], cols: dict[str, str]):
        self.book, self.title, self.rows, self.names, self.cols = book, title, rows, names, cols
        self.bad = np.zeros(rows.n, dtype=bool)
        self._found: list[tuple] = []

    def add(self, key: str, mask: np.ndarray, message, fatal: bool = True, phone: bool = False) -> None:
        """`message`: the text, or a function of the row's position giving it."""
        hits = np.flatnonzero(mask)
        if fatal:
            self.bad[hits] = True
        for pos in hits.tolist():
            self._found.append((pos, key, message if isinstance(message, str) else message(pos), fatal, phone))

    def file(self) -> None:
        self._found.sort(key=itemgetter(0))  # stable: check order within a row
        for pos, key, message, fatal, phone in self._found:
            self.book.reject(
                self.title,
                int(self.rows.number[pos]),
                self.names.get(key, self.cols[key]),
                self.rows.col(key).values[pos],
                message,
                fatal,
                phone,
            )


def invisible(iss: Issues, key: str) -> None:
    """Cells of `key` (an id or a store name) holding invisible format characters (U+200B,
    U+FEFF, soft hyphen, …): they are used without them (so a copy's ids still match), and one
    warning per sheet and column names the rows."""
    col = iss.rows.col(key)
    if not any_invisible(col.uniques):
        return
    hit = col.rows(has_invisible).astype(bool)
    rows = [int(r) for r in iss.rows.number[hit]]
    shown = "、".join(map(str, rows[:10])) + (f" 等共 {len(rows)} 行" if len(rows) > 10 else "")
    shown_en = ", ".join(map(str, rows[:10])) + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
    header = iss.names.get(key, iss.cols[key])
    iss.book.reject(
        iss.title,
        None,
        header,
        None,
        f"「{header}」列第 {shown} 行含不可见字符(如零宽空格、BOM、软连字符),已去掉后使用;请删除这些字符 "
        f"(column {header!r}, rows {shown_en}: invisible characters such as a zero-width space, BOM or "
        f"soft hyphen were removed before use; please delete them)",
        fatal=False,
    )


def _class_code(pb: Playbook):
    def code(v):
        try:
            return pb.class_code(fold(v))
        except BadArgument:
            return Problem(
                f"未知的类别,回访方案 {pb.name} 的类别为 "
                f"{'、'.join(f'{k} {c.title}' for k, c in pb.classes.items())} "
                f"(unknown class for playbook {pb.name}: use {', '.join(pb.classes)})"
            )

    return code if pb.classes else as_text


def _unknown_flags(text):
    unknown = sorted(f for f in flag_codes(text) if f not in FLAGS.values()) if text else []
    return (
        (
            f"未知的标记 {'、'.join(unknown)},可用: {'、'.join(FLAGS)};未知部分被忽略 "
            f"(unknown flag {', '.join(unknown)}: ignored)"
        )
        if unknown
        else None
    )


def open_sheet(book: Book, kind: str, title: str, grid: list[list], extra: tuple[str, str] = ("", "")):
    """(rows, issues) of one sheet, or None when a required header is missing (the problem is
    reported and every row of the sheet counts as rejected)."""
    cols = COLUMNS[kind]
    h = find_header(grid, cols)
    rows = Rows(grid, h)
    if not check_header(book, kind, title, grid, h, extra=extra):
        book.count(title, rows.n, 0)
        return None
    return rows, Issues(book, title, rows, h.names, cols)


def _as_count(v: object) -> float | None:
    """治疗次数: a whole number ≥ 1 (aesthetics courses, 003)."""
    x = as_amount(v, "治疗次数")
    if x is not None and (x < 1 or x != int(x)):
        raise Problem("治疗次数应为正整数,例如 3 (treatment_count must be a whole number such as 3)")
    return x


def _class_warnings(iss: Issues, pb: Playbook, data: dict) -> None:
    """A typed 类别 the dates contradict is used as the dates say, with a warning (SPEC §4.2)."""
    from followup.udfs.errors import FollowupError
    from followup.udfs.table.compiled import compile_playbook
    from followup.udfs.table.prep import class_conflicts

    keys = ["customer_id", "class", *DATE_KEYS, "treatment_count"]
    frame = pd.DataFrame({k: data[k] for k in keys if k in data})
    try:
        mask, reasons = class_conflicts(compile_playbook(pb), frame)
    except FollowupError:  # a bad cell was already reported on its own column
        return
    iss.add("class", mask & ~iss.bad, lambda p: reasons[p], fatal=False)


def customers(book: Book, title: str, grid: list[list], pb: Playbook, store: str):
    """→ (frame or None when unusable, accepted ids, {rejected id: row})."""
    opened = open_sheet(
        book,
        "customers",
        title,
        grid,
        extra=(
            ";修好之前本文件的回访记录和礼品也不使用",
            "; until it is fixed this file's calls and gifts are not used either",
        ),
    )
    if opened is None:
        return None, set(), {}
    rows, iss = opened
    cols, number, col = COLUMNS["customers"], rows.number, rows.col
    data: dict[str, np.ndarray] = {"_row": number}
    cid = data["customer_id"] = col("customer_id").rows(as_ident)
    invisible(iss, "customer_id")
    invisible(iss, "store")
    missing = none(cid)
    codes, _ = pd.factorize(cid)
    seen = np.flatnonzero(~missing)
    firsts = seen[np.unique(codes[seen], return_index=True)[1]] if len(seen) else seen
    iss.add("customer_id", missing, "客户编号为空,请填写 (customer id is missing)")
    iss.add(
        "customer_id",
        pd.Series(codes).duplicated().to_numpy() & ~missing,
        lambda p: (
            f"客户编号 {cid[p]} 与第{number[firsts[codes[p]]]}行重复,此行未使用;请改用新的编号或合并两行 "
            f"(duplicate customer id {cid[p]}, first at row {number[firsts[codes[p]]]}: this row is not used)"
        ),
    )
    phone = col("phone")
    iss.add("phone", phone.blank(), "电话为空,请补填 (phone is missing)")
    data["phone"], wrong, message = checked(phone, lambda v: None if is_blank(v) else as_phone(v))
    iss.add("phone", wrong, message, phone=True)
    for key in ("name", "owner", "flags"):
        data[key] = col(key).rows(as_text)
    iss.add(
        "name",
        col("name")
        .rows(lambda v: (t := as_text(v)) is not None and len(t) > 1 and t.startswith(("=", "+", "@")))
        .astype(bool),
        "姓名以 = 开头,看起来像公式;按文本原样保存,请确认 "
        "(the name starts with '=' and looks like a formula: kept as plain text)",
        fatal=False,
    )
    flags = col("flags").each(lambda v: _unknown_flags(mask_text(as_text(v) or "") or None))
    iss.add("flags", col("flags").at(~none(flags)), lambda p: flags[col("flags").codes[p]], fatal=False)
    data["store"] = col("store").rows(lambda v: as_text(v) or store)
    data["class"], wrong, message = checked(col("class"), _class_code(pb))
    iss.add("class", wrong, message)
    for key in DATE_KEYS:
        data[key], wrong, message = checked(col(key), lambda v, k=key: as_day(v, k))
        if key == "birthday":
            iss.add(key, wrong, lambda p, m=message: m(p) + ";生日未使用 (birthday ignored)", fatal=False)
        else:
            iss.add(key, wrong, message)
    data["amount"], wrong, message = checked(col("amount"), lambda v: as_amount(v, "购买金额"))
    iss.add("amount", wrong, message)
    data["treatment_count"], wrong, message = checked(col("treatment_count"), _as_count)
    iss.add("treatment_count", wrong, message)
    if pb.classes and "class" in rows.cols:
        _class_warnings(iss, pb, data)
    iss.file()
    good = ~iss.bad
    accepted = {cid[p] for p in firsts.tolist() if good[p]}
    rejected = {cid[p]: int(number[p]) for p in firsts.tolist() if not good[p]}
    book.count(title, rows.n, int(good.sum()))
    frame = build_frame(
        {k: v[good] for k, v in data.items()}, list(cols), dates=DATE_KEYS, floats=("amount", "treatment_count")
    )
    return frame, accepted, rejected
