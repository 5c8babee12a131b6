"""search.messages and search.all through slack_sdk (docs/search.md): the answer's shape, paging
by page and by cursor, highlights, sorting, and every bad input answered with Slack's error or
with no results, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient

from hubbub.domain.search_text import HIGHLIGHT_END, HIGHLIGHT_START
from tests.support.apps import make_app
from tests.support.checks import error_of
from tests.support.servers import Server, Workspace, module_server, module_workspace

server = module_server("search")
workspace = module_workspace()


@pytest.fixture(scope="module")
def posted(server: Server, workspace: Workspace) -> dict[str, str]:
    """#lobby with 30 numbered reports and a few others; returns the channel and a DM."""
    alice = server.client(workspace.alice.token)
    lobby = alice.conversations_create(name="lobby")["channel"]["id"]
    for n in range(30):
        alice.chat_postMessage(channel=lobby, text=f"weekly report {n:02d}")
    alice.chat_postMessage(channel=lobby, text="Le Café ouvre à 9h")
    dm = alice.conversations_open(users=workspace.bob.user_id)["channel"]["id"]
    alice.chat_postMessage(channel=dm, text="a private report for bob")
    return {"lobby": lobby, "dm": dm}


def search(client: WebClient, **args: Any) -> dict[str, Any]:
    answer = client.search_messages(**args)
    assert answer["ok"] is True
    return answer.data  # type: ignore[return-value]


def test_the_answer_is_slacks(server: Server, workspace: Workspace, posted: dict[str, str]) -> None:
    alice = server.client(workspace.alice.token)
    answer = search(alice, query="café")
    assert answer["query"] == "café"
    found = answer["messages"]
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
    [match] = found["matches"]
    assert match["type"] == "message" and match["text"] == "Le Café ouvre à 9h"
    assert match["channel"] == {
        "id": posted["lobby"],
        "name": "lobby",
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_mpim": False,
        "is_private": False,
        "is_shared": False,
        "is_ext_shared": False,
        "is_org_shared": False,
    }
    assert match["user"] == workspace.alice.user_id and match["username"] == "alice"
    assert match["team"] == workspace.team_id
    assert match["permalink"].endswith(
        f"/archives/{posted['lobby']}/p{match['ts'].replace('.', '')}"
    )
    assert match["score"] > 0 and match["iid"]
    assert "response_metadata" not in found


def test_a_dm_is_named_by_the_other_person(
    server: Server, workspace: Workspace, posted: dict[str, str]
) -> None:
    bob = server.client(workspace.bob.token)
    [match] = search(bob, query="private report")["messages"]["matches"]
    assert match["channel"]["id"] == posted["dm"]
    assert match["channel"]["name"] == workspace.alice.user_id
    assert (match["channel"]["is_im"], match["channel"]["is_private"]) == (True, True)
    # Carol is in neither: the DM is not hers to find.
    carol = server.client(workspace.carol.token)
    assert search(carol, query="private report")["messages"]["total"] == 0


def test_highlights_mark_each_match(
    server: Server, workspace: Workspace, posted: dict[str, str]
) -> None:
    alice = server.client(workspace.alice.token)
    [match] = search(alice, query="CAFE ouvre", highlight=True)["messages"]["matches"]
    s, e = HIGHLIGHT_START, HIGHLIGHT_END
    assert match["text"] == f"Le {s}Café{e} {s}ouvre{e} à 9h"
    # A prefix is marked where it begins a word (`ouvre`), and nowhere else.
    [match] = search(alice, query="caf* ouv*", highlight=True)["messages"]["matches"]
    assert match["text"] == f"Le {s}Caf{e}é {s}ouv{e}re à 9h"


def test_pages_and_sorting(server: Server, workspace: Workspace, posted: dict[str, str]) -> None:
    alice = server.client(workspace.alice.token)
    newest = search(alice, query="weekly report", sort="timestamp", count=100)["messages"]
    texts = [m["text"] for m in newest["matches"]]
    assert texts == [f"weekly report {n:02d}" for n in reversed(range(30))]
    oldest = search(alice, query="weekly report", sort="timestamp", sort_dir="asc", count=7, page=2)
    assert [m["text"] for m in oldest["messages"]["matches"]] == [
        f"weekly report {n:02d}" for n in range(7, 14)
    ]
    assert oldest["messages"]["paging"] == {"count": 7, "total": 30, "page": 2, "pages": 5}
    assert oldest["messages"]["pagination"]["first"] == 8
    assert oldest["messages"]["pagination"]["last"] == 14
    by_score = [
        m["text"]
        for p in range(1, 4)
        for m in search(alice, query="weekly report", page=p, count=10)["messages"]["matches"]
    ]
    assert sorted(by_score) == sorted(texts)


def test_a_cursor_walks_the_pages_and_new_messages_do_not_shift_them(
    server: Server, workspace: Workspace, posted: dict[str, str]
) -> None:
    alice = server.client(workspace.alice.token)
    first = search(alice, query="weekly report", sort="timestamp", count=12, cursor="*")
    seen = [m["text"] for m in first["messages"]["matches"]]
    cursor = first["messages"]["response_metadata"]["next_cursor"]
    # Posted after the first page: not in this walk (it would shift every page after).
    alice.chat_postMessage(channel=posted["lobby"], text="weekly report late")
    while cursor:
        page = search(alice, query="weekly report", sort="timestamp", count=12, cursor=cursor)
        seen += [m["text"] for m in page["messages"]["matches"]]
        cursor = page["messages"]["response_metadata"]["next_cursor"]
    assert seen == [f"weekly report {n:02d}" for n in reversed(range(30))]
    assert search(alice, query="weekly report late")["messages"]["total"] == 1


