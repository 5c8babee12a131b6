"""Where each scenario's result document goes: one JSON file per run in `--out`
(bench/results/ by default), named by the scenario and the run's start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


def stamp(started_at: str) -> str:
    """A run's start (ISO 8601, UTC) as it stands in file and database names: 20261206T133917Z."""
    return started_at.replace("-", "").replace(":", "")


def write_result(out: Path, scenario: str, started_at: str, result: dict[str, Any]) -> Path:
    """Writes the result document as out/<scenario>-<stamp>.json; its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{scenario}-{stamp(started_at)}.json"
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
    return path
