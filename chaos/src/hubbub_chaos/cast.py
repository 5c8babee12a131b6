"""The workspace a run works in, set up by the harness before the workload starts: people,
apps and their tokens through the services `hubbub admin` runs (create-workspace,
create-user, create-app, update-app), then channels, invitations and the bots' joins through
the Web API, as people would."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hubbub_chaos import api
from hubbub_chaos.history import Op, Sink
from hubbub_chaos.journal import Journal
from hubbub_chaos.sinks import EventsSink

if TYPE_CHECKING:
    from hubbub.config import Settings

DOMAIN = "chaos"
# alice is the admin and never leaves a channel (she reads every public channel's final
# state); erin never opens a socket, so the DMs bob sends her are emailed.
PEOPLE = ("alice", "bob", "carol", "dave", "erin")
RECEIVERS = ("alice", "bob", "carol", "dave")
CHANNELS = 3
EVENTS = ["message.channels", "reaction_added"]
SCOPES = ["chat:write", "channels:join", "channels:history", "reactions:read"]


@dataclass
class Person:
    name: str
    user_id: str
    token: str


@dataclass
class AppTokens:
    app_id: str
    bot_user_id: str
    bot_token: str
    app_token: str
    signing_secret: str


@dataclass
class Cast:
    team_id: str
    people: dict[str, Person]
    channels: list[str]  # public, alice in each for good
    dm: str  # bob and erin
    socket_app: AppTokens
    events_app: AppTokens
    # Who reads each conversation's final state (a member of it throughout).
    readers: dict[str, str] = field(default_factory=dict)


async def provision(settings: Settings, base: str, sink: EventsSink, journal: Journal) -> Cast:
    """The workspace, recorded as the checker needs it: each join that puts someone in a
    channel (its `channel_join` message) is an Op of client "setup", and each sink's record
    says what it is owed and whether its receiver deduplicates. settings: the deployment's
    tool_settings, for a hub of the harness's own on its stores."""
    from hubbub.app import tool_hub
    from hubbub.services import apps, workspaces

    hub = await tool_hub(settings)
    try:
        team = await workspaces.create_workspace(hub, "Chaos", DOMAIN)
        people = {}
        for name in PEOPLE:
            account = await workspaces.create_user(
                hub,
                DOMAIN,
                email=f"{name}@{DOMAIN}.test",
                name=name,
                password="pw-" + name,
                admin=name == "alice",
            )
            people[name] = Person(name, account.user.id, account.token)
        made = {}
        for name, socket_mode in (("sockets", True), ("hooks", False)):
            new = await apps.create_app(
                hub, DOMAIN, name=name, events=EVENTS, scopes=SCOPES, socket_mode=socket_mode
            )
            made[name] = AppTokens(
                new.app.id,
                new.app.bot_user_id,
                new.bot_token,
                new.app_token,
                new.app.signing_secret,
            )
        # As in Slack's own setup: the app knows its secret before it is given its URL.
        sink.signing_secret = made["hooks"].signing_secret
        await apps.update_app(hub, DOMAIN, made["hooks"].app_id, request_url=sink.url)
    finally:
        await hub.close()

    async with api.client() as http:

        async def must(
            token: str, method: str, joining: Sequence[str] = (), **args: object
        ) -> dict[str, Any]:
            """The call, which must succeed; `joining`: who it puts in args' channel (or in
            the channel it creates)."""
            start = time.monotonic()
            answer = await api.call(http, base, token, method, **args)
            if not answer.ok:
                raise RuntimeError(f"setting up: {method} {args}: {answer.error}")
            channel = str(args.get("channel") or answer.body["channel"]["id"])
            for user in joining:
                journal.add(Op("join", "setup", channel, "ok", start, time.monotonic(), user=user))
            return answer.body

        alice = people["alice"]
        channels = []
        for n in range(CHANNELS):
            body = await must(
                alice.token, "conversations.create", [alice.user_id], name=f"chaos-{n}"
            )
            channel = str(body["channel"]["id"])
            others = [people[p].user_id for p in RECEIVERS if p != "alice"]
            await must(
                alice.token, "conversations.invite", others, channel=channel, users=",".join(others)
            )
            for app in made.values():
                await must(app.bot_token, "conversations.join", [app.bot_user_id], channel=channel)
            channels.append(channel)
        body = await must(people["bob"].token, "conversations.open", users=people["erin"].user_id)
        dm = str(body["channel"]["id"])
    # Both apps' bots are in every public channel for good: each message posted there owes
    # each app a delivery, which it deduplicates by event_id. Every DM bob sends erin, who
    # never opens a socket, owes her an email, which her mailbox keeps once per Message-ID.
    journal.add(Sink("events_http", dedup=True, owed=list(channels)))
    journal.add(Sink("socket_mode", dedup=True, owed=list(channels)))
    journal.add(Sink("smtp", dedup=True, owed=[dm]))
    readers = {c: "alice" for c in channels} | {dm: "bob"}
    return Cast(team.id, people, channels, dm, made["sockets"], made["hooks"], readers)
