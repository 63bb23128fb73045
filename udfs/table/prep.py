"""Table mode, step 1: normalise the two frames and derive each customer's starting class.

SPEC §4.2 automatic mode: the class follows the facts (the playbook's `derive` rules, first
match wins); a registered class is used where no fact decides; fallback rules come last.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import BadArgument
from ..schema import CALL_COLUMNS, COUNT_COLUMNS, CUSTOMER_COLUMNS, FACT_COLUMNS, canonical, flag_codes
from .compiled import Compiled
from .dates import NAT, parse_days

__all__ = ["canonical_frame", "derive_classes", "derive_with_warnings", "flag_masks", "class_conflicts"]

_CUSTOMER = {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COUNT_COLUMNS}


def canonical_frame(df: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Rename Chinese headers / English aliases to canonical keys; unknown columns are kept."""
    columns = _CUSTOMER if kind == "customers" else CALL_COLUMNS
    rename: dict[object, str] = {}
    for col in df.columns:
        key = canonical(columns, col)
        if key and key not in rename.values():
            rename[col] = key
    out = df.rename(columns=rename)
    if "customer_id" not in out.columns:
        where = "客户" if kind == "customers" else "回访记录"
        raise BadArgument(kind, list(df.columns), f"{where} 缺少 客户编号 (customer_id) 列")
    return out


def _registered(cp: Compiled, values: pd.Series | None, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, -1, dtype=np.int64)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lookup = np.full(len(uniques) + 1, -1, dtype=np.int64)
    for j, v in enumerate(uniques):
        try:
            code = cp.pb.class_code(v)
        except BadArgument as e:
            row = int(np.flatnonzero(codes == j)[0]) + 2  # sheet row: header is row 1
            raise BadArgument(f"客户 第{row}行 类别", v, e.expected) from None
        lookup[j] = -1 if code is None else cp.codes.index(code)
    return lookup[codes]


def derive_classes(cp: Compiled, cust: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(class number per customer or -1, anchor date, parsed fact columns)."""
    cls, anchor, facts, _ = derive_with_warnings(cp, cust)
    return cls, anchor, facts


def derive_with_warnings(
    cp: Compiled, cust: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """`derive_classes`, plus per customer the data warning of the derive rule that applied ("")."""
    n = len(cust)
    pb = cp.pb
    needed = {r.when for r in pb.derive} | {f for r in pb.derive for f in r.later_than}
    needed |= {c.anchor for c in pb.classes.values()} | {f for c in pb.classes.values() for f in c.cancel_when}
    needed |= {f for c in pb.classes.values() for e in c.events for f in (e.on, *e.unless)}
    facts = {f: parse_days(cust[f]) if f in cust.columns else np.full(n, NAT) for f in needed}
    typed = _registered(cp, cust.get("class"), n)
    # A typed class whose own anchor date is empty is contradicted by the facts: the row is
    # used as the facts say (SPEC §4.2 automatic mode; `class_conflicts` names these rows);
    # with no fact at all it keeps the typed class (and is reported as missing its anchor).
    registered = typed.copy()
    for c, code in enumerate(cp.codes):
        registered[(registered == c) & np.isnat(facts[pb.classes[code].anchor])] = -1
    cls = np.full(n, -1, dtype=np.int64)
    warning = np.full(n, "", dtype=object)
    for rule in [r for r in pb.derive if not r.fallback]:
        when = facts[rule.when]
        hit = (cls < 0) & ~np.isnat(when)
        if rule.count is not None:
            got = (
                pd.to_numeric(cust[rule.count], errors="coerce").to_numpy(float)
                if rule.count in cust
                else np.full(n, np.nan)
            )
            hit &= ~np.isnan(got) & (got >= (rule.count_min or 0))
        for other in rule.later_than:
            hit &= np.isnat(facts[other]) | (when > facts[other])
        cls[hit] = cp.codes.index(rule.cls)
        if rule.warning:
            warning[hit] = rule.warning
    cls = np.where(cls < 0, registered, cls)
    for rule in [r for r in pb.derive if r.fallback]:
        hit = (cls < 0) & ~np.isnat(facts[rule.when])
        cls[hit] = cp.codes.index(rule.cls)
    cls = np.where(cls < 0, typed, cls)
    if pb.default_class:
        cls[cls < 0] = cp.codes.index(pb.default_class)
    anchor = np.full(n, NAT)
    for c, code in enumerate(cp.codes):
        m = cls == c
        anchor[m] = facts[pb.classes[code].anchor][m]
    return cls, anchor, facts, warning


def flag_masks(values: pd.Series | None, n: int, wanted: dict[str, set[str]]) -> dict[str, np.ndarray]:
    """For each name in `wanted` (a set of flag codes), which customers carry one of them."""
    out = {name: np.zeros(n, dtype=bool) for name in wanted}
    if values is None:
        return out
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    marks = [flag_codes(v) for v in uniques]
    for name, codes_wanted in wanted.items():
        lookup = np.array([bool(m & codes_wanted) for m in marks] + [False])
        out[name] = lookup[codes]
    return out


def class_conflicts(cp: Compiled, cust: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Rows whose typed 类别 the facts contradict (e.g. C with no 预约日期, B with a 购买日期):
    (mask, per row the reason with the class the row is used as; "" elsewhere)."""
    n = len(cust)
    typed = _registered(cp, cust.get("class"), n)
    used, _, facts = derive_classes(cp, cust)
    bad = (typed >= 0) & (used != typed)  # no date at all: the table says 缺锚点日期 instead
    reasons = [""] * n
    for i in np.flatnonzero(bad).tolist():
        rule = cp.pb.classes[cp.codes[typed[i]]]
        field = _CUSTOMER.get(rule.anchor, rule.anchor)
        to = cp.codes[used[i]] if used[i] >= 0 else ""
        if np.isnat(facts[rule.anchor][i]):
            why, why_en = f"缺少{field}", f"{rule.anchor} is empty"
        else:
            hit = next((r for r in cp.pb.derive if not r.fallback and r.cls == to), None)
            when = _CUSTOMER.get(hit.when, hit.when) if hit else ""
            why, why_en = f"已填{when}", f"{hit.when if hit else 'a date'} is filled in"
        reasons[i] = (
            f"类别 {cp.codes[typed[i]]} 与日期不符({why}),此行按日期作为 {to} 类使用 "
            f"(class {cp.codes[typed[i]]} contradicts the dates: {why_en}; used as class {to})"
        )
    return bad, reasons
