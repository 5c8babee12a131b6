"""`hubbub chaos check HISTORY`: a history file written by the Recorder, read back and checked
by the command, exit 0 for a good one, 1 and the summary for a bad one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hubbub_chaos.history import Record, Recorder, read
from tests.chaos.histories import scenario
from tests.chaos.test_checker import reorder


@pytest.fixture
def good() -> list[Record]:
    return scenario().finish()


def _write(path: Path, records: list[Record]) -> Path:
    recorder = Recorder(path)
    for r in records:
        recorder.add(r)
    recorder.close()
    return path


def _chaos_check(path: Path) -> subprocess.CompletedProcess[str]:
    hubbub = Path(sys.executable).parent / "hubbub"
    env: dict[str, Any] = dict(os.environ)
    return subprocess.run(
        [str(hubbub), "chaos", "check", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_a_history_file_reads_back_as_written(tmp_path: Path, good: list[Record]) -> None:
    assert read(_write(tmp_path / "history.jsonl", good)) == good


def test_the_command_passes_a_good_history_and_fails_a_bad_one(
    tmp_path: Path, good: list[Record]
) -> None:
    ok = _chaos_check(_write(tmp_path / "good.jsonl", good))
    assert ok.returncode == 0, ok.stderr
    assert "OK: no violations" in ok.stdout

    bad = _chaos_check(_write(tmp_path / "bad.jsonl", reorder(good)))
    assert bad.returncode == 1, bad.stderr
    assert "FAILED: 1 violations: reorder 1" in bad.stdout
    assert "R2 C1: seq" in bad.stdout
