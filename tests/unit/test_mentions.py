"""What counts as a mention of a person (domain/mentions.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.mentions import MAX_SUBTEAMS, mention_markers, mentions, subteams

ME = "U0ME"


@pytest.mark.parametrize(
    "text",
    [
        "<@U0ME>",
        "hi <@U0ME> there",
        "<@U0ME|ada>",
        "<@U0ME|Ada Lovelace> look",
        "<!here>",
        "<!here|here>",
        "<!here|@here> now",
        "<!channel>",
        "<!channel|@channel>",
        "<!everyone>",
        "<!everyone|everyone>",
        "<@U0OTHER> and <@U0ME>",
        "<@U0OTHER> and <!here>",
    ],
)
def test_mentions(text: str) -> None:
    assert mentions(text, ME)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "U0ME",
        "@U0ME",
        "<@U0MEX>",  # a longer id, not ME's
        "<@U0ME",  # never closed
        "<@u0me>",  # ids are upper case
        "<@U0OTHER>",
        "<@U0OTHER|U0ME>",  # ME's id only as someone else's label
        "&lt;@U0ME&gt;",  # typed as text: Slack escapes it
        "<!subteam^S123|@team>",
        "<!date^1392734382^{date}|Feb 18>",
        "<!heres>",
        "here channel everyone @here",
        "<#C123|here>",
    ],
)
def test_not_mentions(text: str) -> None:
    assert not mentions(text, ME)


@given(st.text(alphabet="<>@!|U0MEherchanlvyo ", max_size=40))
def test_every_mention_holds_a_marker(text: str) -> None:
    """The store's prefilter (mention_markers) never drops a text that mentions."""
    if mentions(text, ME):
        assert any(marker in text for marker in mention_markers(ME))


GROUPS = frozenset({"S0DEVS", "S0OPS"})


@pytest.mark.parametrize(
    "text", ["<!subteam^S0DEVS>", "hi <!subteam^S0DEVS|@devs>", "<!subteam^S0OPS|ops> now"]
)
def test_a_group_of_mine_mentions_me(text: str) -> None:
    assert mentions(text, ME, GROUPS)
    assert not mentions(text, ME)  # not without knowing the groups
    assert any(marker in text for marker in mention_markers(ME, GROUPS))


@pytest.mark.parametrize(
    "text",
    ["<!subteam^S0OTHER|@devs>", "<!subteam^S0DEVSX>", "<!subteam^s0devs>", "<#C1|S0DEVS>"],
)
def test_another_group_or_a_label_alone_does_not(text: str) -> None:
    assert not mentions(text, ME, GROUPS)


def test_subteams_are_the_groups_named_once_each_and_bounded() -> None:
    assert subteams("<!subteam^S1|@a> <!subteam^S2> <!subteam^S1> <@U1> <!here>") == {"S1", "S2"}
    many = " ".join(f"<!subteam^S{n}>" for n in range(MAX_SUBTEAMS + 5))
    assert subteams(many) == {f"S{n}" for n in range(MAX_SUBTEAMS)}