def test_search_all_has_messages_and_no_files(
    server: Server, workspace: Workspace, posted: dict[str, str]
) -> None:
    answer = server.client(workspace.alice.token).search_all(query="café").data
    assert isinstance(answer, dict)
    assert answer["messages"]["total"] == 1
    assert answer["files"]["total"] == 0 and answer["files"]["matches"] == []


def test_a_bots_words_in_blocks_and_attachments_are_found(
    server: Server, workspace: Workspace, posted: dict[str, str]
) -> None:
    bot = server.client(workspace.bot.token)
    bot.conversations_join(channel=posted["lobby"])
    bot.chat_postMessage(
        channel=posted["lobby"],
        text="Deploy finished",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "Deploy finished"}},
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Region:* xanadu-east"}]},
        ],
        attachments=[{"fallback": "Build 7", "fields": [{"title": "Owner", "value": "yolanda"}]}],
    )
    alice = server.client(workspace.alice.token)
    for query in ("xanadu", "yolanda", "xanadu yolanda"):
        [match] = search(alice, query=query, highlight=True)["messages"]["matches"]
        # The match is the message's text, marked only where the text itself matches.
        assert match["text"] == "Deploy finished", query
    [match] = search(alice, query="deploy yolanda", highlight=True)["messages"]["matches"]
    assert match["text"] == f"{HIGHLIGHT_START}Deploy{HIGHLIGHT_END} finished"


def test_bots_may_not_search(server: Server, workspace: Workspace, posted: dict[str, str]) -> None:
    assert error_of(lambda: server.client(workspace.bot.token).search_messages(query="x")) == (
        "not_allowed_token_type"
    )
    app = make_app(server.data_dir, name="Searcher", scopes=["chat:write"])
    for token in (app.bot_token, app.app_token):
        for method in ("search.messages", "search.all"):
            assert error_of(
                lambda t=token, m=method: server.client(t).api_call(m, params={"query": "x"})
            ) == ("not_allowed_token_type")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "no_query"),
        ({"query": ""}, "no_query"),
        ({"query": "   "}, "no_query"),
        ({"query": "x", "count": "ten"}, "invalid_arguments"),
        ({"query": "x", "page": "1.5"}, "invalid_arguments"),
        ({"query": "x", "cursor": "garbage"}, "invalid_cursor"),
        ({"query": "x", "cursor": "c2VhcmNoOjE6MjAw"}, "invalid_cursor"),  # page 200
        ({"query": "x", "highlight": "maybe"}, "invalid_arguments"),
        ({"query": "\x00 report"}, "invalid_arguments"),  # api/parse.py refuses NUL anywhere
    ],
)
def test_bad_arguments_get_slacks_errors(
    server: Server, workspace: Workspace, args: dict[str, str], error: str
) -> None:
    client = server.client(workspace.alice.token)
    assert error_of(lambda: client.api_call("search.messages", params=args)) == error


@pytest.mark.parametrize(
    "args",
    [
        {"query": "report " * 800},  # 5,600 characters
        {"query": "x" * 5000},
        {"query": '"unbalanced report'},
        {"query": "report in:#no-such-channel"},
        {"query": "report in:<#C0000NOPE>"},
        {"query": "report from:@nobody"},
        {"query": "report before:2026-13-45"},
        {"query": "report during:someday"},
        {"query": "report during:sept"},  # a month is its name or its first three letters
        {"query": "report before:january"},  # a month's name is a period, not a day
        {"query": "report", "page": "101"},
        {"query": "report", "page": "100000"},
        {"query": "NEAR(report OR weekly) AND body:x ^y"},
        {"query": "'; DROP TABLE messages; --"},
    ],
)
def test_what_cannot_match_finds_nothing(
    server: Server, workspace: Workspace, posted: dict[str, str], args: dict[str, str]
) -> None:
    found = server.client(workspace.alice.token).api_call("search.messages", params=args)
    assert found["ok"] is True
    assert found["messages"]["matches"] == []


@pytest.mark.parametrize(
    ("args", "count", "page"),
    [
        ({"count": "0"}, 20, 1),
        ({"count": "-3"}, 20, 1),
        ({"count": "1000"}, 100, 1),
        ({"page": "0"}, 20, 1),
        ({"page": "-1"}, 20, 1),
    ],
)
def test_counts_and_pages_out_of_range_are_brought_into_it(
    server: Server,
    workspace: Workspace,
    posted: dict[str, str],
    args: dict[str, str],
    count: int,
    page: int,
) -> None:
    found = server.client(workspace.alice.token).api_call(
        "search.messages", params={"query": "weekly", **args}
    )
    assert found["messages"]["paging"]["count"] == count
    assert found["messages"]["paging"]["page"] == page


def test_no_call_is_answered_with_a_server_error(server: Server, workspace: Workspace) -> None:
    with httpx.Client(base_url=server.api_url, timeout=30) as http:
        for body in ({"query": ["a", "list"]}, {"query": {"an": "object"}}, {"count": [1]}):
            resp = http.post(
                "search.messages",
                json=body,
                headers={"Authorization": f"Bearer {workspace.alice.token}"},
            )
            assert resp.status_code == 200 and resp.json()["ok"] is False, resp.text
