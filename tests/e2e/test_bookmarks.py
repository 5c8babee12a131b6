"""bookmarks.* over slack_sdk: a channel's links, for its members only, with Slack's shapes and
errors (nothing written), and their channel events."""

from __future__ import annotations

from slack_sdk import WebClient

from tests.support.apps import make_app
from tests.support.checks import error_of, events
from tests.support.rtm import new_channel
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("bookmarks")
workspace = module_workspace()


def add(client: WebClient, channel: str, title: str, link: str, **more: str) -> dict[str, str]:
    found: dict[str, str] = client.bookmarks_add(
        channel_id=channel, title=title, type="link", link=link, **more
    )["bookmark"]
    return found


def test_members_add_edit_list_and_remove_with_events(server: Server, workspace: Workspace) -> None:
    w = workspace
    alice, bob = server.client(w.alice.token), server.client(w.bob.token)
    channel = new_channel(alice, w.bob.user_id)
    first = add(alice, channel, "Docs", "https://docs.example.com/a?b=1", emoji=":books:")
    assert first["id"].startswith("Bk") and first["channel_id"] == channel
    assert (first["title"], first["link"], first["emoji"], first["type"]) == (
        "Docs",
        "https://docs.example.com/a?b=1",
        ":books:",
        "link",
    )
    assert first["date_created"] > 0 and first["date_updated"] == 0
    assert first["last_updated_by_user_id"] == w.alice.user_id
    assert first["last_updated_by_team_id"] == w.team_id
    second = add(bob, channel, "Board", "http://board.example.com")
    assert second["emoji"] is None
    listed = bob.bookmarks_list(channel_id=channel)["bookmarks"]
    assert [b["id"] for b in listed] == [first["id"], second["id"]]

    edited = bob.bookmarks_edit(channel_id=channel, bookmark_id=first["id"], title="Manual")[
        "bookmark"
    ]
    assert (edited["title"], edited["link"], edited["emoji"]) == (
        "Manual",
        first["link"],
        ":books:",
    )
    assert edited["date_updated"] > 0 and edited["last_updated_by_user_id"] == w.bob.user_id
    alice.bookmarks_remove(channel_id=channel, bookmark_id=second["id"])
    assert [b["title"] for b in alice.bookmarks_list(channel_id=channel)["bookmarks"]] == ["Manual"]
    logged = [e for e in events(server, w.team_id, channel) if e["type"].startswith("bookmark_")]
    assert [e["type"] for e in logged] == [
        "bookmark_added",
        "bookmark_added",
        "bookmark_updated",
        "bookmark_removed",
    ]
    assert logged[0]["bookmark"] == first and logged[2]["bookmark"] == edited
    assert logged[3]["bookmark"]["id"] == second["id"] and logged[3]["channel_id"] == channel


def test_bad_input_gets_slacks_errors_and_writes_nothing(
    server: Server, workspace: Workspace
) -> None:
    w = workspace
    alice, carol = server.client(w.alice.token), server.client(w.carol.token)
    channel = new_channel(alice)
    mark = add(alice, channel, "Kept", "https://kept.example.com")
    before = events(server, w.team_id, channel)
    good = {"channel_id": channel, "title": "t", "type": "link", "link": "https://x.example"}
    cases = [
        ({"type": "folder"}, "invalid_bookmark_type"),
        ({"type": ""}, "invalid_bookmark_type"),
        ({"title": ""}, "invalid_arguments"),
        ({"title": "x" * 256}, "invalid_arguments"),
        ({"link": "javascript:alert(1)"}, "invalid_link"),
        ({"link": "not a link"}, "invalid_link"),
        ({"link": "https://"}, "invalid_link"),
        ({"link": "https://x.example/" + "a" * 2000}, "invalid_link"),
        ({"emoji": "books"}, "invalid_emoji"),
        ({"channel_id": "CNOSUCH000"}, "channel_not_found"),
        ({"channel_id": ""}, "channel_not_found"),
    ]
    for change, error in cases:
        assert error_of(alice.bookmarks_add, **{**good, **change}) == error, change
    assert error_of(carol.bookmarks_add, **good) == "not_in_channel"
    assert error_of(carol.bookmarks_list, channel_id=channel) == "not_in_channel"
    edit, remove = alice.bookmarks_edit, alice.bookmarks_remove
    for missing in ("BkNOSUCH00", "nope", "", "Bk" + "A" * 40):
        assert error_of(edit, channel_id=channel, bookmark_id=missing, title="x") == "not_found"
        assert error_of(remove, channel_id=channel, bookmark_id=missing) == "not_found"
    assert error_of(edit, channel_id=channel, bookmark_id=mark["id"], link="ftp://x") == (
        "invalid_link"
    )
    assert error_of(carol.bookmarks_remove, channel_id=channel, bookmark_id=mark["id"]) == (
        "not_in_channel"
    )
    other = new_channel(alice)  # a bookmark is found only in its own channel
    assert error_of(remove, channel_id=other, bookmark_id=mark["id"]) == "not_found"
    alice.conversations_archive(channel=channel)
    assert error_of(remove, channel_id=channel, bookmark_id=mark["id"]) == "is_archived"
    assert events(server, w.team_id, channel)[: len(before)] == before
    after = events(server, w.team_id, channel)[len(before) :]
    assert [e.get("subtype") for e in after] == ["channel_archive"]
    assert [b["id"] for b in alice.bookmarks_list(channel_id=channel)["bookmarks"]] == [mark["id"]]


def test_a_channel_holds_at_most_100_and_apps_need_the_scopes(
    server: Server, workspace: Workspace
) -> None:
    alice = server.client(workspace.alice.token)
    channel = new_channel(alice)
    for n in range(100):
        add(alice, channel, f"n{n}", f"https://x.example/{n}")
    assert error_of(
        add, client=alice, channel=channel, title="one more", link="https://y.example"
    ) == ("too_many_bookmarks")
    assert len(alice.bookmarks_list(channel_id=channel)["bookmarks"]) == 100
    app = make_app(server.data_dir, name="Marks", events=(), scopes=["bookmarks:read"])
    bot = server.client(app.bot_token)
    alice.conversations_invite(channel=channel, users=app.app.bot_user_id)
    assert len(bot.bookmarks_list(channel_id=channel)["bookmarks"]) == 100
    assert error_of(add, client=bot, channel=channel, title="t", link="https://z.example") == (
        "missing_scope"
    )
