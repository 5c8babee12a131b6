"""The Web API as the workload's clients call it: a real HTTP request per call (httpx), with
the answer sorted the way the history needs it: ok, fail (Slack's error: nothing happened) or
unknown (no answer, a dropped connection, a 5xx: it may or may not have happened)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from hubbub_chaos.history import Outcome

# Past this a call is given up as unknown: longer than a kill's restart usually takes, shorter
# than a stop, so stops show as timeouts.
TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    body: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class Bases:
    """The Web API's base URLs one client uses: it starts at the one its index picks (so a
    deployment's clients spread over them) and moves on to the next after a try that had no
    answer (so it fails over from a serve that is down, stopped or cut off)."""

    def __init__(self, urls: str | Sequence[str], start: int = 0) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        self.at = start % len(self.urls)

    @property
    def url(self) -> str:
        return self.urls[self.at]

    def failed(self) -> None:
        self.at = (self.at + 1) % len(self.urls)


def client() -> httpx.AsyncClient:
    # A connection per poster at most: a stop holds every connection it has open.
    return httpx.AsyncClient(timeout=TIMEOUT_S, limits=httpx.Limits(max_keepalive_connections=8))


async def call(http: httpx.AsyncClient, base: str, token: str, method: str, **args: Any) -> Answer:
    """One try of `method`; arguments that are None are left out."""
    form = {k: _form(v) for k, v in args.items() if v is not None}
    try:
        response = await http.post(
            base + method, data=form, headers={"Authorization": f"Bearer {token}"}
        )
    except httpx.HTTPError as exc:
        return Answer("unknown", error=type(exc).__name__)
    if response.status_code != 200:
        return Answer("unknown", error=f"http {response.status_code}")
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return Answer("unknown", error="not json")
    if body.get("ok") is True:
        return Answer("ok", body)
    return Answer("fail", body, str(body.get("error")))


def _form(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)


async def pages(
    http: httpx.AsyncClient, base: str, token: str, method: str, key: str, **args: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated read (conversations.history, .replies), every page, each
    page tried again while it has no answer (the run is healed when this is called, so a few
    tries are plenty; past ten the deployment is taken for broken)."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    unanswered = 0
    while True:
        answer = await call(http, base, token, method, cursor=cursor, limit=200, **args)
        if answer.outcome == "unknown":
            unanswered += 1
            if unanswered > 10:
                raise RuntimeError(f"{method} {args}: no answer ({answer.error})")
            continue
        if not answer.ok:
            raise RuntimeError(f"{method} {args}: {answer.error}")
        items += answer.body.get(key, [])
        cursor = (answer.body.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return items
