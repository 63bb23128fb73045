"""Raw cell grids → validated `StoreData`: the one place every source's rows are checked.

`parse_workbook` takes the sheets of one workbook as lists of rows of cell values, the way
python-calamine (`to_python(skip_empty_area=False)`) or the Google Sheets values API returns
them — row 0 is sheet row 1 — and returns a `ReadResult`: the store's frames with canonical
English column keys (`followup.udfs.schema`), every rejected row located by file, sheet, row
(as Excel numbers it) and column header (as written in the file), and per-sheet counts with
rows read == rows used + rows rejected. Fully empty rows are not rows.

Values in the frames are normalised: ids and phones are text (never floats, never scientific
notation; leading zeros kept), class → playbook class code (A, B, …), outcome / channel /
kind → schema codes (success, call, service, …), dates → datetime64 (customer fact dates at
midnight, call_time with its time), amounts → float, questions → Int64, escalate → bool.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from followup.udfs.dates import to_date, to_datetime
from followup.udfs.errors import BadArgument, FollowupError
from followup.udfs.playbook import Playbook, get_playbook
from followup.udfs.schema import (CALL_COLUMNS, CHANNELS, CUSTOMER_COLUMNS, FACT_COLUMNS, FLAGS,
                                  GIFT_COLUMNS, KINDS, OUTCOMES, SETTINGS_KEYS, SHEETS, canonical,
                                  channel_code, flag_codes, normalize, outcome_code)

from .model import ReadResult, Rejection, StoreData

try:  # the project's privacy helpers (SPEC §3.5)
    from followup.udfs.privacy import mask_phone as _mask_phone
    from followup.udfs.privacy import mask_phones_in_text as _mask_text
except ImportError:  # pragma: no cover - a tiny stand-in
    def _mask_phone(phone: object) -> str:
        d = re.sub(r"\D", "", str(phone or ""))
        return d[:3] + "*" * (len(d) - 7) + d[-4:] if len(d) >= 11 else "*" * max(len(d) - 2, 0) + d[-2:]

    def _mask_text(text: object) -> str:
        return re.sub(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)", r"\1****\2", str(text or ""))

__all__ = ["parse_workbook", "sheet_key", "WORKBOOK_EXTENSIONS", "REQUIRED", "mask"]

WORKBOOK_EXTENSIONS = (".xlsx", ".xlsm", ".xls")

# Which canonical columns each sheet must have (SPEC §4.2; brief of the weekly sync).
REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id", "phone"),
    "calls": ("call_time", "customer_id", "outcome"),
    "gifts": ("customer_id",),
}
_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {**CUSTOMER_COLUMNS, **FACT_COLUMNS},
    "calls": CALL_COLUMNS,
    "gifts": GIFT_COLUMNS,
}
_SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "customers": ("客户", "customers", "customer", "客户资料"),
    "calls": ("回访记录", "calls", "call_log", "call log", "calllog", "回访"),
    "gifts": ("礼品", "gifts", "gift"),
    "settings": ("设置", "settings", "setting"),
}
_DATE_KEYS = ("consult_date", "visit_date", "appointment_date", "purchase_date", "birthday",
              *FACT_COLUMNS)
_EARLIEST, _LATEST = 1950, 2100
_TRUE = {"是", "y", "yes", "true", "1", "需要", "需跟进", "✓", "√", "x", "要"}
_FALSE = {"否", "n", "no", "false", "0", "不需要", "无", "-"}
_SCI = re.compile(r"^\s*[+-]?\d+(?:\.\d+)?[eE][+-]?\d+\s*$")
_PHONE_FORMAT = re.compile(r"[\s\-()（）.]")


def mask(phone: object) -> str:
    """The masked form of a phone cell for messages (`138****5678`); text without digits as is."""
    if phone is None:
        return ""
    if isinstance(phone, str):
        phone = unicodedata.normalize("NFKC", phone)
    return _mask_phone(phone) or _mask_text(phone)


def sheet_key(title: object) -> str | None:
    """客户 / Customers / " customers " → "customers"; unknown → None."""
    t = normalize(title)
    for key, names in _SHEET_ALIASES.items():
        if t in names or t.replace("_", " ") in names:
            return key
    return None


# ---------------------------------------------------------------------------------------------
# cell helpers

def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if isinstance(v, str) and not v.strip():
        return True
    return type(v).__name__ in ("NaTType", "NAType")


def _show(v: object) -> str:
    """A cell value as the user would recognise it (for Rejection.value)."""
    if _blank(v):
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ", timespec="minutes") if (v.hour or v.minute) else v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return _mask_text(str(v).strip())


def _text(v: object) -> str | None:
    """A text cell: trimmed (full-width spaces too); integral numbers without '.0'; empty → None."""
    if _blank(v):
        return None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).replace("\u3000", " ").strip()


def _ident(v: object) -> str | None:
    """An id: text, full-width letters/digits folded (ＣＯ０１ → CO01), inner spaces removed."""
    t = _text(v)
    if t is None:
        return None
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", t)) or None


def _fold(v: object) -> object:
    """Dropdown text as users type it: full-width letters and spaces folded (Ａ类 → A类)."""
    return unicodedata.normalize("NFKC", v) if isinstance(v, str) else v


def _number(v: object) -> float:
    """A number cell or number text ('1,280', '¥1280', '1280元', full-width digits); else ValueError."""
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            raise ValueError(v)
        return float(v)
    t = unicodedata.normalize("NFKC", str(v)).strip()
    t = re.sub(r"^[¥￥$]|元$|[,\s]", "", t)
    return float(t)


class _Problem(Exception):
    def __init__(self, message: str, fatal: bool = True):
        super().__init__(message)
        self.message, self.fatal = message, fatal


def _phone(v: object) -> str:
    """A phone cell → digits as text. 13812345678.0 → '13812345678'; '+86 138 1234 5678' →
    '13812345678'; leading zeros of text cells kept. Anything else → _Problem."""
    if isinstance(v, bool):
        raise _Problem("电话应为数字 (phone must be digits)")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and (math.isnan(v) or not v.is_integer() or v < 0):
            raise _Problem("电话不是有效的号码:单元格里是带小数的数字,请把电话列设为文本格式后重新填写 "
                           "(phone is not a valid number: the cell holds a fraction; format the column as text)")
        return _strip_country(str(int(v)))
    text = unicodedata.normalize("NFKC", str(v)).strip()
    if _SCI.match(text):
        raise _Problem("电话以科学计数法保存,号码的后几位可能已丢失;请把电话列设为文本格式后重新输入完整号码 "
                       "(phone is in scientific notation and may have lost digits; format the column "
                       "as text and type the full number again)")
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    plus = text.startswith("+")
    body = _PHONE_FORMAT.sub("", text[1:] if plus else text)
    if not body.isdigit() or not body.isascii():
        raise _Problem("电话只能包含数字(可带 +86、空格或短横线),请改正 "
                       "(phone must be digits, optionally with +86, spaces or dashes)")
    if plus and not body.startswith("86"):
        raise _Problem("只支持中国号码(+86),请改正 (only Chinese numbers, +86, are supported)")
    return _strip_country(body)


def _strip_country(digits: str) -> str:
    for prefix in ("0086", "86"):
        rest = digits[len(prefix):]
        if digits.startswith(prefix) and re.fullmatch(r"1[3-9]\d{9}", rest):
            return rest
    return digits


def _day(v: object, argument: str) -> dt.date | None:
    try:
        d = to_date(v, argument)
    except BadArgument:
        raise _Problem(f"无法识别的日期,请写成 2026-11-03、2026/11/3 或 2026年11月3日,或设为日期格式 "
                       f"(not a date: write 2026-11-03, 2026/11/3 or 2026年11月3日)") from None
    if d is not None and not (_EARLIEST <= d.year <= _LATEST) and argument != "birthday":
        raise _Problem(f"日期 {d.isoformat()} 不在 {_EARLIEST}–{_LATEST} 年之间,可能是把数字填进了日期列 "
                       f"(date {d.isoformat()} is outside {_EARLIEST}–{_LATEST}: a number in a date column?)")
    return d


def _moment(v: object) -> dt.datetime | None:
    try:
        t = to_datetime(v, "call_time")
    except BadArgument:
        raise _Problem("无法识别的回访时间,请写成 2026-11-03 10:20 或设为日期时间格式 "
                       "(not a date/time: write 2026-11-03 10:20)") from None
    if t is not None:
        t = t.replace(tzinfo=None)
        if not (_EARLIEST <= t.year <= _LATEST):
            raise _Problem(f"时间 {t:%Y-%m-%d} 不在 {_EARLIEST}–{_LATEST} 年之间 "
                           f"(time {t:%Y-%m-%d} is outside {_EARLIEST}–{_LATEST})")
    return t


def _amount(v: object, what: str) -> float | None:
    if _blank(v):
        return None
    try:
        x = _number(v)
    except (ValueError, TypeError):
        raise _Problem(f"{what}应为数字,例如 1280 或 1,280.50 ({what_en(what)} must be a number such as 1280)") from None
    if x < 0:
        raise _Problem(f"{what}不能为负数 ({what_en(what)} must not be negative)")
    return x


def what_en(zh: str) -> str:
    return {"购买金额": "amount", "价值": "value", "问题数": "questions"}.get(zh, zh)


def _choices(table: dict[str, str]) -> str:
    return "、".join(table)


# ---------------------------------------------------------------------------------------------
# one sheet

@dataclass
class _Header:
    row: int | None = None                       # 0-based index of the header row in the grid
    cols: dict[str, int] = field(default_factory=dict)      # key → column index
    names: dict[str, str] = field(default_factory=dict)     # key → header as written
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    english: bool = False


def _find_header(grid: list[list], columns: dict[str, str]) -> _Header:
    """The header row: the first non-empty row holding a known header (within the first 20
    non-empty rows, so a title row above the table is skipped), else the first non-empty row."""
    first, chosen = None, None
    seen = 0
    for i, row in enumerate(grid):
        if all(_blank(c) for c in row):
            continue
        first = i if first is None else first
        if any(canonical(columns, c) for c in row if not _blank(c)):
            chosen = i
            break
        seen += 1
        if seen >= 20:
            break
    h = _Header(row=chosen if chosen is not None else first)
    if h.row is None:
        return h
    english = zh = 0
    for j, cell in enumerate(grid[h.row]):
        key = canonical(columns, cell) if not _blank(cell) else None
        if key is None:
            continue
        if key in h.cols:
            h.duplicates.append((j, str(cell).strip()))
            continue
        h.cols[key], h.names[key] = j, str(cell).strip()
        if normalize(cell).replace(" ", "_") == key:
            english += 1
        else:
            zh += 1
    h.english = english > zh
    return h


def _data_rows(grid: list[list], h: _Header, columns: dict[str, str]):
    """(sheet row number, {key: value}) for every non-empty row below the header."""
    if h.row is None:
        return
    ignore = {"store"}
    for i in range(h.row + 1, len(grid)):
        row = grid[i]
        values = {k: (row[j] if j < len(row) else None) for k, j in h.cols.items()}
        if all(_blank(v) for k, v in values.items() if k not in ignore):
            continue
        yield i + 1, values


def _blank_headers_with_data(grid: list[list], h: _Header) -> list[int]:
    """Columns whose header cell is empty although cells below hold data (merged header cells)."""
    out = []
    header = grid[h.row]
    width = max((len(r) for r in grid[h.row:]), default=0)
    for j in range(width):
        if j < len(header) and not _blank(header[j]):
            continue
        if any(j < len(r) and not _blank(r[j]) for r in grid[h.row + 1:]):
            out.append(j)
    return out


def _col_letter(j: int) -> str:
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


class _Book:
    """Collects rejections and counts for one workbook."""

    def __init__(self, origin: str):
        self.origin = origin
        self.result = ReadResult()

    def reject(self, sheet: str, row: int | None, column: str | None, value: object,
               message: str, fatal: bool = True, phone: bool = False) -> None:
        shown = (mask(value) if phone else _show(value)) if value is not None else None
        self.result.rejections.append(Rejection(self.origin, sheet, row, column, shown or None,
                                                _mask_text(message), fatal))

    def count(self, sheet: str, read: int, used: int) -> None:
        key = (self.origin, sheet)
        self.result.rows_read[key] = self.result.rows_read.get(key, 0) + read
        self.result.rows_used[key] = self.result.rows_used.get(key, 0) + used
        self.result.rows_rejected[key] = self.result.rows_rejected.get(key, 0) + read - used


def _check_header(book: _Book, kind: str, title: str, grid: list[list], h: _Header,
                  extra: tuple[str, str] = ("", "")) -> bool:
    """Report missing required headers (one located Rejection each); True when all are there."""
    missing = [k for k in REQUIRED[kind] if k not in h.cols]
    for j, name in h.duplicates:
        book.reject(title, h.row + 1, name, None,
                    f"第{_col_letter(j)}列的表头「{name}」与前面的列重复,只使用第一列 "
                    f"(header {name!r} in column {_col_letter(j)} repeats an earlier column; only the first is used)",
                    fatal=False)
    if not missing:
        return True
    blanks = _blank_headers_with_data(grid, h) if h.row is not None else []
    hint_zh = hint_en = ""
    if blanks:
        letters = "、".join(_col_letter(j) for j in blanks)
        hint_zh = f";第 {letters} 列有数据但表头为空,可能是合并了表头单元格,请取消合并并填写表头"
        hint_en = (f"; column {letters.replace('、', ', ')} holds data under an empty header: merged header "
                   f"cells? unmerge them and name each column")
    for k in missing:
        name = k if h.english else _COLUMNS[kind][k]
        row = h.row + 1 if h.row is not None else None
        where_zh = "请在表头行添加" if h.row is not None else "工作表是空的,请按模板填写表头"
        where_en = "add it to the header row" if h.row is not None else "the sheet is empty: add the template's header row"
        book.reject(title, row, name, None,
                    f"缺少必需的列「{_COLUMNS[kind][k]}」({k}),{where_zh}{hint_zh}{extra[0]} "
                    f"(required column {_COLUMNS[kind][k]} / {k} is missing: {where_en}{hint_en}{extra[1]})")
    return False


def _frame(records: list[dict], columns: list[str], dates: tuple[str, ...] = (),
           times: tuple[str, ...] = (), floats: tuple[str, ...] = (), ints: tuple[str, ...] = (),
           bools: tuple[str, ...] = ()) -> pd.DataFrame:
    cols = ["_row", *columns]
    df = pd.DataFrame.from_records(records, columns=cols) if records else pd.DataFrame(
        {c: pd.Series([], dtype=object) for c in cols})
    df["_row"] = df["_row"].astype("int64")
    for c in dates:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]").dt.normalize()
    for c in times:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    for c in floats:
        df[c] = pd.to_numeric(df[c]).astype("float64")
    for c in ints:
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    for c in bools:
        df[c] = df[c].fillna(False).astype(bool)
    for c in columns:
        if c not in (*dates, *times, *floats, *ints, *bools):
            df[c] = df[c].astype(object).where(df[c].notna(), None)
    return df


# ---------------------------------------------------------------------------------------------
# the sheets

def _settings(book: _Book, title: str, grid: list[list]) -> dict[str, tuple[str, int]]:
    """key/value rows → {canonical key (or the raw key): (value, sheet row)}."""
    out: dict[str, tuple[str, int]] = {}
    for i, row in enumerate(grid):
        cells = [c for c in row if not _blank(c)]
        if len(cells) < 2:
            continue
        key = canonical(SETTINGS_KEYS, cells[0]) or _text(cells[0])
        if normalize(key) in ("key", "项目", "设置项", "名称", "设置"):
            continue   # a header row
        if key not in out:
            out[key] = (_text(cells[1]), i + 1)
    return out


def _group(value: str) -> str | None:
    t = unicodedata.normalize("NFKC", value).strip().lstrip("第").rstrip("组").strip()
    t = {"一": "1", "二": "2", "三": "3", "四": "4"}.get(t, t)
    return t if t in ("1", "2", "3", "4") else None


def _customers(book: _Book, title: str, grid: list[list], pb: Playbook, store: str):
    """→ (frame or None when unusable, accepted ids, {rejected id: row})."""
    cols = _COLUMNS["customers"]
    h = _find_header(grid, cols)
    rows = list(_data_rows(grid, h, cols))
    if not _check_header(book, "customers", title, grid, h,
                         extra=(";修好之前本文件的回访记录和礼品也不使用",
                                "; until it is fixed this file's calls and gifts are not used either")):
        book.count(title, len(rows), 0)
        return None, set(), {}
    names = h.names
    records, accepted, rejected, seen = [], set(), {}, {}
    check_class = bool(pb.classes)
    for r, v in rows:
        bad = False

        def problem(key, message, fatal=True, phone=False):
            nonlocal bad
            bad |= fatal
            book.reject(title, r, names.get(key, cols[key]), v.get(key), message, fatal, phone)

        rec: dict = {"_row": r}
        cid = _ident(v.get("customer_id"))
        if cid is None:
            problem("customer_id", "客户编号为空,请填写 (customer id is missing)")
        elif cid in seen:
            problem("customer_id", f"客户编号 {cid} 与第{seen[cid]}行重复,此行未使用;请改用新的编号或合并两行 "
                                   f"(duplicate customer id {cid}, first at row {seen[cid]}: this row is not used)")
        else:
            seen[cid] = r
        rec["customer_id"] = cid
        if _blank(v.get("phone")):
            problem("phone", "电话为空,请补填 (phone is missing)")
            rec["phone"] = None
        else:
            try:
                rec["phone"] = _phone(v["phone"])
            except _Problem as e:
                problem("phone", e.message, phone=True)
                rec["phone"] = None
        for key in ("name", "owner", "flags"):
            rec[key] = _text(v.get(key))
        if rec["name"] and rec["name"].startswith(("=", "+", "@")) and len(rec["name"]) > 1:
            problem("name", "姓名以 = 开头,看起来像公式;按文本原样保存,请确认 "
                            "(the name starts with '=' and looks like a formula: kept as plain text)", fatal=False)
        if rec["flags"]:
            unknown = sorted(f for f in flag_codes(rec["flags"]) if f not in FLAGS.values())
            if unknown:
                problem("flags", f"未知的标记 {'、'.join(unknown)},可用: {_choices(FLAGS)};未知部分被忽略 "
                                 f"(unknown flag {', '.join(unknown)}: ignored)", fatal=False)
        rec["store"] = _text(v.get("store")) or store
        try:
            rec["class"] = pb.class_code(_fold(v.get("class"))) if check_class else _text(v.get("class"))
        except BadArgument:
            rec["class"] = None
            problem("class", f"未知的类别,回访方案 {pb.name} 的类别为 "
                             f"{'、'.join(f'{k} {c.title}' for k, c in pb.classes.items())} "
                             f"(unknown class for playbook {pb.name}: use {', '.join(pb.classes)})")
        for key in _DATE_KEYS:
            try:
                rec[key] = _day(v.get(key), key)
            except _Problem as e:
                rec[key] = None
                if key == "birthday":
                    problem(key, e.message + ";生日未使用 (birthday ignored)", fatal=False)
                else:
                    problem(key, e.message)
        try:
            rec["amount"] = _amount(v.get("amount"), "购买金额")
        except _Problem as e:
            rec["amount"] = None
            problem("amount", e.message)
        if bad:
            if cid is not None and cid not in rejected and cid not in accepted:
                rejected[cid] = r
            continue
        accepted.add(cid)
        records.append(rec)
    book.count(title, len(rows), len(records))
    frame = _frame(records, list(cols), dates=_DATE_KEYS, floats=("amount",))
    return frame, accepted, rejected


def _calls(book: _Book, title: str, grid: list[list], pb: Playbook, store: str,
           accepted: set, rejected: dict, now: dt.datetime | None) -> pd.DataFrame | None:
    cols = _COLUMNS["calls"]
    h = _find_header(grid, cols)
    rows = list(_data_rows(grid, h, cols))
    if not _check_header(book, "calls", title, grid, h):
        book.count(title, len(rows), 0)
        return None
    names = h.names
    limit = pb.quotas.max_questions if pb.quotas else 3
    ref = now.replace(tzinfo=None) if now is not None else None
    records = []
    for r, v in rows:
        bad = False

        def problem(key, message, fatal=True):
            nonlocal bad
            bad |= fatal
            book.reject(title, r, names.get(key, cols[key]), v.get(key), message, fatal)

        rec: dict = {"_row": r}
        try:
            rec["call_time"] = _moment(v.get("call_time"))
            if rec["call_time"] is None:
                problem("call_time", "回访时间为空,请填写 (call time is missing)")
            elif ref is not None and rec["call_time"] > ref:
                problem("call_time", f"回访时间晚于现在 ({ref:%Y-%m-%d %H:%M}),不能记录尚未发生的回访,请改正 "
                                     f"(call time is in the future, after {ref:%Y-%m-%d %H:%M})")
        except _Problem as e:
            rec["call_time"] = None
            problem("call_time", e.message)
        cid = _ident(v.get("customer_id"))
        rec["customer_id"] = cid
        if cid is None:
            problem("customer_id", "客户编号为空,请填写 (customer id is missing)")
        elif cid not in accepted:
            if cid in rejected:
                problem("customer_id", f"客户 {cid} 的客户行(第{rejected[cid]}行)有误未使用,此回访记录也暂不使用;"
                                       f"改正客户行后重新同步 (customer {cid} was rejected at row "
                                       f"{rejected[cid]} of the customer sheet: fix that row and sync again)")
            else:
                problem("customer_id", f"客户表中没有客户编号 {cid},请先在客户表中添加该客户或改正编号 "
                                       f"(no customer {cid} in the customer sheet)")
        out = v.get("outcome")
        rec["outcome"] = outcome_code(_fold(out))
        if _blank(out):
            problem("outcome", f"结果为空,请从 {_choices(OUTCOMES)} 中选择 (outcome is missing)")
        elif rec["outcome"] is None:
            problem("outcome", f"未知的结果,请从 {_choices(OUTCOMES)} 中选择 "
                               f"(unknown outcome: use one of {', '.join(OUTCOMES.values())})")
        ch = v.get("channel")
        rec["channel"] = channel_code(_fold(ch))
        if not _blank(ch) and rec["channel"] is None:
            problem("channel", f"未知的方式,请从 {_choices(CHANNELS)} 中选择 (unknown channel: use one of "
                               f"{', '.join(CHANNELS.values())})")
        kind = _fold(v.get("kind"))
        rec["kind"] = KINDS.get(normalize(kind)) or (normalize(kind) if normalize(kind) in KINDS.values() else None)
        if not _blank(kind) and rec["kind"] is None:
            problem("kind", f"未知的类型,请从 {_choices(KINDS)} 中选择 (unknown kind: use one of "
                            f"{', '.join(KINDS.values())})")
        rec["questions"] = None
        q = v.get("questions")
        if not _blank(q):
            try:
                x = _number(q)
                if x < 0 or not float(x).is_integer():
                    raise ValueError(x)
                rec["questions"] = int(x)
                if x > limit:
                    problem("questions", f"一次回访最多问 {limit} 个问题,本次 {int(x)} 个;记录已使用并标记 "
                                         f"(at most {limit} questions per call, this one asked {int(x)}: used, flagged)",
                            fatal=False)
            except (ValueError, TypeError):
                problem("questions", "问题数应为 0 或正整数 (questions must be a whole number ≥ 0)")
        rec["questions_exceeded"] = rec["questions"] is not None and rec["questions"] > limit
        esc = _text(v.get("escalate"))
        rec["escalate"] = False if esc is None or normalize(esc) in _FALSE else True
        for key in ("agent", "feedback", "resolution"):
            rec[key] = _text(v.get(key))
        rec["store"] = _text(v.get("store")) or store
        if bad:
            continue
        records.append(rec)
    book.count(title, len(rows), len(records))
    return _frame(records, [*cols, "questions_exceeded"], times=("call_time",), ints=("questions",),
                  bools=("escalate", "questions_exceeded"))


def _gifts(book: _Book, title: str, grid: list[list], store: str, accepted: set,
           rejected: dict) -> pd.DataFrame | None:
    cols = _COLUMNS["gifts"]
    h = _find_header(grid, cols)
    rows = list(_data_rows(grid, h, cols))
    if not _check_header(book, "gifts", title, grid, h):
        book.count(title, len(rows), 0)
        return None
    names = h.names
    records = []
    for r, v in rows:
        bad = False

        def problem(key, message, fatal=True):
            nonlocal bad
            bad |= fatal
            book.reject(title, r, names.get(key, cols[key]), v.get(key), message, fatal)

        rec: dict = {"_row": r}
        cid = _ident(v.get("customer_id"))
        rec["customer_id"] = cid
        if cid is None:
            problem("customer_id", "客户编号为空,请填写 (customer id is missing)")
        elif cid not in accepted and cid not in rejected:
            problem("customer_id", f"客户表中没有客户编号 {cid};礼品记录照常使用,请核对 "
                                   f"(no customer {cid} in the customer sheet: the gift is used, please check)",
                    fatal=False)
        for key in ("gift", "check_result"):
            rec[key] = _text(v.get(key))
        rec["store"] = _text(v.get("store")) or store
        try:
            rec["value"] = _amount(v.get("value"), "价值")
        except _Problem as e:
            rec["value"] = None
            problem("value", e.message)
        try:
            rec["given_date"] = _day(v.get("given_date"), "given_date")
        except _Problem as e:
            rec["given_date"] = None
            problem("given_date", e.message)
        if bad:
            continue
        records.append(rec)
    book.count(title, len(rows), len(records))
    return _frame(records, list(cols), dates=("given_date",), floats=("value",))


# ---------------------------------------------------------------------------------------------

def _stem(origin: str) -> str:
    p = Path(origin)
    return p.stem if p.suffix.lower() in WORKBOOK_EXTENSIONS else p.name


def parse_workbook(sheets: dict[str, list[list]], origin: str, playbook: str | None = None,
                   now: dt.datetime | None = None) -> ReadResult:
    """Validate one workbook's sheets (title → rows of cell values, row 0 = sheet row 1).

    `playbook`: the configured playbook (a 设置 回访方案 row overrides it; default optometry).
    `now`: call times after it are rejected (naive local time; an aware one is taken as local
    wall time); None skips that check.
    """
    book = _Book(origin)
    found: dict[str, tuple[str, list[list]]] = {}
    for title, grid in sheets.items():
        key = sheet_key(title)
        if key is None:
            continue
        if key in found:
            book.reject(str(title), None, None, None,
                        f"工作表「{title}」与「{found[key][0]}」重复,只使用「{found[key][0]}」 "
                        f"(sheet {title!r} duplicates {found[key][0]!r}: only the first is used)", fatal=False)
            continue
        found[key] = (str(title), [list(r) for r in (grid or [])])

    # settings
    settings_raw = _settings(book, *found["settings"]) if "settings" in found else {}
    stitle = found["settings"][0] if "settings" in found else SHEETS["settings"]
    settings = {k: v for k, (v, _) in settings_raw.items() if v is not None}
    store = settings.get("store") or _stem(origin)
    group = None
    if "store_group" in settings:
        group = _group(settings["store_group"])
        if group is None:
            value, row = settings_raw["store_group"]
            book.reject(stitle, row, SETTINGS_KEYS["store_group"], value,
                        "门店组别应为 1、2、3 或 4,已忽略 (store group must be 1, 2, 3 or 4: ignored)", fatal=False)
    pb_name = playbook or "optometry"
    if settings.get("playbook"):
        value, row = settings_raw["playbook"]
        try:
            get_playbook(value.strip())
            pb_name = value.strip()
        except FollowupError as e:
            book.reject(stitle, row, SETTINGS_KEYS["playbook"], value,
                        f"无法使用这个回访方案,改用 {pb_name} (cannot use this playbook, using {pb_name}): {e}",
                        fatal=False)
    pb = get_playbook(pb_name)

    if "customers" not in found:
        names = "、".join(map(str, sheets)) or "(无 / none)"
        book.reject(SHEETS["customers"], None, None, None,
                    f"工作簿中没有「客户」工作表(现有: {names}),本文件的数据未使用;请按模板添加或改正工作表名 "
                    f"(no 客户/customers sheet, found: {names}; nothing in this file is used)")
        for key in ("calls", "gifts"):
            if key in found:
                title, grid = found[key]
                h = _find_header(grid, _COLUMNS[key])
                book.count(title, len(list(_data_rows(grid, h, _COLUMNS[key]))), 0)
        return book.result

    frame, accepted, rejected = _customers(book, *found["customers"], pb, store)
    if frame is None:   # unusable customer sheet: the calls and gifts cannot be joined
        for key in ("calls", "gifts"):
            if key in found:
                title, grid = found[key]
                h = _find_header(grid, _COLUMNS[key])
                book.count(title, len(list(_data_rows(grid, h, _COLUMNS[key]))), 0)
        return book.result

    if "calls" in found:
        calls = _calls(book, *found["calls"], pb, store, accepted, rejected, now)
    else:
        calls = None
        book.reject(SHEETS["calls"], None, None, None,
                    "工作簿中没有「回访记录」工作表,按无回访记录处理 (no 回访记录/calls sheet: no calls read)",
                    fatal=False)
    if calls is None:
        calls = _frame([], [*CALL_COLUMNS, "questions_exceeded"], times=("call_time",),
                       ints=("questions",), bools=("escalate", "questions_exceeded"))
    gifts = _gifts(book, *found["gifts"], store, accepted, rejected) if "gifts" in found else None
    if gifts is None:
        gifts = _frame([], list(GIFT_COLUMNS), dates=("given_date",), floats=("value",))

    book.result.stores.append(StoreData(origin=origin, store=store, group=group, playbook=pb_name,
                                        settings=settings, customers=frame, calls=calls, gifts=gifts))
    return book.result
