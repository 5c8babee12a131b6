"""docs/architecture.md stays true to the tree: every file and test it names exists.

The map names modules in src/hubbub/ (as `store/port.py`) and the tests that prove each
guarantee (as `tests/e2e/test_rtm.py` and `test_resume_replays_exactly_what_was_missed`). A
rename or removal that forgets the map fails here, naming what the map still says.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "docs" / "architecture.md"
CODE = re.compile(r"`([^`]+)`")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def named(pattern: str) -> set[str]:
    found: set[str] = set()
    text = FENCE.sub("", MAP.read_text())  # the diagrams: their backticks would pair wrongly
    for span in CODE.findall(text):
        found.update(re.findall(pattern, span))
    return found


def test_every_file_the_map_names_exists() -> None:
    paths = named(r"(?:^|\s)((?:[\w.-]+/)+[\w.-]+\.(?:py|md|toml|lock|txt))\b")
    assert len(paths) > 50, "the map names fewer files than it did: did the pattern break?"
    missing = sorted(
        path
        for path in paths
        if not (ROOT / path).exists() and not (ROOT / "src" / "hubbub" / path).exists()
    )
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def test_every_test_the_map_names_exists() -> None:
    tests = named(r"\b(test_\w+)\b") - {path.stem for path in ROOT.glob("tests/**/test_*.py")}
    assert len(tests) > 50, "the map names fewer tests than it did: did the pattern break?"
    defined = set()
    for source in ROOT.glob("tests/**/*.py"):
        defined.update(re.findall(r"def (test_\w+)\(", source.read_text()))
    missing = sorted(tests - defined)
    assert not missing, f"docs/architecture.md names tests that do not exist: {missing}"
