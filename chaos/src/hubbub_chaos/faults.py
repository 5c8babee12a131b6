"""The fault schedule: a pure function of a seed and what the deployment offers (targets,
links), so a seed names one schedule and `--seed S` makes it again. No I/O here: the executor
(executor.py) runs the steps against a Deployment, the run writes them to schedule.json.

A schedule is a list of episodes laid out one after another over the run, never two at once
(a kill while the process is stopped would only be a kill): each opens with a fault (kill,
stop, partition, delay) and closes with its undoing (restart, cont, heal) after a pause drawn
from the seed. Stops last longer than the timeouts a stopped process makes run out (Socket
Mode's ack, the Events API's answer, our clients' own), so that the clients see them expire.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import orjson

Action = Literal["kill", "restart", "stop", "cont", "partition", "delay", "heal"]
Kind = Literal["kill", "stop", "partition", "delay"]
# What undoes each kind of fault.
_UNDO: dict[str, Action] = {
    "kill": "restart",
    "stop": "cont",
    "partition": "heal",
    "delay": "heal",
}


@dataclass(frozen=True, slots=True)
class Step:
    at: float  # seconds after the workload started
    action: Action
    target: str  # a process, or a link "a|b"
    ms: int = 0  # delay: how much


@dataclass(frozen=True, slots=True)
class Timings:
    """How long each kind of fault lasts, in seconds (drawn uniformly between the bounds).

    stop_min must exceed the timeouts a pause is meant to run out: the default 6 s is past
    Socket Mode's ack and the Events API's answer (3 s each in config.py) and the harness's
    own client timeouts (receivers' ping timeout 3 s, requests 5 s). Job leases (the longest
    job timeout plus 5 s: 15 s in a run, which caps job timeouts at 10 s; 65 s in production)
    are longer still: `long_stops` draws pauses past both, which costs a run that long per
    stop."""

    kill_down: tuple[float, float] = (0.2, 3.0)
    stop: tuple[float, float] = (6.0, 9.0)
    partition: tuple[float, float] = (3.0, 10.0)
    delay: tuple[float, float] = (3.0, 10.0)
    delay_ms: tuple[int, int] = (50, 500)
    lead: float = 2.0  # quiet at the start, so the workload is under way before the first fault
    tail: float = 2.0  # and at the end, before healing
    # Between an episode's end and the next fault: the clients reconnect and catch up, so the
    # next fault hits a working system, not one still getting up (a restart takes ~2 s).
    gap: float = 3.0


LONG_STOPS = Timings(stop=(70.0, 80.0))


def schedule(
    seed: int,
    targets: Sequence[str],
    links: Sequence[tuple[str, str]],
    duration: float,
    faults: int,
    timings: Timings = Timings(),
    kinds: Sequence[Kind] | None = None,
) -> list[Step]:
    """`faults` episodes over `duration` seconds, from `seed` alone. Kinds default to those the
    deployment can make: kill and stop of a target, partition and delay of a link where it has
    links. Episodes are drawn first, then laid out one after another with at least `gap`
    between them; those that cannot fit are dropped rather than squeezed below their bounds."""
    rng = random.Random(seed)
    offered: list[Kind] = [k for k in ("kill", "stop") if targets]
    offered += [k for k in ("partition", "delay") if links]
    usable = [k for k in (kinds or offered) if k in offered]
    if not usable or faults <= 0:
        return []
    span = duration - timings.lead - timings.tail
    episodes: list[tuple[Kind, float, str, int]] = []
    for _ in range(faults):
        kind = rng.choice(usable)
        lasts = _length(rng, kind, timings)
        if kind in ("kill", "stop"):
            target = rng.choice(list(targets))
        else:
            a, b = rng.choice(list(links))
            target = f"{a}|{b}"
        ms = rng.randint(*timings.delay_ms) if kind == "delay" else 0
        episodes.append((kind, lasts, target, ms))
    # What does not fit is left out, rather than any fault cut below its bounds.
    while episodes and _needs(episodes, timings) > span:
        episodes.pop()
    # The time to spare goes before the episodes at random: n cut points in it, sorted.
    slack = span - _needs(episodes, timings)
    cuts = sorted(rng.uniform(0, slack) for _ in episodes)
    steps: list[Step] = []
    t, before = timings.lead, 0.0
    for (kind, lasts, target, ms), cut in zip(episodes, cuts, strict=True):
        t += cut - before
        before = cut
        at = round(t, 3)
        steps.append(Step(at, kind, target, ms))
        steps.append(Step(round(at + lasts, 3), _UNDO[kind], target))
        t += lasts + timings.gap
    return steps


def _needs(episodes: Sequence[tuple[Kind, float, str, int]], timings: Timings) -> float:
    """The time episodes take one after another, with the gap between each two."""
    return sum(lasts for _, lasts, _, _ in episodes) + timings.gap * max(0, len(episodes) - 1)


def _length(rng: random.Random, kind: Kind, timings: Timings) -> float:
    low, high = {
        "kill": timings.kill_down,
        "stop": timings.stop,
        "partition": timings.partition,
        "delay": timings.delay,
    }[kind]
    return round(rng.uniform(low, high), 3)


def kinds_of(steps: Sequence[Step]) -> set[str]:
    """The kinds of fault a schedule makes (its opening actions)."""
    return {s.action for s in steps if s.action in _UNDO}


def to_json(seed: int, steps: Sequence[Step], **about: Any) -> bytes:
    return orjson.dumps(
        {"seed": seed, **about, "steps": [asdict(s) for s in steps]}, option=orjson.OPT_INDENT_2
    )


def from_json(data: bytes) -> tuple[int, list[Step]]:
    """A schedule.json's seed and steps (`--replay`)."""
    doc = orjson.loads(data)
    return int(doc["seed"]), [Step(**s) for s in doc["steps"]]


def describe(steps: Sequence[Step]) -> str:
    """One line a step, for a failing run's report."""
    return "\n".join(
        f"  {s.at:8.3f}s  {s.action:<9} {s.target}" + (f" {s.ms} ms" if s.ms else "") for s in steps
    )
