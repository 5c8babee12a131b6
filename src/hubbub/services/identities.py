"""Who each token names, kept by its hash between requests for as long as nothing changes it.

Authentication runs on every call, and the token's row rarely changes. Every write that could
change what a token names (revoked, its person deactivated or made admin) bumps the store's
identity version after its commit, from whichever process made it; any bump empties the cache.
So a revoked token stops working at the first request after the revocation answered, here or in
`hubbub admin`, exactly as without the cache.
"""

from __future__ import annotations

from collections.abc import Callable

from hubbub.domain.model import Identity

# (identity, deactivated): a deactivated person's token is remembered to answer account_inactive.
Found = tuple[Identity, bool]

# Past this many tokens the cache starts over rather than track which to evict: it costs one
# store read per token after that, and bounds memory whatever callers send.
MAX_ENTRIES = 50_000


class IdentityCache:
    def __init__(self, version: Callable[[], int], *, max_entries: int = MAX_ENTRIES) -> None:
        self._version = version
        self._seen = version()
        self._max = max_entries
        self._entries: dict[str, Found] = {}

    def version(self) -> int:
        """The version to pass to `put` for a read that starts now."""
        return self._version()

    def get(self, token_hash: str) -> Found | None:
        now = self._version()
        if now != self._seen:
            self._entries.clear()
            self._seen = now
            return None
        return self._entries.get(token_hash)

    def put(self, token_hash: str, found: Found, read_at: int) -> None:
        """Remembers what a read begun at version `read_at` found, unless the version moved
        since: that read may have seen the state from before the change."""
        if read_at != self._seen or self._version() != read_at:
            return
        if len(self._entries) >= self._max:
            self._entries.clear()
        self._entries[token_hash] = found
