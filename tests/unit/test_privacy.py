"""Phone numbers are shown masked everywhere but in their own field (SPEC §3.5)."""

from __future__ import annotations

import numpy as np
import pytest
from fakes.phone_forms import ALL_MOBILE_FORMS, LANDLINE_FORMS, leaks, mask_cpu_ms, worst_cells
from hypothesis import given
from hypothesis import strategies as st

from followup.udfs.privacy import is_mobile, mask_phone, mask_phones_in_text, normalize_phone

mobiles = st.from_regex(r"\A1[3-9][0-9]{9}\Z")


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "0086 138 1234 5678",
        "138-1234-5678",
        " 138 1234 5678 ",
        "(+86) 138-1234-5678",
        13812345678,
        13812345678.0,
        "13812345678.0",
        "1.3812345678E+10",
        np.int64(13812345678),
        np.float64(13812345678.0),
        "１３８１２３４５６７８",
    ],
)
def test_every_form_of_one_mobile_number_masks_to_138_stars_5678(value):
    assert mask_phone(value) == "138****5678"
    assert normalize_phone(value) == "13812345678"


@pytest.mark.parametrize(
    "value, masked",
    [
        ("010-12345678", "010****5678"),  # Beijing landline with area code
        ("0571-87654321", "057*****4321"),  # 4-digit area code
        ("87654321", "****4321"),  # local 8-digit number: only the last 4 kept
        ("1234567", "*****67"),  # short: all but the last 2
        ("12345", "***45"),
        ("12", "**"),
        ("7", "*"),
    ],
)
def test_other_lengths_mask_the_middle_or_all_but_the_end(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize("value", [None, "", "   ", float("nan"), "无", "-"])
def test_empty_or_digitless_values_mask_to_empty_text(value):
    assert mask_phone(value) == ""


def test_country_code_is_kept_for_numbers_that_are_not_mobiles():
    assert normalize_phone("+86 10 1234 5678") == "861012345678"


def test_normalize_phone_never_writes_scientific_notation():
    assert normalize_phone(1.3812345678e10) == "13812345678"
    assert "e" not in normalize_phone(1.5e20).lower()
    assert normalize_phone(1.5e20) == "150000000000000000000"


@pytest.mark.parametrize(
    "value, mobile",
    [
        ("13812345678", True),
        ("+86 199 0000 1111", True),
        (13812345678.0, True),
        ("12812345678", False),
        ("1381234567", False),
        ("010-12345678", False),
        (None, False),
    ],
)
def test_is_mobile_recognises_chinese_mobile_numbers(value, mobile):
    assert is_mobile(value) is mobile


def test_mobile_numbers_inside_free_text_are_masked():
    text = "客户13812345678说+86 139-1234-5678也可以,或 150 1111 2222。"
    assert mask_phones_in_text(text) == "客户138****5678说139****5678也可以,或 150****2222。"


def test_longer_digit_runs_and_non_phone_numbers_in_text_are_left_alone():
    text = "订单 2013812345678999 编号12812345678 K0100001 2026-11-16 10:30 金额 1880.50"
    assert mask_phones_in_text(text) == text


def test_a_mobile_after_a_period_is_masked_even_when_it_reads_like_a_decimal():
    assert mask_phones_in_text("金额 12.13812345678") == "金额 12.138****5678"


def test_mask_phones_in_text_handles_an_empty_message():
    assert mask_phones_in_text(None) == ""
    assert mask_phones_in_text("") == ""


FORMS = [
    lambda n: n,
    lambda n: "+86 " + n,
    lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
    lambda n: "0086" + n,
    lambda n: int(n),
    lambda n: float(n),
]


@given(mobiles, st.sampled_from(FORMS))
def test_mask_phone_never_leaks_the_middle_four_digits(number, form):
    masked = mask_phone(form(number))
    assert masked == number[:3] + "****" + number[-4:]
    assert masked[3:7] == "****"


@given(mobiles, st.text(alphabet="abc 客户说:,。", max_size=8), st.text(alphabet="xyz 电话。", max_size=8))
def test_no_full_mobile_number_survives_in_masked_text(number, before, after):
    masked = mask_phones_in_text(before + number + after)
    assert number not in masked
    assert mask_phone(number) in masked


@given(st.text(alphabet="0123456789 -+", max_size=20))
def test_a_mask_is_as_long_as_the_digits_and_keeps_at_most_seven_of_them(text):
    digits = normalize_phone(text)
    masked = mask_phone(text)
    assert len(masked) == len(digits)
    assert sum(c != "*" for c in masked) <= min(7, len(digits))
    if digits:
        assert "*" in masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("客户改号Tel.13812345678", "客户改号Tel.138****5678"),
        ("No.13812345678", "No.138****5678"),
        ("138.1234.5678", "138****5678"),
        ("(138)1234-5678", "138****5678"),
        ("138  1234  5678", "138****5678"),
        ("138–1234–5678", "138****5678"),  # en dash
        ("138—1234—5678", "138****5678"),  # em dash
        ("电话１３８１２３４５６７８", "电话138****5678"),  # full-width digits
        ("＋８６ １３８ １２３４ ５６７８", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0086-138-1234-5678", "138****5678"),
        ("(+86)13812345678", "138****5678"),
        ("tel:+8613812345678", "tel:138****5678"),
        ("138/1234/5678", "138****5678"),
        ("abc13812345678xyz", "abc138****5678xyz"),  # glued to letters: the fallback
        ("x138_1234_5678y", "x138****5678y"),
        ("a8613812345678b", "a138****5678b"),
        ("已回电13912345678", "已回电139****5678"),
        ("13812345678,13912345678", "138****5678,139****5678"),
    ],
)
def test_every_common_written_form_of_a_mobile_is_masked(text, masked):
    assert mask_phones_in_text(text) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("店里电话 021-12345678", "店里电话 021****5678"),  # landlines: the phone field's mask of
        ("(0755)12345678", "075*****5678"),  # trunk 0 + area code + number
        ("0571-87654321", "057*****4321"),
        ("+86 21 1234 5678", "021****5678"),
        ("【010-80000000】", "【010****0000】"),  # possible but not in the metadata
        ("+1 202 555 0143", "120****0143"),  # another country: with its code
    ],
)
def test_landlines_and_foreign_numbers_in_text_get_the_phone_field_mask(text, masked):
    assert mask_phones_in_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "K0100001",
        "2026-11-16 10:30",
        "87654321",
        "95588",
        "订单 0123-4567",
        "20231116001",
        "第3周 共 12 次 成功率 0.333333",
        "sha256 3f13812345678a" + "0" * 50,  # a sha256 digest: 64 hexadecimal characters
    ],
)
def test_ids_dates_short_numbers_and_digests_are_not_phone_numbers(text):
    assert mask_phones_in_text(text) == text


