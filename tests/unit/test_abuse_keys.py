"""Who a per-address limit counts (domain/abuse.py address_key)."""

from __future__ import annotations

from hubbub.domain.abuse import address_key, digest


def test_an_ipv6_host_counts_by_its_64_so_it_cannot_walk_its_own_prefix() -> None:
    one = address_key("2001:db8:1:2:aaaa::1")
    assert one == address_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert one != address_key("2001:db8:1:3::1")


def test_ipv4_in_any_spelling_is_one_address() -> None:
    assert address_key("203.0.113.7") == address_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert address_key("203.0.113.7") != address_key("203.0.113.8")


def test_what_is_no_address_still_has_a_bounded_key() -> None:
    assert address_key("") == "?" + digest("")
    assert len(address_key("x" * 10_000)) == 25
