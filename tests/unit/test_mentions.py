"""What counts as a mention of a person (domain/mentions.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain.mentions import mention_markers, mentions

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
