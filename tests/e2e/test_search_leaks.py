"""Search finds only what its searcher may read (docs/search.md, "Who sees what"): one table of
places a message may be, and for each, whether a person of the host workspace and a person of a
guest workspace find it. Each message carries a word of its own, and so does a file shared in
the same place by the same person; each case searches for it, and a search matching everything
each person may see must hold exactly the cases they find. Through the Web API with slack_sdk,
on one server with three workspaces."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.e2e.test_shared_channels import invite
from tests.support.servers import Server, Workspace, make_workspace, module_server

server = module_server("search-leaks")

# case → (found by acme's bob, found by globex's bob). Acme hosts; globex is its guest in the
# shared channels; initech shares nothing with either.
CASES: dict[str, tuple[bool, bool]] = {
    "acme_public_not_member": (True, False),
    "acme_public_member": (True, False),
    "acme_public_left": (True, False),  # a public channel's history is anyone's to read
    "acme_public_archived": (True, False),
    "acme_private_member": (True, False),
    "acme_private_not_member": (False, False),
    "acme_private_left": (False, False),
    "acme_private_left_then_archived": (False, False),
    "acme_private_archived_member": (True, False),
    "acme_dm_with_bob": (True, False),
    "acme_dm_without_bob": (False, False),
    "acme_group_dm_with_bob": (True, False),
    "acme_group_dm_without_bob": (False, False),
    "shared_by_acme_member_both": (True, True),
    "shared_by_acme_guest_not_member": (True, True),  # public on globex's side too
    "shared_by_guest_author": (True, True),
    "shared_private_on_guest_side_not_member": (True, False),
    "shared_private_on_guest_side_member": (True, True),
    "shared_private_at_host_bob_not_member": (False, True),
    "shared_then_disconnected": (True, False),
    "shared_invite_pending": (True, False),
    "shared_with_initech_only": (True, False),
    "globex_public": (False, True),
    "globex_private_not_member": (False, False),
    "initech_public": (False, False),
}

# Files follow the same table but for one rule of their own: whoever uploaded a file finds it
# wherever it is shared (acme's bob shared that one before he left the private channel).
FILE_CASES: dict[str, tuple[bool, bool]] = {
    **CASES,
    "acme_private_left_then_archived": (True, False),
}


@dataclass(frozen=True)
class World:
    acme: Workspace
    globex: Workspace
    initech: Workspace
    files: dict[str, str]  # case → its file's id


def word(case: str) -> str:
    """The word only this case's message holds."""
    return "kw" + case.replace("_", "")


def say(client: WebClient, channel: str, case: str) -> None:
    """The case's message, and a file of the case's name shared by the same person there."""
    client.chat_postMessage(channel=channel, text=f"secret {word(case)} here")
    done = client.files_upload_v2(channel=channel, content=case, filename=filename(case))
    _UPLOADED[case] = done["file"]["id"]


# case → its file's id, as `say` shares them (the module's one world).
_UPLOADED: dict[str, str] = {}


