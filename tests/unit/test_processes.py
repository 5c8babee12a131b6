"""Which gateway takes a new socket (domain/processes.py), and the records processes keep."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

from hubbub.domain.processes import ProcessInfo, choose_gateway, decode


def _process(
    n: int, *, role: str = "all", sockets: int = 0, socket_url: bool = True
) -> ProcessInfo:
    return ProcessInfo(
        id=f"p{n}",
        role=role,
        host="h",
        pid=n,
        started=0.0,
        socket_url=f"ws://127.0.0.1:{9000 + n}" if socket_url else None,
        sockets=sockets,
    )


def test_no_gateway_no_choice() -> None:
    assert choose_gateway([]) is None
    assert choose_gateway([_process(1, role="api"), _process(2, socket_url=False)]) is None
    assert choose_gateway([_process(3, role="worker")]) is None


def test_only_processes_taking_sockets_at_an_address_of_their_own_are_chosen() -> None:
    live = [_process(1, role="api"), _process(2, socket_url=False), _process(3, role="gateway")]
    assert {choose_gateway(live, rng=random.Random(s)).id for s in range(50)} == {"p3"}


def test_of_two_the_one_carrying_fewer_sockets() -> None:
    live = [_process(1, sockets=10), _process(2, sockets=3)]
    assert {choose_gateway(live, rng=random.Random(s)).id for s in range(50)} == {"p2"}
    # What was handed out since the figures were read counts on top of them.
    assert choose_gateway(live, {"p2": 8}).id == "p1"


def test_choices_spread_over_equal_gateways_and_shun_a_loaded_one() -> None:
    rng = random.Random(7)
    live = [_process(n) for n in range(4)] + [_process(9, sockets=1000)]
    handed: Counter[str] = Counter()
    for _ in range(2000):
        handed[choose_gateway(live, handed, rng).id] += 1
    # The loaded one is picked only when drawn with itself excluded: never here.
    assert handed["p9"] == 0
    assert max(handed.values()) - min(handed[f"p{n}"] for n in range(4)) <= 3


def test_a_record_reads_back_and_a_damaged_one_is_left_out() -> None:
    process = _process(5, sockets=7)
    assert decode(process.encode(), 123) == dataclasses.replace(process, expires_ms=123)
    assert decode(b"{not json", 1) is None
    assert decode(b'{"id": "x"}', 1) is None  # fields missing
    assert decode(b'{"id": "x", "surprise": 1}', 1) is None
