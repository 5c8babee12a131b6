"""Posters: one per person, each a loop of Web API calls over real HTTP. Posts and thread
replies carry a client_msg_id and are tried again with the same one until the server answers
(ok or a Slack error); so are edits, deletes, reactions and membership changes, so no op is
left in flight when the run stops. Every try is one Op in the history."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from hubbub_chaos import api
from hubbub_chaos.cast import Cast
from hubbub_chaos.history import Op, OpKind
from hubbub_chaos.journal import Journal

EMOJI = ("+1", "tada", "eyes", "rocket")
# How often each kind of op is chosen, out of their sum.
WEIGHTS: dict[str, int] = {
    "post": 45,
    "reply": 10,
    "edit": 10,
    "delete": 4,
    "react": 12,
    "unreact": 5,
    "member": 8,
    "dm": 6,
}
# A poster whose server never answers again gives up on its last op after this long, so a
# broken run still ends (its last try stays unknown).
GIVE_UP_S = 120.0


@dataclass
class Mine:
    channel: str
    ts: str
    text: str
    reactions: set[str] = field(default_factory=set)


class Poster:
    def __init__(
        self,
        name: str,
        cast: Cast,
        base: str | Sequence[str],
        journal: Journal,
        rng: random.Random,
        stopping: asyncio.Event,
        start: int = 0,
    ) -> None:
        """base: the Web API's URL, or several to spread over (from `start`) and fail over."""
        self.name, self.cast, self.journal = name, cast, journal
        self.bases = api.Bases(base, start)
        self.person = cast.people[name]
        self.rng, self.stopping = rng, stopping
        self.member = set(cast.channels)  # what this person believes they are in
        self.mine: list[Mine] = []  # top-level messages of theirs acknowledged
        self.n = 0
        self.busy = False
        self.acked = 0

    async def run(self) -> None:
        async with api.client() as http:
            if self.name == "bob":
                # However short the run, erin is owed an email (a DM is 6% of bob's ops).
                await self.post(http, self.cast.dm)
            while not self.stopping.is_set():
                self.busy = True
                try:
                    await self.one(http)
                finally:
                    self.busy = False
                await asyncio.sleep(self.rng.uniform(0.05, 0.3))

    async def one(self, http: httpx.AsyncClient) -> None:
        kinds = [k for k in WEIGHTS if self._can(k)]
        kind = self.rng.choices(kinds, [WEIGHTS[k] for k in kinds])[0]
        match kind:
            case "post":
                await self.post(http, self.rng.choice(sorted(self.member)))
            case "dm":
                await self.post(http, self.cast.dm)
            case "reply":
                parent = self.rng.choice(self.mine)
                await self.post(http, parent.channel, parent.ts)
            case "edit":
                await self.edit(http, self.rng.choice(self.mine))
            case "delete":
                await self.delete(http, self.rng.choice(self.mine))
            case "react":
                await self.react(http, self.rng.choice(self.mine))
            case "unreact":
                await self.unreact(http, self.rng.choice([m for m in self.mine if m.reactions]))
            case "member":
                await self.membership(http, self.rng.choice(self.cast.channels))

    def _can(self, kind: str) -> bool:
        match kind:
            case "post":
                return bool(self.member)
            case "dm":
                return self.name == "bob"
            case "member":
                return self.name != "alice"
            case "unreact":
                return any(m.reactions for m in self.mine)
        return bool(self.mine)

    async def _until_answered(
        self,
        http: httpx.AsyncClient,
        op: OpKind,
        channel: str,
        method: str,
        args: dict[str, Any],
        token: str | None = None,
        **fields: Any,
    ) -> api.Answer:
        """Tries `method` until it answers ok or a Slack error, one Op a try."""
        deadline = time.monotonic() + GIVE_UP_S
        while True:
            start = time.monotonic()
            base = self.bases.url
            answer = await api.call(http, base, token or self.person.token, method, **args)
            result_ts = None
            if answer.ok and op in ("post", "reply"):
                result_ts = str(answer.body.get("ts"))
            self.journal.add(
                Op(
                    op,
                    self.name,
                    channel,
                    answer.outcome,
                    start,
                    time.monotonic(),
                    result_ts=result_ts,
                    error=answer.error,
                    **fields,
                )
            )
            if answer.outcome != "unknown" or time.monotonic() > deadline:
                return answer
            self.bases.failed()
            await asyncio.sleep(self.rng.uniform(0.1, 0.5))

    async def post(self, http: httpx.AsyncClient, channel: str, thread: str | None = None) -> None:
        self.n += 1
        cmid = f"{self.name}-{self.n}"
        text = f"{self.name} says {self.n}"
        op: OpKind = "reply" if thread else "post"
        answer = await self._until_answered(
            http,
            op,
            channel,
            "chat.postMessage",
            {"channel": channel, "text": text, "client_msg_id": cmid, "thread_ts": thread},
            cmid=cmid,
            text=text,
            ts=thread,
        )
        if answer.ok:
            self.acked += 1
            if thread is None and channel != self.cast.dm:
                self.mine.append(Mine(channel, str(answer.body["ts"]), text))
        elif answer.error == "not_in_channel":
            self.member.discard(channel)

    async def edit(self, http: httpx.AsyncClient, msg: Mine) -> None:
        self.n += 1
        text = f"{msg.text} (edit {self.n})"
        args = {"channel": msg.channel, "ts": msg.ts, "text": text}
        answer = await self._until_answered(
            http, "edit", msg.channel, "chat.update", args, ts=msg.ts, text=text
        )
        if answer.ok:
            msg.text = text
        elif answer.error == "message_not_found":
            self.mine.remove(msg)

    async def delete(self, http: httpx.AsyncClient, msg: Mine) -> None:
        args = {"channel": msg.channel, "ts": msg.ts}
        await self._until_answered(http, "delete", msg.channel, "chat.delete", args, ts=msg.ts)
        self.mine.remove(msg)

    async def react(self, http: httpx.AsyncClient, msg: Mine) -> None:
        name = self.rng.choice(EMOJI)
        args = {"channel": msg.channel, "timestamp": msg.ts, "name": name}
        answer = await self._until_answered(
            http,
            "react",
            msg.channel,
            "reactions.add",
            args,
            ts=msg.ts,
            name=name,
            user=self.person.user_id,
        )
        if answer.ok or answer.error == "already_reacted":
            msg.reactions.add(name)

    async def unreact(self, http: httpx.AsyncClient, msg: Mine) -> None:
        name = self.rng.choice(sorted(msg.reactions))
        args = {"channel": msg.channel, "timestamp": msg.ts, "name": name}
        await self._until_answered(
            http,
            "unreact",
            msg.channel,
            "reactions.remove",
            args,
            ts=msg.ts,
            name=name,
            user=self.person.user_id,
        )
        msg.reactions.discard(name)

    async def membership(self, http: httpx.AsyncClient, channel: str) -> None:
        """Join or leave, by themselves or by alice (invite, kick); never their last channel,
        so they always have somewhere to post."""
        me = self.person.user_id
        by_admin = self.rng.random() < 0.4
        admin = self.cast.people["alice"].token
        if channel in self.member:
            if len(self.member) == 1:
                return
            if by_admin:
                method, args = "conversations.kick", {"channel": channel, "user": me}
            else:
                method, args = "conversations.leave", {"channel": channel}
            answer = await self._until_answered(
                http, "leave", channel, method, args, admin if by_admin else None, user=me
            )
            if answer.ok or answer.error == "not_in_channel":
                self.member.discard(channel)
        else:
            if by_admin:
                method, args = "conversations.invite", {"channel": channel, "users": me}
            else:
                method, args = "conversations.join", {"channel": channel}
            answer = await self._until_answered(
                http, "join", channel, method, args, admin if by_admin else None, user=me
            )
            if answer.ok or answer.error == "already_in_channel":
                self.member.add(channel)