def test_a_mask_is_stable_when_masked_again():
    once = mask_phones_in_text("客户Tel.13812345678, 店 021-12345678")
    assert mask_phones_in_text(once) == once


def test_phone_field_keeps_the_leading_zero_of_a_landline_typed_as_digits():
    assert normalize_phone("02112345678") == "02112345678"
    assert mask_phone("02112345678") == "021****5678"


@given(
    mobiles,
    st.sampled_from([".", " ", "  ", "-", "–", "/", ""]),
    st.text(alphabet="abcxyz客户说Tel. :,。", max_size=6),
    st.text(alphabet="abcxyz客户说 :,。", max_size=6),
)
def test_a_grouped_mobile_in_any_text_never_survives(number, sep, before, after):
    text = before + number[:3] + sep + number[3:7] + sep + number[7:] + after
    masked = mask_phones_in_text(text)
    assert number not in "".join(c for c in masked if c.isdigit())
    assert number[:3] + "****" + number[7:] in masked


# --- issue 20 item 7 / issue 26 item 4: the written forms, normalisation, bounded cost --------


@pytest.mark.parametrize(
    "text, masked",
    [
        ("客户\u200b138\u200b1234\u200b5678说", "客户\u200b138****5678说"),  # zero-width space: the one before is kept
        ("138\u00ad1234\u00ad5678", "138****5678"),  # soft hyphen
        ("138\u20601234\u20605678", "138****5678"),  # word joiner
        ("\ufeff138\ufeff1234\ufeff5678", "\ufeff138****5678"),  # BOM: the one before is kept
        ("138,1234,5678", "138****5678"),
        ("138，1234，5678", "138****5678"),
        ("138。1234。5678", "138****5678"),
        ("138~1234~5678", "138****5678"),
        ("138:1234:5678", "138****5678"),
        ("138*1234*5678", "138****5678"),
        ("分机 021-12345678-801", "分机 021****5678-801"),  # the extension is kept
        ("deadbeef13812345678cafe", "deadbeef138****5678cafe"),  # glued to hexadecimal letters
        ("电话一三八一二三四五六七八", "电话138****5678"),  # Chinese numerals
        ("幺三八 幺二三四 五六七八", "138****5678"),
        ("〇二一-一二三四五六七八", "021****5678"),
        ("¹³⁸¹²³⁴⁵⁶⁷⁸", "138****5678"),  # superscripts
        ("第一13812345678", "第一138****5678"),  # a numeral before digits ends the number
        ("138一二三四5678", "138****5678"),  # scripts mixed
    ],
)
def test_the_issue_20_forms_are_masked_and_the_rest_of_the_text_kept(text, masked):
    assert mask_phones_in_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-01-05 13:45:00",
        "订单 2026.01.05 13:45:00 共 12 次",
        "一店 第一周 三十一 二〇二六年",
        "1,280 元, 3:2, 12*34",
        "about 17,179,869,184 cells, 13,812,345,678 元",  # thousands: an amount or a count
        "sha256 " + "ab13812345678" + "0" * 51,  # a digest: 64 hexadecimal characters
    ],
)
def test_times_amounts_numerals_in_words_and_digests_are_left_alone(text):
    assert mask_phones_in_text(text) == text


