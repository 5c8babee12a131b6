"""`hubbub bench import`: `hubbub admin import-slack` of a generated export, on SQLite and on
PostgreSQL, timed, with the importing process's peak RSS.

The export (a folder, written once per run and shared by both stores) holds `--messages`
messages over `--channels` public channels and `--people` people, as Slack writes one: one day
file per channel per day, one message in ten a thread reply, one in twenty with a reaction, the
text of `hubbub bench search` (Zipf words, some CJK). The command runs as its own process
(`python -m hubbub admin import-slack`), its RSS read from /proc every 50 ms.

Targets (issue 20): >= 20,000 messages/s embedded (SQLite), peak RSS < 500 MB.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

import hubbub
from hubbub_bench.databases import fresh_database
from hubbub_bench.post import git_version
from hubbub_bench.results import stamp, write_result
from hubbub_bench.searchgen import message, vocabulary

TARGET_PER_S = 20_000
TARGET_RSS_MB = 500.0
TEAM = "T0BENCH01"
DAY_S = 86_400
START_S = 1_600_000_000


@dataclass(frozen=True)
class ImportOptions:
    messages: int = 1_000_000
    channels: int = 500
    people: int = 2000
    per_day: int = 200  # a channel's messages per day file
    stores: tuple[str, ...] = ("sqlite", "postgres")
    out: Path = Path("bench/results")
    seed: int = 20


# -- the export ------------------------------------------------------------------------------


def person(n: int) -> str:
    return f"U0P{n:07d}"


def write_export(root: Path, opts: ImportOptions) -> int:
    """The export under root; returns how many messages it holds."""
    rng = random.Random(opts.seed)
    vocab = vocabulary()
    root.mkdir(parents=True, exist_ok=True)
    people = [
        {
            "id": person(n),
            "team_id": TEAM,
            "name": f"person{n}",
            "real_name": f"Person {n}",
            "tz": "UTC",
            "profile": {"email": f"person{n}@bench.example"},
        }
        for n in range(opts.people)
    ]
    (root / "users.json").write_bytes(orjson.dumps(people))
    per_channel = max(1, opts.messages // opts.channels)
    channels = []
    written = 0
    for c in range(opts.channels):
        name = f"chan-{c:04d}"
        members = sorted({person(rng.randrange(opts.people)) for _ in range(20)})
        channels.append(
            {
                "id": f"C0B{c:07d}",
                "name": name,
                "created": START_S,
                "creator": members[0],
                "is_archived": False,
                "members": members,
                "topic": {"value": ""},
                "purpose": {"value": ""},
            }
        )
        folder = root / name
        folder.mkdir()
        parent: str | None = None
        for start in range(0, per_channel, opts.per_day):
            day = START_S + (start // opts.per_day) * DAY_S
            msgs = []
            for i in range(min(opts.per_day, per_channel - start)):
                ts = f"{day + i * 60}.{written % 1_000_000:06d}"
                record: dict[str, Any] = {
                    "type": "message",
                    "user": rng.choice(members),
                    "text": message(vocab, rng, written),
                    "ts": ts,
                }
                if parent is not None and rng.random() < 0.1:
                    record["thread_ts"] = parent
                elif rng.random() < 0.05:
                    parent = ts
                    record["thread_ts"] = ts
                if rng.random() < 0.05:
                    record["reactions"] = [
                        {"name": "+1", "users": [rng.choice(members)], "count": 1}
                    ]
                msgs.append(record)
                written += 1
            name_of_day = dt.datetime.fromtimestamp(day, dt.UTC).strftime("%Y-%m-%d")
            (folder / f"{name_of_day}.json").write_bytes(orjson.dumps(msgs))
    (root / "channels.json").write_bytes(orjson.dumps(channels))
    return written


# -- the run ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _store_env(store: str, label: str) -> Iterator[dict[str, str]]:
    """The environment of an import into a fresh SQLite file or PostgreSQL database."""
    if store == "sqlite":
        yield {}
        return
    with fresh_database(f"hubbub_bench_import_{label.lower()}") as url:
        yield {"HUBBUB_DATABASE_URL": url}


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def import_once(export: Path, data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    argv = [
        sys.executable,
        "-m",
        "hubbub",
        "admin",
        "import-slack",
        str(export),
        "--domain",
        "bench",
        "--data-dir",
        str(data_dir),
        "--claims",
        str(data_dir.parent / "claims.csv"),
    ]
    started = time.perf_counter()
    errors = data_dir.parent / "import.log"
    errors.parent.mkdir(parents=True, exist_ok=True)
    with errors.open("wb") as log:
        proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=log)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _rss_mb(proc.pid))
            time.sleep(0.05)
    seconds = time.perf_counter() - started
    out = proc.stdout.read() if proc.stdout else b""
    if proc.returncode != 0:
        raise RuntimeError(f"import-slack failed: {out[-300:]!r} {errors.read_bytes()[-1500:]!r}")
    answer: dict[str, Any] = orjson.loads(out)
    return {
        "messages": answer["messages"],
        "seconds": round(seconds, 2),
        "messages_per_s": round(answer["messages"] / seconds),
        "peak_rss_mb": round(peak, 1),
        "skipped": answer["skipped"],
    }


def run(opts: ImportOptions) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    result: dict[str, Any] = {
        "scenario": "import",
        "started_at": started_at,
        "git": git_version(),
        "hubbub": hubbub.__version__,
        "python": platform.python_version(),
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(opts).items()},
        "targets": {"messages_per_s": TARGET_PER_S, "peak_rss_mb": TARGET_RSS_MB},
        "stores": {},
    }
    with tempfile.TemporaryDirectory(prefix="hubbub-bench-import-") as tmp:
        made = time.perf_counter()
        result["export_messages"] = write_export(Path(tmp) / "export", opts)
        result["export_seconds"] = round(time.perf_counter() - made, 1)
        for store in opts.stores:
            with _store_env(store, stamp(started_at)) as env:
                data_dir = Path(tmp) / store / "data"
                result["stores"][store] = import_once(Path(tmp) / "export", data_dir, env)
    sqlite = result["stores"].get("sqlite")
    result["meets"] = {
        "messages_per_s": sqlite is not None and sqlite["messages_per_s"] >= TARGET_PER_S,
        "peak_rss_mb": all(s["peak_rss_mb"] < TARGET_RSS_MB for s in result["stores"].values()),
    }
    return result, write_result(opts.out, "import", started_at, result)


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    out = Table(title=f"import-slack of {result['export_messages']:,} messages")
    for column in ("store", "seconds", "messages/s", "peak RSS MB"):
        out.add_column(column, justify="right")
    for store, s in result["stores"].items():
        out.add_row(store, f"{s['seconds']:,}", f"{s['messages_per_s']:,}", f"{s['peak_rss_mb']}")
    out.caption = (
        f"targets: >= {TARGET_PER_S:,}/s embedded, RSS < {TARGET_RSS_MB:.0f} MB; met: "
        + (", ".join(k for k, v in result["meets"].items() if v) or "none")
    )
    return out
