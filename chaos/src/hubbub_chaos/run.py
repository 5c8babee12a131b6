"""One chaos run: deploy, set up the workspace, start the workload, run the fault schedule,
heal, wait for quiet, read the final state, then check the history. Everything the run saw
stays in its folder: history.jsonl, schedule.json, summary.json and the processes' logs."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from hubbub_chaos import faults as schedules
from hubbub_chaos.batch import with_quiet
from hubbub_chaos.cast import RECEIVERS, Cast, provision
from hubbub_chaos.cluster import ClusterDeployment
from hubbub_chaos.deployment import Deployment
from hubbub_chaos.embedded import EmbeddedDeployment
from hubbub_chaos.executor import execute
from hubbub_chaos.figures import figures
from hubbub_chaos.final import finals, wait_quiet
from hubbub_chaos.history import Quiet, read
from hubbub_chaos.journal import Journal
from hubbub_chaos.posters import Poster
from hubbub_chaos.receivers import Receiver, SocketModeApp
from hubbub_chaos.sinks import EventsSink, SmtpSink

RUNS = Path("chaos/runs")


@dataclass
class Plan:
    seed: int
    duration: float = 60.0
    faults: int = 5
    deployment: str = "embedded"
    out: Path | None = None
    replay: Path | None = None  # a schedule.json to run instead of the seed's
    quiet_within_s: float = 120.0  # how long to wait for quiet before reading the final state
    timings: schedules.Timings = field(default_factory=schedules.Timings)
    kinds: list[schedules.Kind] | None = None  # of fault; None: every kind the deployment has


@dataclass
class Result:
    folder: Path
    seed: int
    steps: list[schedules.Step]
    summary: dict[str, Any]
    checked: bool  # False: no checker here yet
    ok: bool
    report: str


def folder_for(plan: Plan) -> Path:
    if plan.out is not None:
        return plan.out
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return RUNS / f"{stamp}-{plan.seed}"


def run(plan: Plan) -> Result:
    folder = folder_for(plan)
    folder.mkdir(parents=True, exist_ok=True)
    journal = Journal(folder / "history.jsonl")
    try:
        summary = asyncio.run(_run(plan, folder, journal))
    finally:
        journal.close()
    seed, steps = schedules.from_json((folder / "schedule.json").read_bytes())
    checked, ok, report = check(folder / "history.jsonl")
    ok, report = with_quiet(ok, report, summary["quiet"])
    summary["figures"] = figures(read(folder / "history.jsonl"))
    summary["check"] = {"checked": checked, "ok": ok, "report": report}
    (folder / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    return Result(folder, seed, steps, summary, checked, ok, report)


def check(history: Path) -> tuple[bool, bool, str]:
    """The checker's verdict: (checked, ok, report). Without hubbub_chaos.checker (not merged
    yet) nothing is checked, and the run says so."""
    import importlib

    try:
        checker = importlib.import_module("hubbub_chaos.checker")
    except ImportError:
        return False, True, "not checked: hubbub_chaos.checker is not installed here"
    verdict = checker.check(read(history))
    return True, bool(verdict.ok), str(verdict.summary())


DEPLOYMENTS = ("embedded", "cluster")
# Every job's timeout held to this, so a job lease is 15 s, not 65 s: the jobs a killed
# process had claimed run again that soon, and the wait for quiet waits that long at most.
# Still past a partition's or a delay's 10 s, so a job held up by one finishes after it.
JOB_TIMEOUT_MAX_S = 10

# A request's writes commit within this or not at all: below the harness's own timeout
# (api.TIMEOUT_S, 5 s), as the server's default is below slack_sdk's 30 s.
WRITE_DEADLINE_S = 4.0

# An app's delivery that timed out is tried again after these (Slack's: 0, 60 and 300 s),
# so the wait for quiet waits seconds for the retries a fault left, not minutes. Each try
# waits 3 s for its answer: the tries span ~24 s, past any fault's length (at most 10 s).
EVENTS_RETRY_DELAYS_S = [0.0, 5.0, 10.0]


def deployment_for(plan: Plan, folder: Path, smtp_port: int) -> Deployment:
    settings = {
        "HUBBUB_SMTP_HOST": "127.0.0.1",
        "HUBBUB_SMTP_PORT": str(smtp_port),
        "HUBBUB_SMTP_FROM": "hubbub@chaos.test",
        # The final read replays each channel's whole log: no resync for being far behind.
        "HUBBUB_RTM_RESUME_MAX_EVENTS": "1000000",
        "HUBBUB_JOB_TIMEOUT_MAX_S": str(JOB_TIMEOUT_MAX_S),
        "HUBBUB_WRITE_DEADLINE_S": str(WRITE_DEADLINE_S),
        "HUBBUB_EVENTS_RETRY_DELAYS_S": orjson.dumps(EVENTS_RETRY_DELAYS_S).decode(),
    }
    if plan.deployment == "embedded":
        return EmbeddedDeployment(folder, settings)
    if plan.deployment == "cluster":
        return ClusterDeployment(folder, settings)
    raise ValueError(f"no deployment {plan.deployment!r}: one of {', '.join(DEPLOYMENTS)}")


async def _run(plan: Plan, folder: Path, journal: Journal) -> dict[str, Any]:
    began = time.monotonic()
    sink = EventsSink(journal)
    smtp = SmtpSink(journal, _free_port())
    deployment = deployment_for(plan, folder, smtp.port)
    if plan.replay is not None:
        seed, steps = schedules.from_json(plan.replay.read_bytes())
    else:
        seed = plan.seed
        steps = schedules.schedule(
            seed,
            deployment.targets(),
            deployment.links(),
            plan.duration,
            plan.faults,
            plan.timings,
            plan.kinds,
        )
    (folder / "schedule.json").write_bytes(
        schedules.to_json(seed, steps, deployment=deployment.name, duration=plan.duration)
    )
    tasks: list[asyncio.Task[None]] = []
    sink.start()
    smtp.start()
    try:
        await asyncio.to_thread(deployment.start)
        # The workload spreads over every Web API the deployment has and fails over between
        # them; the set-up and the final reads, made healed, use the first.
        urls = deployment.api_urls()
        base = urls[0]
        tools = deployment.tool_settings(allow_private_outbound=True)
        cast = await provision(tools, base, sink, journal)
        rng = random.Random(seed)
        receivers = [
            Receiver(
                name,
                cast.people[name].user_id,
                cast.people[name].token,
                urls,
                journal,
                random.Random(rng.random()),
                start=i,
            )
            for i, name in enumerate(RECEIVERS)
        ]
        app = SocketModeApp(cast.socket_app.app_token, urls, journal, random.Random(rng.random()))
        receiving = [asyncio.create_task(r.run()) for r in receivers]
        tasks += receiving
        tasks.append(asyncio.create_task(app.run()))
        await _until(lambda: all(r.connected for r in receivers) and app.connections > 0, 15)
        stopping = asyncio.Event()
        posters = [
            Poster(name, cast, urls, journal, random.Random(rng.random()), stopping, start=i)
            for i, name in enumerate(RECEIVERS)
        ]
        poster_tasks = [asyncio.create_task(p.run()) for p in posters]
        tasks += poster_tasks
        load_began = time.monotonic()
        await execute(deployment, steps, journal)
        await asyncio.sleep(max(0.0, plan.duration - (time.monotonic() - load_began)))
        await asyncio.to_thread(deployment.heal)
        journal.fault("heal", "*", "end of schedule")
        stopping.set()
        await asyncio.gather(*poster_tasks)
        load_s = time.monotonic() - load_began
        quiet = await wait_quiet(base, cast, receivers, tools, plan.quiet_within_s)
        # The receivers stop here, so that each one's Quiet comes after its last Recv: from
        # then on every stream a connected one follows must be complete. Also when the wait
        # gave up: the checker then names what each one lacks.
        await _stop(receiving)
        for r in receivers:
            if r.connected:
                journal.add(Quiet(r.name, r.sessions, time.monotonic()))
        states, trouble = await finals(base, cast)
        for state in states:
            journal.add(state)
        return _summary(plan, seed, steps, journal, receivers, app, sink, smtp, cast) | {
            "load_s": round(load_s, 1),
            "wall_s": round(time.monotonic() - began, 1),
            "quiet": quiet,
            "final_trouble": trouble,
            "messages_final": sum(len(s.messages) for s in states),
            "log_events_final": sum(len(s.log) for s in states),
        }
    finally:
        await _stop(tasks)
        await asyncio.to_thread(deployment.close)
        sink.close()
        smtp.close()


def _summary(
    plan: Plan,
    seed: int,
    steps: list[schedules.Step],
    journal: Journal,
    receivers: list[Receiver],
    app: SocketModeApp,
    sink: EventsSink,
    smtp: SmtpSink,
    cast: Cast,
) -> dict[str, Any]:
    return {
        "seed": seed,
        "deployment": plan.deployment,
        "duration_s": plan.duration,
        "faults": sorted(schedules.kinds_of(steps)),
        "records": journal.summary(),
        "sessions": {r.name: r.sessions for r in receivers},
        "socket_mode_connections": app.connections,
        "events_http_bad_signatures": sink.bad_signatures,
        "emails": smtp.received,
        "channels": list(cast.readers),
        "team": cast.team_id,
    }


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _until(done: Any, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the workload's sockets did not connect")
        await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
