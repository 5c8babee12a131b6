"""The checker against random histories: every correct one passes, and any single mutation of
one (a Recv dropped, doubled or moved, a text changed, an acknowledged post gone) is caught."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub_chaos.checker import check
from tests.chaos.random_histories import MUTATIONS, random_world

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(rnd=st.randoms(use_true_random=False), steps=st.integers(0, 80))
def test_random_correct_histories_pass(rnd: random.Random, steps: int) -> None:
    report = check(random_world(rnd, steps).finish())
    assert report.ok, report.summary()


@SETTINGS
@given(
    rnd=st.randoms(use_true_random=False),
    steps=st.integers(10, 80),
    mutation=st.sampled_from(sorted(MUTATIONS)),
)
def test_any_single_mutation_is_caught(rnd: random.Random, steps: int, mutation: str) -> None:
    records = random_world(rnd, steps).finish()
    mutated = MUTATIONS[mutation](records, rnd)
    if mutated is None:
        return  # nothing of that kind to break in this history
    report = check(mutated)
    assert not report.ok, f"{mutation} not caught"


def test_every_mutation_finds_something_to_break() -> None:
    """So the property above is not vacuous: a history of some length offers each mutation."""
    records = random_world(random.Random(1), 60).finish()
    for name, mutate in MUTATIONS.items():
        assert mutate(records, random.Random(2)) is not None, name
