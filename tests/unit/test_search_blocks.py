"""The words of blocks and attachments that search indexes (domain/search_blocks.py): each place
Block Kit and legacy attachments hold a message's words, link previews left out, and the
bounds on what is taken from a large or strange message."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.previews import Preview, attachment
from hubbub.domain.search_blocks import MAX_CHARS, MAX_NODES, searchable_text
from tests.support.blocks import plain


def mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


BLOCKS: list[Any] = [
    {"type": "header", "text": plain("Deploy report")},
    {"type": "section", "text": mrkdwn("*Service:* checkout"), "fields": [mrkdwn("eu-west")]},
    {
        "type": "section",
        "text": mrkdwn("Pick one"),
        # A button's label is a control, not a word of the message.
        "accessory": {"type": "button", "text": plain("Approve"), "action_id": "a"},
    },
    {
        "type": "context",
        "elements": [
            {"type": "image", "image_url": "https://x.test/i.png", "alt_text": "avatar"},
            mrkdwn("by the release bot"),
        ],
    },
    {"type": "divider"},
    {"type": "markdown", "text": "**all green**"},
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [
                    {"type": "text", "text": "hello "},
                    {"type": "text", "text": "world", "style": {"bold": True}},
                    {"type": "user", "user_id": "U123"},
                    {"type": "link", "url": "https://example.com", "text": "the docs"},
                ],
            },
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "one"}]},
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "two"}]},
                ],
            },
            {
                "type": "rich_text_preformatted",
                "elements": [{"type": "link", "url": "https://bare.test/"}],
            },
        ],
    },
]


def test_blocks_give_their_words_one_piece_a_line() -> None:
    assert searchable_text("", BLOCKS, None).split("\n") == [
        "",
        "Deploy report",
        "*Service:* checkout",
        "eu-west",
        "Pick one",
        "by the release bot",
        "**all green**",
        "hello worldthe docs",
        "one",
        "two",
        "https://bare.test/",
    ]


def test_attachments_give_their_words_and_their_blocks() -> None:
    legacy = {
        "fallback": "Build 12 failed",
        "pretext": "Nightly",
        "title": "Build 12",
        "text": "failed at step compile",
        "fields": [{"title": "Branch", "value": "main", "short": True}],
        "blocks": [{"type": "section", "text": mrkdwn("inner words")}],
        "color": "danger",
    }
    assert searchable_text("build news", None, [legacy]).split("\n") == [
        "build news",
        "Nightly",
        "Build 12",
        "failed at step compile",
        "Build 12 failed",
        "Branch",
        "main",
        "inner words",
    ]


def test_link_previews_are_left_out() -> None:
    preview = Preview(
        url="https://news.test/a",
        title="A story worth reading",
        text="What happened",
        title_link="https://news.test/a",
        service_name="Local News",
    )
    unfurl = attachment(preview, "https://news.test/a", 1)
    message_unfurl = {"from_url": "https://acme.test/archives/C1/p1", "text": "quoted"}
    own = {"text": "the bot's own words"}
    assert searchable_text("see <https://news.test/a>", None, [unfurl, message_unfurl, own]) == (
        "see <https://news.test/a>\nthe bot's own words"
    )


def test_the_text_alone_is_the_text() -> None:
    assert searchable_text("just this", None, None) == "just this"
    assert searchable_text("just this", [], []) == "just this"
    # Rich text saying again what the text says (a client's post) adds nothing.
    rich = [{"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [
        {"type": "text", "text": "just this"}]}]}]  # fmt: skip
    assert searchable_text("just this", rich, None) == "just this"


def test_what_is_taken_is_bounded() -> None:
    big = [{"type": "section", "text": mrkdwn(f"{n:05d}" + "x" * 995)} for n in range(100)]
    body = searchable_text("", big, None)
    assert len(body) <= MAX_CHARS + 100  # the pieces' line breaks besides
    assert "00039" in body and "00040" not in body  # forty pieces of a thousand
    many = [{"type": "section", "text": mrkdwn(f"w{n}")} for n in range(MAX_NODES * 2)]
    pieces = searchable_text("", many, None).split("\n")
    assert len(pieces) < MAX_NODES
    deep: Any = {"type": "text", "text": "too deep"}
    for _ in range(100):
        deep = {"type": "rich_text_quote", "elements": [deep]}
    assert "too deep" not in searchable_text("", [{"type": "rich_text", "elements": [deep]}], None)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["type", "text", "elements", "fields", "title", "value", "blocks", "x"]
            ),
            inner
            | st.sampled_from(["section", "rich_text", "rich_text_section", "text", "context"]),
            max_size=5,
        )
    ),
    max_leaves=30,
)


@given(st.text(max_size=30), JSON, JSON)
def test_any_json_at_all_gives_text(text: str, blocks: Any, attachments: Any) -> None:
    out = searchable_text(text, blocks, attachments)
    assert isinstance(out, str) and out.startswith(text)
