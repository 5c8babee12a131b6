"""The chaos package's pure modules import nothing that reads or writes (files, sockets,
clocks, processes), only the standard library's data types and each other: a history checks,
and a seed draws its schedule, the same wherever and whenever."""

from __future__ import annotations

import ast
from pathlib import Path

import hubbub_chaos

DATA = {"__future__", "collections", "collections.abc", "dataclasses", "itertools", "typing"}
CHECKER = ("checker", "check_messages", "check_reactions", "check_streams", "check_effects")
CHECKER += ("events", "report")


def imports_of(name: str) -> set[str]:
    """Every module hubbub_chaos/<name>.py imports, at any depth of its code."""
    tree = ast.parse((Path(hubbub_chaos.__file__).parent / f"{name}.py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
    return found


def test_the_checker_modules_import_only_pure_ones() -> None:
    # orjson: report.py's JSON of a line of evidence, in memory.
    allowed = DATA | {"orjson"} | {f"hubbub_chaos.{name}" for name in (*CHECKER, "history")}
    for name in CHECKER:
        assert imports_of(name) <= allowed, f"{name}.py imports {imports_of(name) - allowed}"


def test_the_schedule_and_the_figures_import_nothing_that_does_io() -> None:
    """random.Random is seeded, never the module's own state."""
    allowed = DATA | {"random", "orjson", "hubbub_chaos.history"}
    for name in ("faults", "figures", "batch"):
        assert imports_of(name) <= allowed, f"{name}.py imports {imports_of(name) - allowed}"
