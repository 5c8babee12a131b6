"""Runs a fault schedule against a deployment, at each step's time, recording a Fault for each
action once it is done (a restart's once the process answers again)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from hubbub_chaos.deployment import Deployment
from hubbub_chaos.faults import Step
from hubbub_chaos.journal import Journal


async def execute(deployment: Deployment, steps: Sequence[Step], journal: Journal) -> None:
    """Steps at `t0 + step.at`, t0 being now. The time a step takes (a restart returns once
    the server answers, ~2 s here) moves the rest by as much, so the time between one step's
    end and the next is the schedule's: a stop never lands on a server still starting. Each
    deployment call runs on a thread, and the workload goes on meanwhile in this loop."""
    t0 = time.monotonic()
    for step in steps:
        wait = t0 + step.at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        started = time.monotonic()
        await asyncio.to_thread(_act, deployment, step)
        took = time.monotonic() - started
        t0 += took
        detail = f"at {step.at:.3f}s, took {took:.3f}s" + (f", {step.ms} ms" if step.ms else "")
        journal.fault(step.action, step.target, detail)


def _act(deployment: Deployment, step: Step) -> None:
    a, _, b = step.target.partition("|")
    match step.action:
        case "kill":
            deployment.kill(step.target)
        case "restart":
            deployment.restart(step.target)
        case "stop":
            deployment.pause(step.target)
        case "cont":
            deployment.resume(step.target)
        case "partition":
            deployment.partition(a, b)
        case "delay":
            deployment.delay(a, b, step.ms)
        case "heal":
            deployment.heal()
