"""Duplicates across sources are data errors, not crashes.

`dedupe(read)` runs on everything the sources read, before the stores are merged:

- Store names that differ only by white space (a tab, a line break, doubled or full-width
  spaces) are one store: every source gets the first name seen, with its white space tidied,
  and a warning names the source whose name differed.
- When one customer id turns up in two sources of the same store (a `一店 - 副本.xlsx` next to
  `一店.xlsx`, or one customer typed into two workbooks), the **newer** source keeps it: newest
  modified time first; on a tie (a copy keeps its original's time) the larger file, then the
  shorter name (copies get longer names: ` - 副本`, ` - Copy`, ` (1)`), then the name. The
  older source's row for that customer, and its calls and gifts of that customer, are
  rejected, each naming both files and rows. Rows read still equal rows used + rows rejected.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from followup.sync.model import ReadResult, Rejection, StoreData
from followup.udfs.schema import SHEETS

from .cells import show, visible
from .settings import sheet_key

__all__ = ["dedupe", "store_key"]

_ID_HEADER = "客户编号"


def store_key(name: object) -> str:
    """The name a store is matched by: NFKC, no white space or invisible format character
    (U+200B, U+FEFF, soft hyphen …) at all, case-folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", visible(str(name)))).casefold()


def _tidy(name: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", visible(str(name)))).strip()


def _rank(origin: str) -> tuple:
    """Sort key, newest first (see the module docstring)."""
    try:
        st = Path(origin).stat()
        mtime, size = st.st_mtime, st.st_size
    except (OSError, ValueError):
        mtime, size = 0.0, 0
    return (-mtime, -size, len(Path(origin).name), origin)


def _title(read: ReadResult, origin: str, key: str) -> str:
    for o, sheet in read.rows_read:
        if o == origin and sheet_key(sheet) == key:
            return sheet
    return SHEETS[key]


def _same_store_column(df: pd.DataFrame, key: str, name: str) -> pd.DataFrame:
    """Rows whose own 门店 is the store's name but for white space get the store's name."""
    if df is None or df.empty or "store" not in df.columns:
        return df
    col = df["store"]
    hit = col.notna() & col.map(lambda v: isinstance(v, str) and v != name and store_key(v) == key)
    if hit.any():
        df = df.copy()
        df.loc[hit, "store"] = name
    return df


def _drop(read: ReadResult, sd: StoreData, attr: str, sheet: str, mask: pd.Series, message) -> None:
    frame: pd.DataFrame = getattr(sd, attr)
    for _, row in frame[mask].iterrows():
        read.rejections.append(
            Rejection(
                sd.origin,
                sheet,
                int(row["_row"]),
                _ID_HEADER,
                show(row["customer_id"]) or None,
                message(row["customer_id"]),
            )
        )
    n = int(mask.sum())
    if n:
        k = (sd.origin, sheet)
        read.rows_used[k] = read.rows_used.get(k, 0) - n
        read.rows_rejected[k] = read.rows_rejected.get(k, 0) + n
        setattr(sd, attr, frame[~mask].reset_index(drop=True))


def dedupe(read: ReadResult) -> None:
    """Merge store names that differ only by white space; reject customers found in two
    sources of one store, keeping the newer source's (see the module docstring). In place."""
    groups: dict[str, list[StoreData]] = {}
    names: dict[str, str] = {}
    for sd in read.stores:
        key = store_key(sd.store)
        name = names.setdefault(key, _tidy(sd.store))
        if sd.store != name:
            if str(sd.store).strip() != name:
                read.rejections.append(
                    Rejection(
                        sd.origin,
                        SHEETS["settings"],
                        None,
                        None,
                        None,
                        f"门店名称 {str(sd.store)!r} 与「{name}」只差空白或不可见字符(空格、制表符、换行、零宽空格等),"
                        f"按同一门店「{name}」处理 (store name {str(sd.store)!r} differs from {name!r} only by white "
                        f"space or invisible characters: read as {name!r})",
                        fatal=False,
                    )
                )
            sd.store = name
        for attr in ("customers", "calls", "gifts"):
            setattr(sd, attr, _same_store_column(getattr(sd, attr), key, name))
        groups.setdefault(key, []).append(sd)
    for parts in groups.values():
        if len(parts) > 1:
            _one_store(read, sorted(parts, key=lambda p: _rank(p.origin)))


def _one_store(read: ReadResult, parts: list[StoreData]) -> None:
    kept: dict[str, tuple[str, str, int]] = {}  # customer id → (origin, sheet, row) that keeps it
    for sd in parts:
        cust = sd.customers
        if cust is None or cust.empty or "customer_id" not in cust.columns:
            continue
        ids = cust["customer_id"]
        dup = ids.isin(list(kept)) & ids.notna()
        if dup.any():
            sheet = _title(read, sd.origin, "customers")
            older = Path(sd.origin).name

            def message(cid, what_zh="客户", what_en="customer"):
                o, s, r = kept[cid]
                newer = Path(o).name
                return (
                    f"客户编号 {show(cid)} 同时在同一门店的「{newer}」({s} 第{r}行)中;按较新的文件为准,"
                    f"不使用「{older}」中该{what_zh}的这一行;如是多余的副本请删除 "  # noqa: B023 - used in this iteration
                    f"(customer id {show(cid)} is also in {newer!r}, {s} row {r}, for the same store: "
                    f"the newer file wins and this {what_en} row of {older!r} is not used; delete the "  # noqa: B023
                    f"file if it is a stray copy)"
                )

            gone = set(ids[dup])
            _drop(read, sd, "customers", sheet, dup, message)
            for attr, key, zh, en in (("calls", "calls", "回访记录", "call"), ("gifts", "gifts", "礼品记录", "gift")):
                frame = getattr(sd, attr)
                if frame is None or frame.empty or "customer_id" not in frame.columns:
                    continue
                mask = frame["customer_id"].isin(list(gone))
                _drop(
                    read, sd, attr, _title(read, sd.origin, key), mask, lambda cid, zh=zh, en=en: message(cid, zh, en)
                )
        for _, row in sd.customers.iterrows():
            cid = row["customer_id"]
            if cid is not None and cid == cid and cid not in kept:
                kept[cid] = (sd.origin, _title(read, sd.origin, "customers"), int(row["_row"]))
