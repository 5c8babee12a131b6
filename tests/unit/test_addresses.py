"""The outbound address policy: only public unicast addresses, IPv4 and IPv6, in every form."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.addresses import parse_address, refusal

REFUSED_V4 = {
    "0.0.0.0/8": "unspecified",
    "10.0.0.0/8": "private",
    "100.64.0.0/10": "private",
    "127.0.0.0/8": "loopback",
    "169.254.0.0/16": "link_local",
    "172.16.0.0/12": "private",
    "192.0.0.0/24": "reserved",
    "192.0.2.0/24": "reserved",
    "192.88.99.0/24": "reserved",
    "192.168.0.0/16": "private",
    "198.18.0.0/15": "reserved",
    "198.51.100.0/24": "reserved",
    "203.0.113.0/24": "reserved",
    "224.0.0.0/4": "multicast",
    "240.0.0.0/4": "reserved",
}
REFUSED_V6 = {
    "::/128": "unspecified",
    "::1/128": "loopback",
    "fc00::/7": "private",
    "fe80::/10": "link_local",
    "fec0::/10": "private",
    "ff00::/8": "multicast",
    "2001::/23": "reserved",
    "2001:db8::/32": "reserved",
    "100::/64": "reserved",
    "64:ff9b:1::/48": "reserved",
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e"]


@pytest.mark.parametrize(("net", "reason"), sorted(REFUSED_V4.items()))
def test_every_ipv4_special_range_is_refused_at_its_edges(net: str, reason: str) -> None:
    network = IPv4Network(net)
    for ip in (network[0], network[1], network[network.num_addresses // 2], network[-1]):
        assert refusal(ip) == reason, ip


@pytest.mark.parametrize(("net", "reason"), sorted(REFUSED_V6.items()))
def test_every_ipv6_special_range_is_refused_at_its_edges(net: str, reason: str) -> None:
    network = IPv6Network(net)
    for ip in (network[0], network[-1]):
        assert refusal(ip) == reason, ip


@pytest.mark.parametrize("ip", PUBLIC)
def test_public_unicast_addresses_pass(ip: str) -> None:
    assert refusal(ip) is None


def test_just_outside_the_private_ranges_is_public() -> None:
    for ip in ("9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0", "172.15.255.255"):
        assert refusal(ip) is None, ip
    for ip in ("172.32.0.0", "192.167.255.255", "192.169.0.0", "223.255.255.255"):
        assert refusal(ip) is None, ip


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("::ffff:169.254.169.254", "link_local"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("::ffff:192.168.0.1", "private"),
        ("64:ff9b::127.0.0.1", "loopback"),  # NAT64 leads to IPv4
        ("64:ff9b::a9fe:a9fe", "link_local"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:c0a8:101::1", "private"),  # 6to4 of 192.168.1.1
        ("::127.0.0.1", "reserved"),  # IPv4-compatible, deprecated
        ("fe80::1%eth0", "link_local"),
        ("fd00:ec2::254", "private"),  # AWS's IPv6 metadata address
    ],
)
def test_ipv6_forms_that_lead_to_ipv4_are_judged_by_it(ip: str, reason: str) -> None:
    assert refusal(ip) == reason


def test_mapped_public_addresses_pass() -> None:
    assert refusal("::ffff:8.8.8.8") is None
    assert refusal("64:ff9b::808:808") is None
    assert refusal("2002:808:808::1") is None


@given(st.integers(0, 2**32 - 1))
def test_ipv4_refused_exactly_when_in_a_listed_range(n: int) -> None:
    ip = IPv4Address(n)
    listed = [r for net, r in REFUSED_V4.items() if ip in IPv4Network(net)]
    assert refusal(ip) == (listed[0] if listed else None)


@given(st.integers(0, 2**32 - 1))
def test_ipv4_mapped_into_ipv6_is_judged_as_the_ipv4_address(n: int) -> None:
    assert refusal(IPv6Address(0xFFFF_0000_0000 | n)) == refusal(IPv4Address(n))


@given(st.integers(0, 2**128 - 1))
def test_ipv6_outside_global_unicast_is_never_allowed_unless_it_carries_ipv4(n: int) -> None:
    ip = IPv6Address(n)
    carries_v4 = ip.ipv4_mapped is not None or ip in IPv6Network("64:ff9b::/96")
    if ip not in IPv6Network("2000::/3") and not carries_v4:
        assert refusal(ip) is not None


@given(st.integers(0, 2**128 - 1))
def test_whatever_passes_is_global_by_pythons_reckoning(n: int) -> None:
    ip = IPv6Address(n)
    if refusal(ip) is None:
        target = ip.ipv4_mapped or ip.sixtofour or ip
        if ip in IPv6Network("64:ff9b::/96"):
            target = IPv4Address(n & 0xFFFF_FFFF)
        assert target.is_global and not target.is_multicast


def test_parse_address_takes_what_getaddrinfo_prints() -> None:
    assert parse_address("127.0.0.1") == IPv4Address("127.0.0.1")
    assert parse_address("fe80::1%2") is not None
    assert parse_address("example.com") is None
    assert parse_address("") is None
