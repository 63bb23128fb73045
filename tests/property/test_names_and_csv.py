"""Properties of the output-name function and the CSV cell rule (issue 20 items 4 and 5), over
arbitrary Unicode text: names are safe, bounded in bytes, phone-free and distinct for distinct
values; every CSV cell that could start a formula is neutralised and nothing else changes."""

from __future__ import annotations

import csv
import io
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.sync.csv_safe import FORMULA_STARTS, csv_bytes, gateway_phone, neutralise
from followup.sync.filenames import MAX_NAME_BYTES, data_name, data_names

PHONE = re.compile(r"1[3-9]\d{9}")
texts = st.text(st.characters(codec="utf-8"), max_size=300) | st.sampled_from(
    ["A/B", "A:B", "..", ".", "CON", "x\x00y", "坐" * 74, "小王13812345678", "\u202eexe.txt", " ", "a" * 400]
)


def _safe(name: str, prefix: str, suffix: str) -> None:
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    assert name.startswith(prefix) and name.endswith(suffix)
    assert not set(name) & set('\\/:*?"<>|\x00')
    assert not any(ord(ch) < 32 for ch in name)
    assert not PHONE.search(name)
    middle = name[len(prefix) : len(name) - len(suffix)]
    assert middle and not middle.startswith((".", " ")) and not middle.endswith((".", " "))


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=12))
def test_names_are_safe_bounded_and_distinct(values):
    prefix, suffix = "今日回访_", "_2026-11-24.xlsx"
    names = data_names(values, prefix, suffix)
    assert set(names) == {str(v) for v in values}
    for name in names.values():
        _safe(name, prefix, suffix)
    assert len({n.casefold() for n in names.values()}) == len(names)  # never one file for two values


@given(texts)
def test_one_name_is_the_same_alone_or_in_a_group_without_collision(value):
    assert data_name(value, "p_", ".x") == data_names([value], "p_", ".x")[value]


def test_the_issue_cases():
    names = data_names(["A/B", "A:B", "阿里云.短信", "阿里云,短信", "x\x00y"], "s_", ".csv")
    assert len(set(names.values())) == 5
    assert names["阿里云.短信"] == "s_阿里云.短信.csv"  # a faithful name stays as it is
    assert data_name("小王13812345678", "今日回访_", ".xlsx").startswith("今日回访_小王138_5678-")
    assert data_name("", "今日回访_", ".xlsx", empty="未分配") == "今日回访_未分配.xlsx"


@given(st.text(max_size=40))
def test_neutralise(cell):
    out = neutralise(cell)
    if cell.startswith(FORMULA_STARTS):
        assert out == "'" + cell
    else:
        assert out == cell
    assert not out.startswith(FORMULA_STARTS)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=20) | st.integers() | st.none(), min_size=1, max_size=5), max_size=5))
def test_no_csv_cell_starts_a_formula(rows):
    data = csv_bytes(["=head", "b"], rows).decode("utf-8-sig")
    got = list(csv.reader(io.StringIO(data, newline="")))
    assert got[0] == ["'=head", "b"]
    for cells in got:
        assert not any(c.startswith(FORMULA_STARTS) for c in cells)


def test_gateway_phone_is_digits_only():
    assert gateway_phone("+86 138-1234-5678") == "13812345678"
    assert gateway_phone("13812345678") == "13812345678"
    assert gateway_phone("+852 5123 4567") == "85251234567"
    assert not gateway_phone("+86 138 1234 5678").startswith(FORMULA_STARTS)
