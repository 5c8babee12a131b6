"""The write fence of a workspace move (store/move.py), on the shard it leaves.

Every write unit of a sharded workspace first takes a shared, transaction-scoped advisory lock
keyed by its team and checks that the team's row is still on this shard, in one statement. The
mover holds the same lock exclusively, in a session of its own, from before the copy until the
workspace's rows are gone from here: taking it waits for the writes under way to commit, and
from then on every write finds the lock taken (or, after the move, the team gone) and is sent
to the directory again. Advisory locks live in the lock manager's memory: the fence writes
nothing to the table, so it costs a write no more than one round trip.
"""

from __future__ import annotations

import zlib

from sqlalchemy import Connection, text

from hubbub.store.prepared import Prepared, Runner

# The first half of the two-key advisory lock: keeps these keys apart from any other use.
_NAMESPACE = 0x6875  # "hu"

# Run before every sharded write: prepared once, straight on the driver (store/prepared.py).
_HOLD = Prepared(
    text(
        "SELECT pg_try_advisory_xact_lock_shared(:ns, :key)"
        " AND EXISTS (SELECT 1 FROM teams WHERE team_id = :team_id) AS here"
    )
)


class WorkspaceElsewhere(Exception):
    """The workspace is being moved off this shard, or has been: ask the directory again."""


def _key(team_id: str) -> int:
    """A signed 32-bit key; two teams that share one only ever wait for each other's move."""
    return zlib.crc32(team_id.encode()) - (1 << 31)


def hold(run: Runner, team_id: str) -> None:
    """Inside a write transaction: go on only while the workspace is here and not moving."""
    found = run.first(_HOLD, {"ns": _NAMESPACE, "key": _key(team_id), "team_id": team_id})
    if not found.here:
        raise WorkspaceElsewhere(team_id)


def freeze(conn: Connection, team_id: str) -> None:
    """On the mover's own session connection: waits for the writes under way, then keeps
    every new one out until thaw (or the session's end, should the mover die)."""
    conn.execute(
        text("SELECT pg_advisory_lock(:ns, :key)"), {"ns": _NAMESPACE, "key": _key(team_id)}
    )


def thaw(conn: Connection, team_id: str) -> None:
    conn.execute(
        text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": _NAMESPACE, "key": _key(team_id)}
    )
