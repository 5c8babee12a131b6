"""Presence over RTM: sockets make people active, presence_sub tells subscribers of changes."""

from __future__ import annotations

from typing import Any

from tests.support.rtm import Event, Rtm, rtm
from tests.support.servers import (
    Server,
    Workspace,
    make_workspace,
    module_server,
    module_workspace,
)
from tests.support.waiting import wait_for

server = module_server("presence")
workspace = module_workspace()


def presence_events(frames: list[Event]) -> list[Event]:
    return [e for e in frames if e.get("type") == "presence_change"]


def change(user: str, presence: str) -> Event:
    return {"type": "presence_change", "user": user, "presence": presence}


def next_presence(client: Rtm) -> Event:
    return client.until(lambda e: e.get("type") == "presence_change")[-1]


def wait_connections(server: Server, token: str, user: str, count: int) -> dict[str, Any]:
    """users.getPresence of the person once the server counts `count` open sockets."""
    client = server.client(token)
    seen: list[dict[str, Any]] = []

    def counted() -> dict[str, Any] | None:
        view = client.users_getPresence(user=user).data
        assert isinstance(view, dict)
        seen.append(view)
        return seen[-1] if seen[-1]["connection_count"] == count else None

    return wait_for(
        counted,
        timeout=5,
        interval=0.02,
        what=lambda: f"{count} connections, counted {seen[-1]['connection_count']}",
    )


def test_sockets_make_a_person_active_and_their_subscribers_hear_it(
    server: Server, workspace: Workspace
) -> None:
    alice, carol = workspace.alice, workspace.carol
    with rtm(server, carol.token) as watcher:
        watcher.send({"type": "presence_sub", "ids": [alice.user_id]})
        assert next_presence(watcher) == change(alice.user_id, "away")  # the current state
        with rtm(server, alice.token):
            assert next_presence(watcher) == change(alice.user_id, "active")
            assert wait_connections(server, alice.token, alice.user_id, 1)["presence"] == "active"
            with rtm(server, alice.token):
                wait_connections(server, alice.token, alice.user_id, 2)
            wait_connections(server, alice.token, alice.user_id, 1)
            assert presence_events(watcher.sync()) == []  # still active: nothing to tell
        assert next_presence(watcher) == change(alice.user_id, "away")
        view = wait_connections(server, alice.token, alice.user_id, 0)
        assert view["presence"] == "away"
        assert presence_events(watcher.sync()) == []


def test_manual_away_wins_over_open_sockets(server: Server, workspace: Workspace) -> None:
    bob = workspace.bob
    web = server.client(bob.token)
    other = server.client(workspace.carol.token)
    with rtm(server, workspace.carol.token) as watcher:
        watcher.send({"type": "presence_sub", "ids": [bob.user_id]})
        assert next_presence(watcher) == change(bob.user_id, "away")
        with rtm(server, bob.token) as own:
            assert next_presence(watcher) == change(bob.user_id, "active")
            web.users_setPresence(presence="away")
            assert next_presence(watcher) == change(bob.user_id, "away")
            assert other.users_getPresence(user=bob.user_id)["presence"] == "away"
            web.users_setPresence(presence="away")  # no change, no event
            assert own.until(lambda e: e.get("type") == "manual_presence_change")[-1] == {
                "type": "manual_presence_change",
                "presence": "away",
            }
            web.users_setPresence(presence="auto")
            assert next_presence(watcher) == change(bob.user_id, "active")
            assert other.users_getPresence(user=bob.user_id)["presence"] == "active"
            web.users_setPresence(presence="away")
            assert next_presence(watcher) == change(bob.user_id, "away")
        # Away by hand: neither the last socket closing nor a new one opening changes that.
        wait_connections(server, bob.token, bob.user_id, 0)
        with rtm(server, bob.token):
            assert presence_events(watcher.sync()) == []
            web.users_setPresence(presence="auto")
            assert next_presence(watcher) == change(bob.user_id, "active")
        assert next_presence(watcher) == change(bob.user_id, "away")
    assert presence_events(watcher.frames) == [
        change(bob.user_id, p)
        for p in ("away", "active", "away", "active", "away", "active", "away")
    ]


def test_only_people_of_the_same_workspace_may_be_followed(
    server: Server, workspace: Workspace
) -> None:
    elsewhere = make_workspace(server.data_dir, domain="elsewhere")
    with rtm(server, workspace.carol.token) as watcher:
        watcher.send(
            {
                "type": "presence_sub",
                "ids": [elsewhere.alice.user_id, "U0NOSUCH", workspace.bob.user_id],
            }
        )
        assert next_presence(watcher) == change(workspace.bob.user_id, "away")
        watcher.send({"type": "presence_query", "ids": [elsewhere.alice.user_id]})
        with rtm(server, elsewhere.alice.token):
            wait_connections(server, elsewhere.alice.token, elsewhere.alice.user_id, 1)
            assert presence_events(watcher.sync()) == []
    assert elsewhere.alice.user_id not in str(watcher.frames)


def test_a_new_subscription_list_replaces_the_old_one(server: Server, workspace: Workspace) -> None:
    alice, bob = workspace.alice, workspace.bob
    with rtm(server, workspace.carol.token) as watcher:
        watcher.send({"type": "presence_sub", "ids": [alice.user_id]})
        assert next_presence(watcher) == change(alice.user_id, "away")
        watcher.send({"type": "presence_sub", "ids": [alice.user_id, bob.user_id]})
        assert next_presence(watcher) == change(bob.user_id, "away")  # only the one added
        watcher.send({"type": "presence_sub", "ids": [bob.user_id]})
        watcher.sync()
        with rtm(server, alice.token):
            wait_connections(server, alice.token, alice.user_id, 1)
            assert presence_events(watcher.sync()) == []
        wait_connections(server, alice.token, alice.user_id, 0)
        watcher.send({"type": "presence_query", "ids": [alice.user_id]})
        assert next_presence(watcher) == change(alice.user_id, "away")


def test_batch_presence_aware_sessions_get_users_lists(
    server: Server, workspace: Workspace
) -> None:
    alice, bob = workspace.alice, workspace.bob
    with rtm(server, workspace.carol.token, batch_presence_aware=True) as watcher:
        with rtm(server, alice.token):
            wait_connections(server, alice.token, alice.user_id, 1)
            watcher.send({"type": "presence_sub", "ids": [alice.user_id, bob.user_id]})
            first = [next_presence(watcher), next_presence(watcher)]
            assert first == [
                {"type": "presence_change", "users": [alice.user_id], "presence": "active"},
                {"type": "presence_change", "users": [bob.user_id], "presence": "away"},
            ]
        assert next_presence(watcher) == {
            "type": "presence_change",
            "users": [alice.user_id],
            "presence": "away",
        }
