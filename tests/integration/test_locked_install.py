"""The install is locked: `make` refuses to install from a uv.lock that pyproject.toml has moved
past, and the server's install (`make serve`) holds no test, lint or benchmark tools."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What `make locked` reads: the workspace's three projects, the lock, and the Makefile itself.
LOCK_INPUTS = (
    "Makefile",
    "pyproject.toml",
    "uv.lock",
    "bench/pyproject.toml",
    "chaos/pyproject.toml",
)
DEV_ONLY = (
    "pytest",
    "ruff",
    "mypy",
    "playwright",
    "py-spy",
    "hubbub-bench",
    "hubbub-chaos",
    "slack-sdk",
)


def uv() -> str:
    found = ROOT / ".tools" / "bin" / "uv"
    if found.exists():
        return str(found)
    path = shutil.which("uv")
    assert path, "no uv: `make test` installs it in .tools/ from tools/uv-requirements.txt"
    return path


def make_locked(project: Path) -> subprocess.CompletedProcess[str]:
    # -o: take uv as it is, rather than install it again in the copy.
    tool = uv()
    return subprocess.run(
        ["make", "-s", "-C", str(project), "locked", f"UV={tool}", "-o", tool],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in (*LOCK_INPUTS, "tools/uv-requirements.txt", "README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{path.name} no longer has {old!r}: update this test"
    path.write_text(text.replace(old, new, 1))


def test_the_committed_lock_matches_pyproject(project: Path) -> None:
    done = make_locked(project)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("where", "old", "new"),
    [
        # A runtime dependency added without locking.
        ("pyproject.toml", '"hiredis>=3.2",', '"hiredis>=3.2",\n    "six>=1.16",'),
        # A range that the locked version no longer satisfies.
        ("pyproject.toml", '"orjson>=3.10"', '"orjson>=99"'),
        # A dev dependency, and one of the bench package's.
        ("pyproject.toml", '"pytest>=8.2",', '"pytest>=8.2",\n    "six>=1.16",'),
        ("bench/pyproject.toml", '"py-spy>=0.3.14",', '"py-spy>=0.3.14",\n    "six>=1.16",'),
    ],
    ids=["runtime-added", "range-moved", "dev-added", "bench-added"],
)
def test_a_change_without_make_lock_stops_the_install(
    project: Path, where: str, old: str, new: str
) -> None:
    edit(project / where, old, new)
    done = make_locked(project)
    assert done.returncode != 0
    assert "pyproject.toml and uv.lock disagree: run 'make lock'" in done.stderr
    assert (project / "uv.lock").read_bytes() == (ROOT / "uv.lock").read_bytes()


def test_the_servers_install_holds_no_dev_tools() -> None:
    def locked_names(*flags: str) -> set[str]:
        out = subprocess.run(
            [uv(), "export", "--frozen", "--no-hashes", "--no-emit-project", *flags],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        lines = (line.strip() for line in out.splitlines())
        return {
            line.split("==")[0].split(" ")[0].lower()
            for line in lines
            if line and not line.startswith(("#", "-"))
        }

    runtime, everything = locked_names("--no-dev"), locked_names("--all-packages")
    assert {"uvicorn", "starlette", "sqlalchemy", "psycopg", "redis"} <= runtime
    assert not runtime & set(DEV_ONLY), "a dev-only package is in the server's install"
    # The workspace's own packages are exported as editable paths (`-e ./bench`), not by name.
    assert set(DEV_ONLY) - {"hubbub-bench", "hubbub-chaos"} <= everything
