"""Merging a workbook's rows into its store (`sync.merge._with_store`): a row whose 门店 cell is
missing or blank (spaces, full-width spaces) takes the workbook's store; any other value stays,
checked once per distinct value — the same as testing every cell."""

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.sync.merge import _with_store

CELLS = st.one_of(
    st.sampled_from(["一店", "二店 ", " ", "", "\u3000", "\t", "nan", "None"]),
    st.none(),
    st.just(math.nan),
    st.integers(0, 2),
    st.just(1.0),
    st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(CELLS, min_size=1, max_size=12), st.sampled_from([object, "str"]))
def test_blank_store_cells_take_the_workbook_store(cells, dtype):
    if dtype == "str":
        cells = [None if c is None or (isinstance(c, float) and math.isnan(c)) else str(c) for c in cells]
    frame = pd.DataFrame({"store": pd.Series(cells, dtype=dtype), "row": range(len(cells))})
    got = _with_store(frame, "三店", "a.xlsx")
    want = [
        "三店" if c is None or (isinstance(c, float) and math.isnan(c)) or not str(c).strip() else c
        for c in frame["store"].tolist()
    ]
    assert got["store"].tolist() == want
    assert (got["_origin"] == "a.xlsx").all() and got["row"].tolist() == list(range(len(cells)))
