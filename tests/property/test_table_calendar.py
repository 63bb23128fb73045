"""Table mode's month arithmetic (`udfs.table.dates`) reads a calendar table for 1900–2199 and
falls back to numpy's calendar casts outside it: on whole arrays mixing dates inside and outside
the table, missing dates (NaT) and month shifts across the table's edges, `add_months` equals
`date + relativedelta(months=n)` and `month_index` the months since 1970-01."""

import datetime as dt

import numpy as np
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.udfs.table.dates import add_months, month_index

DAYS = st.one_of(
    st.dates(dt.date(1899, 10, 1), dt.date(1900, 3, 31)),
    st.dates(dt.date(2199, 10, 1), dt.date(2200, 3, 31)),
    st.dates(dt.date(1800, 1, 1), dt.date(2400, 12, 31)),
    st.dates(dt.date(2024, 1, 25), dt.date(2024, 3, 5)),  # month ends, a leap February
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(DAYS, st.integers(-30, 30)), min_size=1, max_size=12))
def test_month_arithmetic_over_whole_arrays_matches_relativedelta(rows):
    days = np.array([np.datetime64("NaT") if d is None else np.datetime64(d, "D") for d, _ in rows], "datetime64[D]")
    months = np.array([m for _, m in rows], dtype=np.int64)
    got = add_months(days, months)
    index = month_index(days)
    for (day, m), g, i in zip(rows, got, index):
        if day is None:
            assert np.isnat(g)
            continue
        want = day + relativedelta(months=m)
        assert g.astype(object) == want, (day, m)
        assert i == (day.year - 1970) * 12 + day.month - 1
