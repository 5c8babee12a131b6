"""Method tables. Each family module owns a Router; the app merges them explicitly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from hubbub.api.call import Call

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
    ) -> Callable[[Handler], Handler]:
        """args maps each argument to its type (string, integer, boolean, json) for the docs."""

        def register(handler: Handler) -> Handler:
            if name in self.methods:
                raise ValueError(f"{name} registered twice")
            doc = (handler.__doc__ or "").strip().splitlines()
            self.methods[name] = Method(
                name, handler, tier, dict(args or {}), auth, doc[0] if doc else ""
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