# Text around a number: no digit, numeral, '+' or bracket (those would join or change the number)
_AROUND = st.text(alphabet="abcdefxyz客户说改号电话。,:;!?、【】 \u3000-*~，\u200b\u00ad\ufeff", max_size=8)


@given(mobiles, st.sampled_from(ALL_MOBILE_FORMS), _AROUND, _AROUND)
def test_no_mobile_survives_in_any_normalised_form_and_the_text_around_is_kept(number, form, before, after):
    text = before + form[1](number) + after
    masked = mask_phones_in_text(text)
    assert not leaks("masked", masked, {number}), (text, masked)
    assert masked.startswith(before) and masked.endswith(after), (text, masked)
    assert number[:3] + "****" + number[7:] in masked


@given(
    st.sampled_from(["010", "021", "0755", "0571"]),
    st.from_regex(r"\A[2-8][0-9]{7}\Z"),
    st.sampled_from(LANDLINE_FORMS),
    _AROUND,
)
def test_no_landline_survives_in_any_normalised_form(area, sub, form, around):
    masked = mask_phones_in_text(around + form[1](area, sub) + around)
    assert not leaks("masked", masked, {area + sub, area[1:] + sub}, any_mobile=False), masked


def test_masking_grows_linearly_on_the_worst_cells():
    """Issue 26 item 4: masking is linear in the text's length on the worst cells found — 8 times
    the text may cost at most 24 times the CPU time (quadratic would be 64). The figures (the
    target is ≤ 10 ms for a 32,767-character cell) are `bench/masking.py`'s: a test asserts no
    absolute time, which a loaded machine would make flaky."""
    for name, cell in worst_cells(32_767).items():
        full = mask_cpu_ms(cell)
        eighth = mask_cpu_ms(cell[: 32_767 // 8])
        assert full <= 24 * max(eighth, 0.05), f"{name}: {eighth:.2f} ms → {full:.2f} ms, not linear"
        assert full <= 100, f"{name}: {full:.1f} ms (the target is 10 ms; the old masker took up to 2,600 ms)"
