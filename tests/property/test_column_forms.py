"""The sheet checks apply `as_text` / `as_ident` to a whole column at once when every distinct
value is text (`sync.validate.cols`): the results must be exactly the per-value functions',
whatever the text holds (full-width letters and spaces, tabs, line breaks, zero-width and other
invisible characters, non-ASCII digits), and a column of mixed values goes value by value.
"""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.sync.validate.cells import as_ident, as_text
from followup.sync.validate.cols import Column, objects

TRICKY = "AaZz09 -_.\t\n\r\u3000\u00a0\u200b\ufeff\u00adＣＯ０１٣é客户编号\x00\x0b"
TEXT = st.one_of(st.text(alphabet=TRICKY, max_size=8), st.text(max_size=6), st.sampled_from(["C0001", " C1 ", ""]))
CELL = st.one_of(TEXT, st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.just(dt.date(2026, 11, 3)))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.lists(TEXT, max_size=20), st.lists(CELL, max_size=20)))
def test_whole_column_forms_equal_the_per_value_functions(values):
    col = Column(objects(values))
    for fn in (as_text, as_ident):
        assert col.rows(fn).tolist() == [fn(v) for v in values]
