"""Token strings and rate strings: pure functions, no database."""

from __future__ import annotations

import pytest

from peerpath.api import tokens
from peerpath.api.rates import parse_rate, wait_seconds


def test_a_new_token_carries_its_prefix_and_only_its_hash_is_kept():
    new = tokens.generate()
    assert new.secret.startswith(f"pp_{new.prefix}_")
    assert tokens.prefix_of(new.secret) == new.prefix
    assert new.hash == tokens.token_hash(new.secret)
    assert new.secret not in new.hash


def test_two_tokens_differ():
    assert tokens.generate().secret != tokens.generate().secret


def test_a_token_matches_its_own_hash_only():
    one, other = tokens.generate(), tokens.generate()
    assert tokens.matches(one.secret, one.hash)
    assert not tokens.matches(other.secret, one.hash)


@pytest.mark.parametrize("text", ["", "pp_", "pp_0123456789_short", "xx_0123456789_" + "a" * 43,
                                  "pp_01234567zz_" + "a" * 43, "pp_0123456789_" + "a" * 44, "pp_0123456789_\x00"])
def test_malformed_tokens_have_no_prefix(text):
    assert tokens.prefix_of(text) is None


@pytest.mark.parametrize("rate,expected", [("120/minute", (120, 60)), ("20/hour", (20, 3600)), ("5/s", (5, 1)),
                                           ("1000/day", (1000, 86400)), (" 10 / MIN ", (10, 60))])
def test_rates_are_read(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", ["", "0/minute", "ten/minute", "10/fortnight", "10", "-1/hour", "10/minute/2"])
def test_a_malformed_rate_is_refused_with_an_example(rate):
    with pytest.raises(ValueError, match="120/minute"):
        parse_rate(rate)


def test_requests_under_the_limit_need_no_wait():
    assert wait_seconds([100.0, 90.0], now=101.0, limit=3, period=60) is None


def test_at_the_limit_the_wait_lasts_until_the_oldest_counted_request_leaves_the_window():
    assert wait_seconds([100.0, 90.0, 80.0], now=101.0, limit=3, period=60) == pytest.approx(39.0)


def test_requests_older_than_the_window_do_not_count():
    assert wait_seconds([100.0, 30.0, 20.0], now=101.0, limit=2, period=60) is None
