"""`hubbub chaos`: added to the `hubbub` command by this package's `hubbub.commands` entry
point (not shipped with the server)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

chaos = typer.Typer(help="Faults under load on a real deployment, its history checked.")


@chaos.command("check")
def chaos_check(
    history: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="history.jsonl")],
) -> None:
    """Check a recorded history; exit 1 with each violation when it breaks a promise."""
    from hubbub_chaos.checker import check
    from hubbub_chaos.history import read

    report = check(read(history))
    typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


@chaos.command("run")
def chaos_run(
    deployment: Annotated[
        str,
        typer.Option(
            help="embedded: one `hubbub serve` on SQLite; cluster: three serves, a worker, "
            "two PostgreSQL shards and Redis."
        ),
    ] = "embedded",
    seed: Annotated[
        int | None, typer.Option(help="The schedule's seed (a failing run prints it); random.")
    ] = None,
    duration: Annotated[float, typer.Option(min=5, help="Seconds of load under faults.")] = 120.0,
    faults: Annotated[
        int | None, typer.Option(min=0, help="Faults in the schedule (else --rate).")
    ] = None,
    rate: Annotated[
        float, typer.Option(min=0, help="Faults a minute, when --faults is not given.")
    ] = 4.0,
    schedules: Annotated[
        int, typer.Option(min=1, help="Run this many schedules, seeds S, S+1, ...")
    ] = 1,
    long_stops: Annotated[
        bool, typer.Option(help="Stops past the job leases (15 s), not only past timeouts.")
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            help="The run's folder (default chaos/runs/<stamp>-<seed>); with --schedules, "
            "the folder of one folder a seed."
        ),
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Run this schedule.json instead."),
    ] = None,
) -> None:
    """Run a deployment under a seeded random fault schedule, record its history and check it;
    exit 1 (with the seed and the schedule) when the check fails."""
    import random

    import orjson

    from hubbub_chaos import faults as kinds
    from hubbub_chaos.batch import line, totals
    from hubbub_chaos.run import Plan, Result, run

    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    count = faults if faults is not None else round(rate * duration / 60)
    timings = kinds.LONG_STOPS if long_stops else kinds.Timings()
    results: list[Result] = []
    broken: list[tuple[int, str]] = []
    for n in range(schedules):
        where = out / str(seed + n) if out is not None and schedules > 1 else out
        plan = Plan(seed + n, duration, count, deployment, where, replay, timings=timings)
        try:
            result = run(plan)
        except Exception as exc:  # a harness that could not run a seed: say so, go on
            broken.append((seed + n, f"{type(exc).__name__}: {exc}"))
            typer.echo(f"seed {seed + n}: the run broke: {exc}", err=True)
            continue
        results.append(result)
        if schedules == 1:
            shown = {k: v for k, v in result.summary.items() if k != "check"}
            typer.echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
            typer.echo(f"seed {result.seed}, folder {result.folder}")
            typer.echo(result.report)
        else:
            typer.echo(line(result.summary))
        if not result.ok:
            typer.echo(f"FAILED: seed {result.seed}; replay with --seed {result.seed}. Schedule:")
            typer.echo(kinds.describe(result.steps))
    if schedules > 1:
        summary = totals([r.summary for r in results], broken)
        typer.echo(orjson.dumps(summary, option=orjson.OPT_INDENT_2).decode())
        if out is not None:
            (out / "batch.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    if broken or not all(r.ok for r in results):
        raise typer.Exit(1)
