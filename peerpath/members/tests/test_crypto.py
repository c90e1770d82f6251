"""Field encryption and blind-index name parts (pure Python: no database)."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from peerpath.members.crypto import (
    PREFIX,
    DecryptionError,
    FieldCipher,
    name_parts,
    query_token,
    search_tokens,
)

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()
SEARCH_KEY = "test-search-key"


def test_it_decrypts_what_it_encrypted():
    cipher = FieldCipher([NEW_KEY])
    assert cipher.decrypt(cipher.encrypt("Wang Xiao-ming")) == "Wang Xiao-ming"


def test_it_round_trips_chinese_text():
    cipher = FieldCipher([NEW_KEY])
    assert cipher.decrypt(cipher.encrypt("王小明，台北市信義區")) == "王小明，台北市信義區"


def test_it_stores_a_prefixed_value_that_does_not_contain_the_plaintext():
    stored = FieldCipher([NEW_KEY]).encrypt("王小明")
    assert stored.startswith(PREFIX)
    assert "王小明" not in stored


def test_it_encrypts_the_same_text_differently_each_time():
    cipher = FieldCipher([NEW_KEY])
    assert cipher.encrypt("王小明") != cipher.encrypt("王小明")


def test_it_still_decrypts_a_value_encrypted_under_an_older_key():
    stored = FieldCipher([OLD_KEY]).encrypt("陳美玲")
    assert FieldCipher([NEW_KEY, OLD_KEY]).decrypt(stored) == "陳美玲"


def test_it_encrypts_new_values_under_the_newest_key():
    stored = FieldCipher([NEW_KEY, OLD_KEY]).encrypt("陳美玲")
    assert FieldCipher([NEW_KEY]).decrypt(stored) == "陳美玲"


def test_it_rotates_a_value_to_the_newest_key():
    cipher = FieldCipher([NEW_KEY, OLD_KEY])
    stored = FieldCipher([OLD_KEY]).encrypt("陳美玲")
    assert not cipher.is_current(stored)

    rotated = cipher.rotate(stored)

    assert cipher.is_current(rotated)
    assert FieldCipher([NEW_KEY]).decrypt(rotated) == "陳美玲"


def test_it_raises_decryption_error_for_a_value_under_an_unknown_key():
    stored = FieldCipher([OTHER_KEY]).encrypt("陳美玲")
    with pytest.raises(DecryptionError):
        FieldCipher([NEW_KEY, OLD_KEY]).decrypt(stored)


def test_it_raises_decryption_error_when_rotating_a_value_under_an_unknown_key():
    stored = FieldCipher([OTHER_KEY]).encrypt("陳美玲")
    with pytest.raises(DecryptionError):
        FieldCipher([NEW_KEY, OLD_KEY]).rotate(stored)


def test_it_raises_decryption_error_for_a_value_without_the_prefix():
    with pytest.raises(DecryptionError):
        FieldCipher([NEW_KEY]).decrypt("王小明")


def test_it_refuses_to_start_without_a_key():
    with pytest.raises(ValueError, match="at least one"):
        FieldCipher([])


def test_it_refuses_a_key_that_is_not_a_fernet_key():
    with pytest.raises(ValueError, match="PEERPATH_FIELD_KEYS"):
        FieldCipher(["not-a-key"])


@given(st.text())
def test_it_round_trips_any_text(text):
    cipher = FieldCipher([NEW_KEY, OLD_KEY])
    assert cipher.decrypt(cipher.encrypt(text)) == text


@given(st.text())
def test_it_round_trips_any_text_through_rotation(text):
    stored = FieldCipher([OLD_KEY]).encrypt(text)
    assert FieldCipher([NEW_KEY]).decrypt(FieldCipher([NEW_KEY, OLD_KEY]).rotate(stored)) == text


# -- name parts and search tokens -------------------------------------------------


def test_it_makes_a_chinese_name_searchable_by_full_and_given_name():
    assert name_parts("王小明") == {"王小明", "小明"}


def test_it_makes_a_four_character_compound_surname_name_searchable_by_given_name():
    parts = name_parts("歐陽志明")
    assert "歐陽志明" in parts
    assert "志明" in parts


def test_it_does_not_make_a_single_chinese_character_searchable():
    assert "小" not in name_parts("王小明")
    assert "王" not in name_parts("王小明")


def test_it_makes_each_word_of_an_english_name_searchable():
    parts = name_parts("Mary Jane Watson")
    assert {"mary", "jane", "watson", "mary jane watson"} <= parts


def test_it_ignores_case_and_extra_spaces_in_an_english_name():
    assert name_parts("  MARY   Watson ") == name_parts("mary watson")


def test_it_matches_a_full_width_query_to_a_half_width_name():
    tokens = search_tokens(SEARCH_KEY, ["Wang Xiao Ming"])
    assert query_token(SEARCH_KEY, "ＷＡＮＧ") in tokens


def test_it_matches_an_upper_case_query_to_a_word_of_the_name():
    tokens = search_tokens(SEARCH_KEY, ["Wang Xiao Ming"])
    assert query_token(SEARCH_KEY, "XIAO") in tokens


def test_it_does_not_match_part_of_a_word():
    tokens = search_tokens(SEARCH_KEY, ["Wang Xiao Ming"])
    assert query_token(SEARCH_KEY, "wan") not in tokens


def test_it_gives_different_tokens_under_a_different_search_key():
    assert query_token(SEARCH_KEY, "王小明") != query_token("another-key", "王小明")


def test_it_gives_no_token_for_a_blank_query():
    assert query_token(SEARCH_KEY, "   ") is None


def test_it_gives_no_parts_for_a_blank_name():
    assert name_parts("  ") == set()
