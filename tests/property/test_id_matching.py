"""Table mode matches each call to its customer by id (`udfs.table.api._positions`): the fast
paths (categories looked up once each, categories that are the customers' ids used as
positions directly) give the same positions as the straightforward `Index.get_indexer` on the
same values (a Categorical's missing values belong to no customer), whatever the ids are: text, integers, floats, None, NaN, unknown ids, repeated
call ids, str / object / Categorical columns. Customers sharing an id are refused by both.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.udfs import followup_table
from followup.udfs.errors import BadArgument
from followup.udfs.table.api import _positions

IDS = st.one_of(
    st.sampled_from(["C1", "C2", "c1", "C1 ", "客户1", "", "1", "2.0"]),
    st.text(alphabet="AB12", max_size=3),
    st.integers(-2, 3),
    st.sampled_from([1.0, 2.5, math.nan, None, True]),
)


def _column(values: list, how: str, categories: list | None) -> pd.Series:
    if how == "object":
        return pd.Series(values, dtype=object)
    if how == "str":  # the dtype pandas gives text read from a sheet
        return pd.Series([None if v is None else str(v) for v in values], dtype="str")
    return pd.Series(pd.Categorical(values, categories=categories))


def _straightforward(ids: pd.Series, wanted: pd.Series) -> np.ndarray:
    """Each call id looked up among the customers' ids; a Categorical's missing value (code -1)
    belongs to no customer, even one whose id is missing too (as table mode always did)."""
    if not isinstance(wanted.dtype, pd.CategoricalDtype):
        return pd.Index(ids).get_indexer(wanted)
    found = pd.Index(ids).get_indexer(np.asarray(wanted, dtype=object))  # the decoded values
    found[wanted.cat.codes.to_numpy() < 0] = -1
    return found


@settings(max_examples=400, deadline=None)
@given(
    st.lists(IDS, max_size=12),
    st.lists(IDS, max_size=30),
    st.sampled_from(["object", "str", "category", "category of the ids"]),
    st.sampled_from(["object", "str"]),
)
def test_fast_matching_gives_the_straightforward_positions(customers, calls, how, ids_how):
    ids = _column(customers, ids_how, None)
    if how == "category of the ids":  # integer keys: categories are the customers' ids themselves
        known = [v for v in ids.tolist() if not pd.isna(v)]
        if not pd.Index(known, dtype=object).is_unique:  # 1 and 1.0 are one id
            return
        wanted = pd.Series(pd.Categorical([v for v in calls if v in known], categories=ids.dropna()))
    else:
        hashable = [v for v in calls if not (how == "category" and isinstance(v, float) and math.isnan(v))]
        try:
            wanted = _column(hashable, how, None)
        except (TypeError, ValueError):  # mixed types pandas cannot sort into categories
            return
    try:
        expected = _straightforward(ids, wanted)
    except pd.errors.InvalidIndexError:  # two customers share an id: the fast path refuses too
        with pytest.raises(BadArgument, match="客户编号"):
            _positions(ids, wanted)
        return
    assert _positions(ids, wanted).tolist() == expected.tolist()


def test_two_customers_with_one_id_are_named_with_both_rows():
    customers = pd.DataFrame({"客户编号": ["A1", "A2", "A1"], "购买日期": ["2026-11-03"] * 3})
    calls = pd.DataFrame({"客户编号": ["A1"], "时间": ["2026-11-06 10:00"], "结果": ["成功"]})
    with pytest.raises(BadArgument) as e:
        followup_table(customers, calls, "optometry", "2026-11-25")
    # sheet rows: the header is row 1
    assert "第4行" in str(e.value) and "第2行" in str(e.value) and "A1" in str(e.value)
    out = followup_table(customers, calls, "optometry", "2026-11-25", errors="row")  # the cell function
    assert len(out) == 3
