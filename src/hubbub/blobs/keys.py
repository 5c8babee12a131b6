"""Blob keys, `<team_id>/<ab>/<cd>/<sha256>`: made and checked here only, before any adapter
turns one into a path or an object name.

The two levels of fan-out keep a directory to at most 65,536 entries; the team first keeps a
workspace's blobs under one prefix.
"""

from __future__ import annotations

import re

from hubbub.blobs.port import BadBlobKey

# Workspace ids as domain/ids.py makes them (T and base32), and the short ones of tests: capitals
# and digits only, so never "tmp" nor anything a file system or S3 would read specially.
_TEAM = re.compile(r"T[A-Z0-9]{1,63}")
_KEY = re.compile(r"(T[A-Z0-9]{1,63})/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
# Longer than any key: a longer string is refused before the pattern reads it.
MAX_KEY = 64 + 1 + 2 + 1 + 2 + 1 + 64


def check_team(team_id: str) -> str:
    if not _TEAM.fullmatch(team_id):
        raise BadBlobKey(f"not a workspace id: {team_id[:80]!r}")
    return team_id


def content_key(team_id: str, sha256_hex: str) -> str:
    return check_key(f"{check_team(team_id)}/{sha256_hex[:2]}/{sha256_hex[2:4]}/{sha256_hex}")


def check_key(key: str) -> str:
    """The key itself if it is one content_key could have made (no `..`, no leading `/`, no
    other characters), else BadBlobKey."""
    match = _KEY.fullmatch(key) if len(key) <= MAX_KEY else None
    if match is None or match[4][:2] != match[2] or match[4][2:4] != match[3]:
        raise BadBlobKey(f"not a blob key: {key[:80]!r}")
    return key


def team_prefix(team_id: str) -> str:
    """What every key of the team starts with."""
    return check_team(team_id) + "/"
