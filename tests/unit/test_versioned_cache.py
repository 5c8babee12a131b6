"""The versioned caches: remembered only while the store's identity version stays put."""

from __future__ import annotations

from hubbub.domain.model import Identity
from hubbub.services.versioned import VersionedCache


def _found(user_id: str) -> tuple[Identity, bool]:
    who = Identity(
        team_id="T1",
        user_id=user_id,
        token_kind="xoxp",
        token_hash="h",
        is_admin=False,
        bot_id=None,
        scopes=frozenset(),
    )
    return who, False


class Version:
    def __init__(self) -> None:
        self.value = 1

    def __call__(self) -> int:
        return self.value


def test_a_remembered_identity_lasts_until_the_version_moves() -> None:
    version = Version()
    cache: VersionedCache[str, tuple[Identity, bool]] = VersionedCache(version)
    cache.put("xoxp-a", _found("U1"), cache.version())
    assert cache.get("xoxp-a") == _found("U1")
    version.value = 2
    assert cache.get("xoxp-a") is None
    version.value = 1  # any change empties it, also back to an old value
    assert cache.get("xoxp-a") is None


def test_a_read_that_overlapped_a_change_is_not_remembered() -> None:
    version = Version()
    cache: VersionedCache[str, tuple[Identity, bool]] = VersionedCache(version)
    read_at = cache.version()
    version.value = 2  # a revocation committed while the read ran
    cache.put("xoxp-a", _found("U1"), read_at)
    assert cache.get("xoxp-a") is None
    read_at = cache.version()
    cache.put("xoxp-a", _found("U1"), read_at)
    assert cache.get("xoxp-a") == _found("U1")


def test_the_cache_stays_within_its_bound() -> None:
    cache: VersionedCache[str, tuple[Identity, bool]] = VersionedCache(Version(), max_entries=3)
    for n in range(10):
        cache.put(f"xoxp-{n}", _found(f"U{n}"), cache.version())
    held = [n for n in range(10) if cache.get(f"xoxp-{n}") is not None]
    assert 1 <= len(held) <= 3
    assert 9 in held
