"""Method tables. Each family module owns a Router; the app merges them explicitly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hubbub.api.call import Call
from hubbub.domain.apps import ScopeNeed

Handler = Callable[[Call], Awaitable[dict[str, Any]]]

# Slack's rate limit tiers, as requests per minute per method per token per workspace.
TIER_1, TIER_2, TIER_3, TIER_4 = 1, 2, 3, 4
# chat.postMessage and its kin: about one per second per channel, with short bursts.
TIER_POST = 0


@dataclass(frozen=True)
class Method:
    name: str
    handler: Handler
    tier: int
    args: dict[str, str]
    auth: bool = True
    description: str = ""
    # What an app's bot token needs to call it (None: undeclared, which a test refuses).
    scopes: ScopeNeed | None = None
    # Called with an app-level (`xapp-`) token, and with no other kind.
    app_token: bool = False
    # Reads a multipart body itself, as it arrives, past max_body_bytes (files.upload): the
    # handler gets the request in Call.body, and args from the query string only.
    streams: bool = False
    # Called with a person's token only: a bot's gets not_allowed_token_type before its scopes
    # are looked at (search.*, as in Slack).
    user_token: bool = False


# A method's scopes: one scope, any of several, or the family of the `channel` argument's kind.
Scopes = str | tuple[str, ...] | ScopeNeed


def scope_need(scopes: Scopes) -> ScopeNeed:
    if isinstance(scopes, ScopeNeed):
        return scopes
    return ScopeNeed((scopes,) if scopes else ()) if isinstance(scopes, str) else ScopeNeed(scopes)


# The scope family of conversations by kind: by_channel("history") is channels:history for a
# public channel, groups:history for a private one, im:history, mpim:history.
def by_channel(word: str) -> ScopeNeed:
    return ScopeNeed(by_channel=word)


NO_SCOPE = ScopeNeed()
# Changing a conversation: channels:manage for a public channel, groups:write for a private one,
# im:write, mpim:write; any one of them lets the call through to the service's own checks.
WRITE_SCOPES = ScopeNeed(("channels:manage", "groups:write", "im:write", "mpim:write"))


@dataclass
class Router:
    methods: dict[str, Method] = field(default_factory=dict)

    def method(
        self,
        name: str,
        *,
        tier: int,
        args: dict[str, str] | None = None,
        auth: bool = True,
        scopes: Scopes | None = None,
        app_token: bool = False,
        streams: bool = False,
        user_token: bool = False,
    ) -> Callable[[Handler], Handler]:
        """args maps each argument to its type (string, integer, boolean, json) for the docs;
        scopes, what an app's bot token needs (Slack's method pages)."""

        def register(handler: Handler) -> Handler:
            if name in self.methods:
                raise ValueError(f"{name} registered twice")
            doc = (handler.__doc__ or "").strip().splitlines()
            self.methods[name] = Method(
                name,
                handler,
                tier,
                dict(args or {}),
                auth,
                doc[0] if doc else "",
                None if scopes is None else scope_need(scopes),
                app_token,
                streams,
                user_token,
            )
            return handler

        return register


def merge(*routers: Router) -> dict[str, Method]:
    table: dict[str, Method] = {}
    for router in routers:
        for name, method in router.methods.items():
            if name in table:
                raise ValueError(f"{name} registered twice")
            table[name] = method
    return table