def filename(case: str) -> str:
    return f"{word(case)}.txt"


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    acme = make_workspace(server.data_dir, "acme")
    globex = make_workspace(server.data_dir, "globex")
    initech = make_workspace(server.data_dir, "initech")
    a, b, c = (
        server.client(acme.alice.token),
        server.client(acme.bob.token),
        server.client(acme.carol.token),
    )
    ga, gb = server.client(globex.alice.token), server.client(globex.bob.token)
    ia = server.client(initech.alice.token)

    def channel(client: WebClient, name: str, *, private: bool = False) -> str:
        found: str = client.conversations_create(name=name, is_private=private)["channel"]["id"]
        return found

    # -- acme's own -----------------------------------------------------------------------
    say(a, channel(a, "pub-not-member"), "acme_public_not_member")
    member = channel(a, "pub-member")
    b.conversations_join(channel=member)
    say(a, member, "acme_public_member")
    left = channel(a, "pub-left")
    b.conversations_join(channel=left)
    say(a, left, "acme_public_left")
    b.conversations_leave(channel=left)
    archived = channel(a, "pub-archived")
    say(a, archived, "acme_public_archived")
    a.conversations_archive(channel=archived)

    private = channel(a, "priv-member", private=True)
    a.conversations_invite(channel=private, users=acme.bob.user_id)
    say(a, private, "acme_private_member")
    say(a, channel(a, "priv-not-member", private=True), "acme_private_not_member")
    gone = channel(a, "priv-left", private=True)
    a.conversations_invite(channel=gone, users=acme.bob.user_id)
    say(a, gone, "acme_private_left")
    b.conversations_leave(channel=gone)
    gone_archived = channel(a, "priv-left-archived", private=True)
    a.conversations_invite(channel=gone_archived, users=acme.bob.user_id)
    say(b, gone_archived, "acme_private_left_then_archived")
    b.conversations_leave(channel=gone_archived)
    a.conversations_archive(channel=gone_archived)
    kept_archived = channel(a, "priv-archived", private=True)
    a.conversations_invite(channel=kept_archived, users=acme.bob.user_id)
    say(a, kept_archived, "acme_private_archived_member")
    a.conversations_archive(channel=kept_archived)

    say(a, a.conversations_open(users=acme.bob.user_id)["channel"]["id"], "acme_dm_with_bob")
    say(a, a.conversations_open(users=acme.carol.user_id)["channel"]["id"], "acme_dm_without_bob")
    with_bob = a.conversations_open(users=f"{acme.bob.user_id},{acme.carol.user_id}")
    say(a, with_bob["channel"]["id"], "acme_group_dm_with_bob")
    without = a.conversations_open(users=f"{acme.carol.user_id},{acme.bot.user_id}")
    say(a, without["channel"]["id"], "acme_group_dm_without_bob")

    # -- shared with globex -----------------------------------------------------------------
    def share(name: str, *, private_here: bool = False, host_private: bool = False) -> str:
        shared = channel(a, name, private=host_private)
        accepted = invite(a, shared, "alice@globex.test")
        ga.conversations_acceptSharedInvite(
            invite_id=accepted, channel_name=f"g-{name}", is_private=private_here
        )
        return shared

    both = share("shared-both")
    a.conversations_invite(channel=both, users=acme.bob.user_id)
    gb.conversations_join(channel=both)
    say(a, both, "shared_by_acme_member_both")
    say(gb, both, "shared_by_guest_author")
    say(a, share("shared-open"), "shared_by_acme_guest_not_member")
    say(a, share("shared-priv-guest", private_here=True), "shared_private_on_guest_side_not_member")
    joined = share("shared-priv-guest-in", private_here=True)
    ga.conversations_invite(channel=joined, users=globex.bob.user_id)
    say(a, joined, "shared_private_on_guest_side_member")
    hosts_private = share("shared-priv-host", host_private=True)
    gb_in = hosts_private
    ga.conversations_invite(channel=gb_in, users=globex.bob.user_id)
    say(a, hosts_private, "shared_private_at_host_bob_not_member")
    ended = share("shared-ended")
    gb.conversations_join(channel=ended)
    say(a, ended, "shared_then_disconnected")
    a.admin_conversations_disconnectShared(channel_id=ended)
    pending = channel(a, "shared-pending")
    invite(a, pending, "alice@globex.test")
    say(a, pending, "shared_invite_pending")
    elsewhere = channel(a, "shared-initech")
    server.client(initech.alice.token).conversations_acceptSharedInvite(
        invite_id=invite(a, elsewhere, "alice@initech.test"), channel_name="from-acme"
    )
    say(a, elsewhere, "shared_with_initech_only")

    # -- the other workspaces' own ------------------------------------------------------------
    say(ga, channel(ga, "globex-pub"), "globex_public")
    say(ga, channel(ga, "globex-priv", private=True), "globex_private_not_member")
    say(ia, channel(ia, "initech-pub"), "initech_public")
    assert c  # carol only takes part in acme's DMs
    return World(acme, globex, initech, dict(_UPLOADED))


