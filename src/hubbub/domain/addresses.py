"""Which addresses hubbub's outbound HTTP may connect to (docs/architecture.md §2).

A fetch on someone's behalf (a link preview, an app's Request URL) must not reach the machine
itself, the private network it sits in, or the cloud's metadata service. The rule is judged on
the address actually connected to, after DNS, so a name cannot smuggle a private address in.

Only unicast addresses on the public Internet pass. IPv6 forms that carry an IPv4 address
(IPv4-mapped, NAT64, 6to4) are judged by the IPv4 address they lead to.
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

# IANA's special-purpose IPv4 registry, what is not globally reachable, by reason.
_V4: tuple[tuple[IPv4Network, str], ...] = tuple(
    (IPv4Network(net), reason)
    for net, reason in (
        ("0.0.0.0/8", "unspecified"),  # "this network"; 0.0.0.0 reaches the host itself
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "private"),  # carrier-grade NAT, shared address space
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link_local"),  # also the cloud metadata service, 169.254.169.254
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),  # IETF protocol assignments
        ("192.0.2.0/24", "reserved"),  # TEST-NET-1
        ("192.88.99.0/24", "reserved"),  # 6to4 relay anycast, deprecated
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "reserved"),  # benchmarking
        ("198.51.100.0/24", "reserved"),  # TEST-NET-2
        ("203.0.113.0/24", "reserved"),  # TEST-NET-3
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),  # future use, and the broadcast 255.255.255.255
    )
)

# IPv6: only global unicast (2000::/3) is public at all; within it, these are not.
_V6_GLOBAL = IPv6Network("2000::/3")
_V6: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), reason)
    for net, reason in (
        ("2001::/23", "reserved"),  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        ("2001:db8::/32", "reserved"),  # documentation
        ("3fff::/20", "reserved"),  # documentation
    )
)
# Outside 2000::/3, the reasons worth naming; anything else there is "reserved".
_V6_OUTSIDE: tuple[tuple[IPv6Network, str], ...] = tuple(
    (IPv6Network(net), reason)
    for net, reason in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fc00::/7", "private"),  # unique local
        ("fe80::/10", "link_local"),
        ("fec0::/10", "private"),  # site-local, deprecated
        ("ff00::/8", "multicast"),
    )
)
_NAT64 = IPv6Network("64:ff9b::/96")


def refusal(address: IPAddress | str) -> str | None:
    """Why outbound HTTP may not connect to this address (`loopback`, `private`, `link_local`,
    `multicast`, `unspecified`, `reserved`), or None if it may."""
    ip = ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, IPv6Address):
        carried = _carried_v4(ip)
        if carried is not None:
            return refusal(carried)
        return _v6_refusal(ip)
    for net, reason in _V4:
        if ip in net:
            return reason
    return None


def _carried_v4(ip: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one leads to: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d),
    6to4 (2002:aabb:ccdd::)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return IPv4Address(int(ip) & 0xFFFF_FFFF)
    return ip.sixtofour


def _v6_refusal(ip: IPv6Address) -> str | None:
    if ip.scope_id:  # fe80::1%eth0: only ever on one link
        return "link_local"
    if ip not in _V6_GLOBAL:
        for net, reason in _V6_OUTSIDE:
            if ip in net:
                return reason
        return "reserved"
    for net, reason in _V6:
        if ip in net:
            return reason
    return None


def parse_address(text: str) -> IPAddress | None:
    """An address as getaddrinfo prints it (IPv6 perhaps with a %scope), or None."""
    try:
        return ip_address(text)
    except ValueError:
        return None
