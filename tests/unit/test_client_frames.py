"""RTM client frames against their schemas: every object is a frame or a named refusal."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.realtime import client_frames
from hubbub.realtime.client_frames import Refused

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = st.sampled_from(["type", "id", "ids", "channel", "text"])
TYPES = st.sampled_from([*client_frames.KINDS, "nope"]) | JSON


@given(st.dictionaries(FIELDS, JSON, max_size=5), TYPES)
def test_any_object_is_a_frame_or_refused(body: dict[str, Any], kind: Any) -> None:
    body = {**body, "type": kind}
    try:
        got = client_frames.parse(body)
    except Refused as exc:
        assert exc.msg == "unsupported_type" or exc.msg.startswith("invalid_")
    else:
        assert got.type == kind
        if isinstance(got, client_frames.PresenceSub | client_frames.PresenceQuery):
            assert all(isinstance(i, str) for i in got.ids)


def test_well_formed_frames_parse() -> None:
    sub = client_frames.parse({"type": "presence_sub", "ids": ["U1", "U2"]})
    assert isinstance(sub, client_frames.PresenceSub) and sub.ids == ["U1", "U2"]
    ping = client_frames.parse({"type": "ping", "id": 3, "time": 5})
    assert isinstance(ping, client_frames.Ping) and ping.id == 3
    message = client_frames.parse({"type": "message", "id": 1, "channel": "C1"})
    assert isinstance(message, client_frames.Message) and message.text is None


@pytest.mark.parametrize(
    ("body", "reply_to", "msg"),
    [
        ({"type": "presence_sub", "id": 4, "ids": [["U1"]]}, 4, "invalid_ids"),
        ({"type": "typing", "id": 5}, 5, "invalid_channel"),
        ({"type": "typing", "id": 6, "channel": "C" * 65}, 6, "invalid_channel"),
        ({"type": "ping", "id": 1.5}, None, "invalid_id"),
        ({"type": "walk", "id": 2}, 2, "unsupported_type"),
        ({"id": 2}, 2, "unsupported_type"),
    ],
)
def test_refusals_name_the_field(body: dict[str, Any], reply_to: int | None, msg: str) -> None:
    with pytest.raises(Refused) as refused:
        client_frames.parse(body)
    assert (refused.value.reply_to, refused.value.msg) == (reply_to, msg)
