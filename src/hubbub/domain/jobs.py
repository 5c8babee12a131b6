"""Background jobs, as the domain sees them: what a job is, how long it may take, how often it
is tried, and when it is tried again. No I/O here."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Job:
    id: str  # the job's row id, or its Redis stream entry id
    team_id: str
    kind: str
    payload: dict[str, Any]
    attempt: int  # 1 on the first run


@dataclass(frozen=True, slots=True)
class Claimed:
    """A job as its table holds it, the payload still its JSON: the relay passes it on to the
    stream as it is, and the runner decodes it outside the writer (`job`)."""

    id: str
    team_id: str
    kind: str
    payload_json: bytes
    attempt: int

    def job(self) -> Job:
        return Job(self.id, self.team_id, self.kind, orjson.loads(self.payload_json), self.attempt)


@dataclass(frozen=True, slots=True)
class JobSpec:
    """How one kind of job runs."""

    timeout_s: float = 10.0
    max_attempts: int = 5
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    # Per workspace: at most `rate` jobs of this kind a second, in bursts of `burst`, so that
    # one workspace's burst waits its turn instead of starving the others.
    rate: float = 50.0
    burst: int = 100


@dataclass(frozen=True, slots=True)
class JobLimits:
    """The bounds of background work that settings choose (config.py Settings.job_limits)."""

    # People one `notify` job handles in one commit: a broadcast to more is a chain of jobs,
    # each resuming after the last person of the one before (services/notify.py).
    notify_batch: int = 2000
    # Tries of a `follow_up` job: an event whose follow-up failed in the relay, retried with
    # backoff, then a dead letter (jobs/relay.py).
    follow_up_attempts: int = 10
    # Every kind's timeout held to at most this (None: each kind's own). A job's lease is the
    # longest timeout plus 5 s, so this also bounds how long a crashed runner's jobs wait to
    # run again: a test deployment that kills processes on purpose sets it low.
    timeout_max_s: float | None = None


class PermanentFailure(Exception):
    """A job that can never succeed (bad payload, a target that refuses it): no more tries."""


def backoff_s(spec: JobSpec, attempt: int, rand: random.Random | None = None) -> float:
    """The wait before try `attempt + 1`: exponential, capped, with full jitter (a random wait
    between half and all of it), so that jobs failing together do not retry together."""
    ceiling = min(spec.backoff_cap_s, spec.backoff_base_s * 2 ** max(attempt - 1, 0))
    return float(ceiling * (0.5 + 0.5 * (rand or random).random()))


def gives_up(spec: JobSpec, attempt: int) -> bool:
    return attempt >= spec.max_attempts


class Buckets:
    """Token buckets per (workspace, kind): the per-workspace rate limit of a job kind. Pure:
    the caller passes the time."""

    def __init__(self) -> None:
        self._state: dict[tuple[str, str], tuple[float, float]] = {}  # tokens, at

    def wait_s(self, team_id: str, kind: str, spec: JobSpec, now: float) -> float:
        """0 and one token taken if the job may run now; else how long until it may."""
        tokens, at = self._state.get((team_id, kind), (float(spec.burst), now))
        tokens = min(float(spec.burst), tokens + (now - at) * spec.rate)
        if tokens >= 1.0:
            self._state[(team_id, kind)] = (tokens - 1.0, now)
            return 0.0
        self._state[(team_id, kind)] = (tokens, now)
        return (1.0 - tokens) / spec.rate