def _searchers(server: Server, world: World) -> dict[str, WebClient]:
    return {
        "acme": server.client(world.acme.bob.token),
        "globex": server.client(world.globex.bob.token),
    }


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("who", ["acme", "globex"])
def test_each_place_is_found_by_exactly_those_who_may_read_it(
    server: Server, world: World, case: str, who: str
) -> None:
    expected = CASES[case][0 if who == "acme" else 1]
    client = _searchers(server, world)[who]
    answer = client.search_messages(query=word(case), count=100)
    texts = [m["text"] for m in answer["messages"]["matches"]]
    assert texts == ([f"secret {word(case)} here"] if expected else []), (case, who)
    assert answer["messages"]["total"] == (1 if expected else 0)


@pytest.mark.parametrize("who", ["acme", "globex"])
def test_a_search_for_everything_holds_exactly_what_may_be_read(
    server: Server, world: World, who: str
) -> None:
    client = _searchers(server, world)[who]
    column = 0 if who == "acme" else 1
    found = set()
    told = ""
    cursor = "*"
    while cursor:
        page = client.search_messages(query="secret", count=100, cursor=cursor)
        found |= {m["text"] for m in page["messages"]["matches"]}
        told += json.dumps(page.data)
        cursor = page["messages"]["response_metadata"]["next_cursor"]
    expected = {f"secret {word(c)} here" for c, seen in CASES.items() if seen[column]}
    assert found == expected
    for case, seen in CASES.items():
        if not seen[column]:
            assert word(case) not in told


def test_in_a_channel_that_cannot_be_seen_finds_nothing_and_says_nothing(
    server: Server, world: World
) -> None:
    client = _searchers(server, world)["globex"]
    for query in ("secret in:#priv-not-member", "secret in:#pub-member", "secret in:#no-such"):
        answer = client.search_messages(query=query)
        assert answer["messages"]["matches"] == [] and answer["messages"]["total"] == 0
    # By its own name on the guest's side it is found, as the host's people find it by theirs.
    assert client.search_messages(query="secret in:#g-shared-both")["messages"]["total"] == 2
    acme = _searchers(server, world)["acme"]
    assert acme.search_messages(query="secret in:#shared-both")["messages"]["total"] == 2


@pytest.mark.parametrize("case", sorted(FILE_CASES))
@pytest.mark.parametrize("who", ["acme", "globex"])
def test_each_places_file_is_found_by_exactly_those_who_may_read_it(
    server: Server, world: World, case: str, who: str
) -> None:
    expected = FILE_CASES[case][0 if who == "acme" else 1]
    client = _searchers(server, world)[who]
    answer = client.search_files(query=filename(case), count=100)
    found = [f["name"] for f in answer["files"]["matches"]]
    assert found == ([filename(case)] if expected else []), (case, who)
    assert answer["files"]["total"] == (1 if expected else 0)
    # files.info agrees with search, both ways.
    assert expected == _reads(client, world, case)


def _reads(client: WebClient, world: World, case: str) -> bool:
    try:
        client.files_info(file=world.files[case])
    except SlackApiError as exc:
        assert exc.response["error"] == "file_not_found"
        return False
    return True


@pytest.mark.parametrize("who", ["acme", "globex"])
def test_a_file_search_for_everything_holds_exactly_what_may_be_read(
    server: Server, world: World, who: str
) -> None:
    client = _searchers(server, world)[who]
    column = 0 if who == "acme" else 1
    answer = client.search_files(query="kw", count=100)
    found = {f["name"] for f in answer["files"]["matches"]}
    expected = {filename(c) for c, seen in FILE_CASES.items() if seen[column]}
    assert found == expected
    told = json.dumps(client.search_all(query="kw", count=100).data)
    for case, seen in FILE_CASES.items():
        if not seen[column]:
            assert filename(case) not in told
