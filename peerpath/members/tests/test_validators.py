"""Checks of identifying fields (pure Python: no database)."""

from __future__ import annotations

import pytest

from peerpath.members.validators import phone_is_valid, taiwan_id_is_valid


def test_it_accepts_a_national_id_with_a_correct_checksum():
    assert taiwan_id_is_valid("A123456789")


def test_it_rejects_a_national_id_with_a_wrong_check_digit():
    assert not taiwan_id_is_valid("A123456788")


def test_it_accepts_a_lower_case_national_id_after_upper_casing():
    assert taiwan_id_is_valid("a123456789")


def test_it_accepts_a_national_id_with_surrounding_spaces():
    assert taiwan_id_is_valid(" A123456789 ")


def test_it_accepts_a_female_national_id():
    assert taiwan_id_is_valid("F200000008")


def test_it_accepts_a_new_style_resident_certificate_number():
    assert taiwan_id_is_valid("A800000005")


def test_it_uses_the_official_letter_values_not_alphabetical_order():
    # X counts as 30 (alphabetical order would give 33, and X100000002).
    assert taiwan_id_is_valid("X100000009")
    assert not taiwan_id_is_valid("X100000002")


def test_it_gives_i_and_o_the_highest_letter_values():
    assert taiwan_id_is_valid("I100000003")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "A12345678",  # too short
        "A1234567890",  # too long
        "1123456789",  # no letter
        "AB23456789",  # two letters
        "A323456789",  # gender digit must be 1, 2, 8 or 9
        "A12345678X",
        "A 123456789",
        "Ａ123456789",  # full-width letter
    ],
)
def test_it_rejects_a_national_id_of_the_wrong_format(value):
    assert not taiwan_id_is_valid(value)


@pytest.mark.parametrize(
    "value",
    ["0912-345-678", "0912345678", "+886 912 345 678", "02 2345 6789", "02-2345-6789#123"],
)
def test_it_accepts_common_phone_formats(value):
    assert phone_is_valid(value)


def test_it_accepts_a_landline_with_the_area_code_in_brackets():
    assert phone_is_valid("(02) 2345-6789")


@pytest.mark.parametrize(
    "value",
    ["", "12345", "0912-ABC-678", "phone: 0912345678", "0912345678" * 3, "++886912345678"],
)
def test_it_rejects_a_phone_that_is_not_a_number(value):
    assert not phone_is_valid(value)
