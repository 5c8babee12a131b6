"""How Web API arguments are read: Slack's coercions, nothing looser."""

from __future__ import annotations

import pytest

from hubbub.api.call import Call
from hubbub.domain.errors import SlackError


@pytest.mark.parametrize(
    "value", ["+5", " 5", "5 ", "1_0", "٣", "2.7", 2.7, "0x10", True, "", None]
)
def test_integer_arguments_are_plain_decimal_digits(value: object) -> None:
    call = Call(hub=None, who=None, method="x", args={"limit": value})  # type: ignore[arg-type]
    if value in ("", None):
        assert call.integer("limit", 7) == 7
    else:
        with pytest.raises(SlackError) as err:
            call.integer("limit")
        assert err.value.code == "invalid_arguments"


@pytest.mark.parametrize(("value", "expected"), [("5", 5), ("-3", -3), (12, 12), ("007", 7)])
def test_integer_arguments_accepted(value: object, expected: int) -> None:
    call = Call(hub=None, who=None, method="x", args={"limit": value})  # type: ignore[arg-type]
    assert call.integer("limit") == expected
