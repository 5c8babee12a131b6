"""search.files and the files of search.all through slack_sdk (docs/search.md, Files): names and
titles found with the query language, only files the searcher may read, deleted ones never,
Slack's answer, and bad input answered with Slack's error or with no results. Runs on SQLite,
and on PostgreSQL under HUBBUB_TEST_STORE=postgres."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient

from hubbub.domain.search_text import HIGHLIGHT_END, HIGHLIGHT_START
from tests.support.apps import make_app
from tests.support.checks import error_of
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("search-files")
workspace = module_workspace()


def upload(client: WebClient, channel: str | None, name: str, title: str | None = None) -> str:
    args: dict[str, Any] = {"content": f"the bytes of {name}", "filename": name}
    if title is not None:
        args["title"] = title
    if channel is not None:
        args["channel"] = channel
    file_id: str = client.files_upload_v2(**args)["file"]["id"]
    return file_id


@pytest.fixture(scope="module")
def placed(server: Server, workspace: Workspace) -> dict[str, str]:
    """Alice's files in #lobby (bob and carol may read), in a private channel with bob, in a
    DM with bob, and one shared nowhere; file name → id, plus the channels."""
    alice = server.client(workspace.alice.token)
    lobby = alice.conversations_create(name="lobby")["channel"]["id"]
    secret = alice.conversations_create(name="secret", is_private=True)["channel"]["id"]
    alice.conversations_invite(channel=secret, users=workspace.bob.user_id)
    dm = alice.conversations_open(users=workspace.bob.user_id)["channel"]["id"]
    out = {"lobby": lobby, "secret": secret, "dm": dm}
    out["report.pdf"] = upload(alice, lobby, "report.pdf", "Quarterly Report Café")
    for n in range(5):
        out[f"notes-{n}.txt"] = upload(alice, lobby, f"notes-{n}.txt")
    out["plans.txt"] = upload(alice, secret, "plans.txt", "private plans")
    out["letter.txt"] = upload(alice, dm, "letter.txt", "a letter to bob")
    out["draft.txt"] = upload(alice, None, "draft.txt", "draft plans")
    bob = server.client(workspace.bob.token)
    bob.conversations_join(channel=lobby)
    out["bobs-notes.md"] = upload(bob, lobby, "bobs-notes.md", "plans of bob")
    return out


def names(client: WebClient, query: str, **args: Any) -> list[str]:
    answer = client.search_files(query=query, **args)
    assert answer["ok"] is True
    return [f["name"] for f in answer["files"]["matches"]]


def test_the_answer_is_slacks(server: Server, workspace: Workspace, placed: dict[str, str]) -> None:
    bob = server.client(workspace.bob.token)
    answer = bob.search_files(query="quarterly").data
    assert isinstance(answer, dict)
    assert answer["query"] == "quarterly"
    found = answer["files"]
    assert found["total"] == 1
    assert found["paging"] == {"count": 20, "total": 1, "page": 1, "pages": 1}
    assert found["pagination"] == {
        "total_count": 1,
        "page": 1,
        "per_page": 20,
        "page_count": 1,
        "first": 1,
        "last": 1,
    }
    [file] = found["matches"]
    # The file object files.info gives, with where the searcher sees it shared.
    info = bob.files_info(file=placed["report.pdf"])["file"]
    assert file == info
    assert file["title"] == "Quarterly Report Café" and file["filetype"] == "pdf"
    assert file["channels"] == [placed["lobby"]] and file["user"] == workspace.alice.user_id
    assert "response_metadata" not in found


def test_names_and_titles_are_found_with_the_query_language(
    server: Server, workspace: Workspace, placed: dict[str, str]
) -> None:
    alice = server.client(workspace.alice.token)
    assert names(alice, "report.pdf") == ["report.pdf"]  # by name
    assert names(alice, "CAFE") == ["report.pdf"]  # by title, folded
    assert names(alice, '"quarterly report"') == ["report.pdf"]
    assert names(alice, '"report quarterly"') == []
    assert names(alice, "quarter*") == ["report.pdf"]
    assert sorted(names(alice, "plans")) == ["bobs-notes.md", "draft.txt", "plans.txt"]
    assert sorted(names(alice, "plans -draft -bob")) == ["plans.txt"]
    assert names(alice, "plans in:#secret") == ["plans.txt"]
    assert names(alice, f"plans in:<#{placed['lobby']}>") == ["bobs-notes.md"]
    assert names(alice, "letter in:@bob") == ["letter.txt"]
    assert names(alice, "plans from:@bob") == ["bobs-notes.md"]
    assert sorted(names(alice, "plans from:me")) == ["draft.txt", "plans.txt"]
    assert len(names(alice, "notes during:today")) == 6
    assert names(alice, "notes before:2001-01-01") == []
    assert len(names(alice, "notes after:yesterday", count=1, sort="timestamp")) == 1
    assert names(alice, "type:pdf") == ["report.pdf"]
    assert sorted(names(alice, "plans type:text")) == ["draft.txt", "plans.txt"]
    snippets = sorted(names(alice, "plans type:snippets type:pdf"))
    assert snippets == ["bobs-notes.md", "draft.txt", "plans.txt"]  # markdown is a snippet
    assert names(alice, "type:images") == names(alice, "notes type:spaces") == []
    assert len(names(alice, "notes type:all")) == 6
    # What only messages have, no file has; and no message has a type.
    assert alice.search_messages(query="report type:pdf")["messages"]["total"] == 0
    assert names(alice, "notes has:link") == names(alice, "notes is:thread") == []


def test_only_files_the_searcher_may_read_are_found(
    server: Server, workspace: Workspace, placed: dict[str, str]
) -> None:
    carol = server.client(workspace.carol.token)
    bob = server.client(workspace.bob.token)
    alice = server.client(workspace.alice.token)
    # Carol: only #lobby's. Bob: also the private channel and the DM he is in. Alice: also
    # her draft, shared nowhere.
    assert sorted(names(carol, "plans")) == ["bobs-notes.md"]
    assert names(carol, "letter") == [] and names(carol, "plans in:#secret") == []
    assert sorted(names(bob, "plans")) == ["bobs-notes.md", "plans.txt"]
    assert names(bob, "letter") == ["letter.txt"]
    assert names(alice, "draft") == ["draft.txt"]
    assert names(bob, "draft") == []
    # Leaving the private channel takes its files out of reach at once.
    bob.conversations_leave(channel=placed["secret"])
    assert names(bob, "plans") == ["bobs-notes.md"]
    alice.conversations_invite(channel=placed["secret"], users=workspace.bob.user_id)
    assert sorted(names(bob, "plans")) == ["bobs-notes.md", "plans.txt"]


def test_a_deleted_file_is_never_found(server: Server, workspace: Workspace) -> None:
    alice = server.client(workspace.alice.token)
    lobby = alice.conversations_create(name="bin")["channel"]["id"]
    file_id = upload(alice, lobby, "doomed.txt", "soon gone")
    assert names(alice, "doomed") == ["doomed.txt"]
    alice.files_delete(file=file_id)
    assert names(alice, "doomed") == [] and names(alice, "soon gone") == []


def test_highlights_mark_the_title(
    server: Server, workspace: Workspace, placed: dict[str, str]
) -> None:
    alice = server.client(workspace.alice.token)
    [file] = alice.search_files(query="cafe", highlight=True)["files"]["matches"]
    s, e = HIGHLIGHT_START, HIGHLIGHT_END
    assert file["title"] == f"Quarterly Report {s}Café{e}"
    assert file["name"] == "report.pdf"


def test_pages_sorting_and_cursors(
    server: Server, workspace: Workspace, placed: dict[str, str]
) -> None:
    alice = server.client(workspace.alice.token)
    # Files are dated to the second, as Slack's: ties are broken by id, the same way each time.
    newest = names(alice, '"notes-"', sort="timestamp", count=100)
    assert sorted(newest) == [f"notes-{n}.txt" for n in range(5)]
    oldest = names(alice, '"notes-"', sort="timestamp", sort_dir="asc", count=100)
    assert oldest == list(reversed(newest))
    page = alice.search_files(query='"notes-"', sort="timestamp", sort_dir="asc", count=2, page=2)
    assert [f["name"] for f in page["files"]["matches"]] == oldest[2:4]
    assert page["files"]["paging"] == {"count": 2, "total": 5, "page": 2, "pages": 3}
    assert page["files"]["pagination"]["first"] == 3 and page["files"]["pagination"]["last"] == 4
    past = alice.search_files(query='"notes-"', count=2, page=4)["files"]
    assert past["matches"] == [] and past["total"] == 5
    walked: list[str] = []
    cursor = "*"
    while cursor:
        got = alice.search_files(query='"notes-"', sort="timestamp", count=2, cursor=cursor)
        walked += [f["name"] for f in got["files"]["matches"]]
        cursor = got["files"]["response_metadata"]["next_cursor"]
    assert walked == newest


def test_search_all_has_messages_and_files(
    server: Server, workspace: Workspace, placed: dict[str, str]
) -> None:
    alice = server.client(workspace.alice.token)
    alice.chat_postMessage(channel=placed["lobby"], text="the quarterly numbers are in")
    answer = alice.search_all(query="quarterly").data
    assert isinstance(answer, dict)
    assert [m["text"] for m in answer["messages"]["matches"]] == ["the quarterly numbers are in"]
    assert [f["name"] for f in answer["files"]["matches"]] == ["report.pdf"]
    assert answer["files"]["total"] == 1 and answer["posts"]["total"] == 0


def test_bots_may_not_search_files(
    server: Server, workspace: Workspace, placed: dict[str, str]
) -> None:
    assert error_of(lambda: server.client(workspace.bot.token).search_files(query="x")) == (
        "not_allowed_token_type"
    )
    app = make_app(server.data_dir, name="FileSearcher", scopes=["files:read"])
    for token in (app.bot_token, app.app_token):
        assert error_of(
            lambda t=token: server.client(t).api_call("search.files", params={"query": "x"})
        ) == ("not_allowed_token_type")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "no_query"),
        ({"query": ""}, "no_query"),
        ({"query": "  "}, "no_query"),
        ({"query": "x", "count": "ten"}, "invalid_arguments"),
        ({"query": "x", "page": "2.5"}, "invalid_arguments"),
        ({"query": "x", "cursor": "garbage"}, "invalid_cursor"),
    ],
)
def test_bad_arguments_get_slacks_errors(
    server: Server, workspace: Workspace, args: dict[str, str], error: str
) -> None:
    client = server.client(workspace.alice.token)
    assert error_of(lambda: client.api_call("search.files", params=args)) == error


@pytest.mark.parametrize(
    ("args", "count", "page"),
    [({"count": "0"}, 20, 1), ({"count": "1000"}, 100, 1), ({"page": "-2"}, 20, 1)],
)
def test_counts_and_pages_out_of_range_are_brought_into_it(
    server: Server,
    workspace: Workspace,
    placed: dict[str, str],
    args: dict[str, str],
    count: int,
    page: int,
) -> None:
    found = server.client(workspace.alice.token).api_call(
        "search.files", params={"query": "notes", **args}
    )
    assert found["files"]["paging"]["count"] == count
    assert found["files"]["paging"]["page"] == page
    assert len(found["files"]["matches"]) == 6


@pytest.mark.parametrize(
    "query",
    ["x" * 5000, '"unbalanced notes', "notes in:#no-such", "notes from:@nobody", "100%_\\"],
)
def test_what_cannot_match_finds_nothing(
    server: Server, workspace: Workspace, placed: dict[str, str], query: str
) -> None:
    found = server.client(workspace.alice.token).api_call("search.files", params={"query": query})
    assert found["ok"] is True and found["files"]["matches"] == []
