"""The pure rules of domain/: timestamps, cursors, names and message content (Slack's errors)."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hubbub.domain import cursor
from hubbub.domain.blocks import MAX_BLOCKS
from hubbub.domain.errors import SlackError
from hubbub.domain.ids import invite_team, new_id, new_invite_code
from hubbub.domain.names import check_channel_name, check_domain, im_key, im_other, mpim_name
from hubbub.domain.text import MAX_TEXT, check_content
from hubbub.domain.ts import from_micros, is_ts, parse_bound, to_micros

# Microseconds from 1970 to the year 2286, where ts keeps ten digits of seconds.
MICROS = st.integers(0, 10**16 - 1)
NOW = 1_763_900_000_123_456  # a plausible wall clock, in microseconds


def _code(exc: pytest.ExceptionInfo[SlackError]) -> str:
    return exc.value.code


# -- ts -------------------------------------------------------------------------------------


@given(MICROS)
def test_ts_round_trips_and_looks_like_slacks(us: int) -> None:
    ts = from_micros(us)
    assert to_micros(ts) == us
    assert is_ts(ts)
    seconds, micros = ts.split(".")
    assert len(micros) == 6 and seconds.isdigit()


@given(MICROS, MICROS)
def test_ts_text_order_is_time_order(a: int, b: int) -> None:
    # Slack clients (and our queries) compare ts as strings.
    assert (from_micros(a) < from_micros(b)) == (a < b)


@pytest.mark.parametrize(
    ("given_", "expected_us"),
    [
        ("0", 0),
        ("1355517523", 1_355_517_523_000_000),
        ("1355517523.", 1_355_517_523_000_000),
        ("1355517523.5", 1_355_517_523_500_000),
        ("1355517523.45", 1_355_517_523_450_000),
        ("1355517523.000005", 1_355_517_523_000_005),
        ("5", 5_000_000),
    ],
)
def test_parse_bound_normalises_to_stored_form(given_: str, expected_us: int) -> None:
    bound = parse_bound(given_)
    assert bound is not None and is_ts(bound)
    assert to_micros(bound) == expected_us
    assert parse_bound(bound) == bound  # idempotent: canonical form parses to itself


@pytest.mark.parametrize(
    "bad", ["", ".", "abc", "-1", "1.-5", "1.2.3", "1.1234567", "1e5", "0x10", "1,5", "nan"]
)
def test_parse_bound_refuses_what_is_not_a_time(bad: str) -> None:
    assert parse_bound(bad) is None


@given(st.integers(0, 10**10 - 1), st.integers(0, 10**10 - 1))
def test_parse_bound_keeps_text_order_for_short_and_long_seconds(a: int, b: int) -> None:
    # "5" must sort before "1355517523" (text compare of unpadded seconds would not).
    pa, pb = parse_bound(str(a)), parse_bound(str(b))
    assert pa is not None and pb is not None
    assert (pa < pb) == (a < b)
    assert (pa < from_micros(NOW)) == (a * 1_000_000 < NOW)


def test_parse_bound_of_a_far_future_second_is_past_every_ts() -> None:
    bound = parse_bound("99999999999999999999")
    assert bound is not None
    assert bound >= from_micros(10**16 - 1)


@given(st.text(max_size=30))
def test_parse_bound_never_raises(value: str) -> None:
    bound = parse_bound(value)
    assert bound is None or is_ts(bound)


# -- cursors --------------------------------------------------------------------------------


@given(st.sampled_from(["next_ts", "user", "channel"]), st.text(min_size=1))
def test_cursor_round_trips(kind: str, key: str) -> None:
    token = cursor.encode(kind, key)
    assert token.isascii()
    assert cursor.decode(kind, token) == key


def test_cursor_of_another_kind_is_invalid() -> None:
    with pytest.raises(SlackError) as err:
        cursor.decode("next_ts", cursor.encode("user", "U123"))
    assert _code(err) == "invalid_cursor"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "%%%",
        "not base64!",
        "====",
        "é",
        "bm9wZQ==",  # "nope": no kind
        base64.b64encode(b"next_ts:").decode(),  # no key
        base64.b64encode(b"\xff\xfe:x").decode(),  # not UTF-8
        "bmV4dF90czoxMjM",  # padding missing
    ],
)
def test_garbage_cursor_is_invalid_cursor(garbage: str) -> None:
    with pytest.raises(SlackError) as err:
        cursor.decode("next_ts", garbage)
    assert _code(err) == "invalid_cursor"


@given(st.text())
def test_any_cursor_decodes_or_is_invalid_cursor(garbage: str) -> None:
    try:
        key = cursor.decode("next_ts", garbage)
    except SlackError as exc:
        assert exc.code == "invalid_cursor"
    else:
        assert key


def test_clamp_limit() -> None:
    assert cursor.clamp_limit(None, default=100) == 100
    assert cursor.clamp_limit(0, default=100) == 100
    with pytest.raises(SlackError) as err:
        cursor.clamp_limit(-3, default=100)
    assert _code(err) == "invalid_limit"
    assert cursor.clamp_limit(7, default=100) == 7
    assert cursor.clamp_limit(5000, default=100, maximum=1000) == 1000


# -- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Has-Caps", "invalid_name_specials"),
        ("with space", "invalid_name_specials"),
        ("dots.not.allowed", "invalid_name_specials"),
        ("#general", "invalid_name_specials"),
        ("émoji", "invalid_name_specials"),
        ("new\nline", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("_", "invalid_name_punctuation"),
        ("-_-", "invalid_name_punctuation"),
    ],
)
def test_bad_channel_names_get_slacks_errors(name: str, code: str) -> None:
    with pytest.raises(SlackError) as err:
        check_channel_name(name)
    assert _code(err) == code


@pytest.mark.parametrize("name", ["general", "dev-ops_2", "x" * 80, "a", "2024", "-a-"])
def test_good_channel_names_pass(name: str) -> None:
    assert check_channel_name(name) == name


@given(st.text(max_size=100))
def test_channel_name_check_is_total(name: str) -> None:
    try:
        assert check_channel_name(name) == name
    except SlackError as exc:
        assert exc.code.startswith("invalid_name_")


@pytest.mark.parametrize("domain", ["acme", "a", "a1-b2", "x" * 21])
def test_good_domains(domain: str) -> None:
    assert check_domain(domain) == domain


@pytest.mark.parametrize("domain", ["", "-acme", "acme-", "Acme", "ac me", "x" * 22, "a.b"])
def test_bad_domains(domain: str) -> None:
    with pytest.raises(SlackError) as err:
        check_domain(domain)
    assert _code(err) == "invalid_domain"


def test_dm_keys_are_symmetric_and_never_channel_names() -> None:
    key = im_key("UBBB", "UAAA")
    assert key == im_key("UAAA", "UBBB")
    assert im_other(key, "UAAA") == "UBBB" and im_other(key, "UBBB") == "UAAA"
    assert im_other(im_key("UAAA", "UAAA"), "UAAA") == "UAAA"
    with pytest.raises(SlackError):
        check_channel_name(key)
    assert mpim_name(["carol", "alice", "bob"]) == "mpdm-alice--bob--carol-1"


# -- message content ------------------------------------------------------------------------


def _refused(text: str | None, blocks: object = None, attachments: object = None) -> str:
    with pytest.raises(SlackError) as err:
        check_content(text, blocks, attachments)
    return _code(err)


def test_no_text() -> None:
    assert _refused(None) == "no_text"
    assert _refused("") == "no_text"
    assert _refused(" \n\t ") == "no_text"
    assert _refused("", blocks=[]) == "no_text"  # an empty list of blocks is no content
    assert _refused(None, attachments=[]) == "no_text"


def test_text_length_boundary_is_40000_characters() -> None:
    assert check_content("x" * MAX_TEXT, None, None)[0] == "x" * MAX_TEXT
    assert _refused("x" * (MAX_TEXT + 1)) == "msg_too_long"
    # Characters, not bytes: 40,000 emoji (160,000 UTF-8 bytes) are within the limit.
    assert check_content("🙂" * MAX_TEXT, None, None)[0] == "🙂" * MAX_TEXT
    assert _refused("🙂" * (MAX_TEXT + 1)) == "msg_too_long"
    # Blocks do not excuse over-long text.
    assert _refused("x" * (MAX_TEXT + 1), blocks=[{"type": "divider"}]) == "msg_too_long"


@pytest.mark.parametrize(
    "blocks",
    [
        "[]",
        {"type": "section"},
        [1],
        ["section"],
        [None],
        [{"text": "no type"}],
        [{"type": 5}],
        [{"type": "divider"}] * (MAX_BLOCKS + 1),
    ],
)
def test_invalid_blocks(blocks: object) -> None:
    assert _refused("fallback", blocks=blocks) == "invalid_blocks"


def test_blocks_alone_are_content() -> None:
    text, blocks, attachments = check_content(None, [{"type": "divider"}] * MAX_BLOCKS, None)
    assert text == "" and blocks is not None and len(blocks) == MAX_BLOCKS
    assert attachments is None
    assert check_content("hi", [], [])[1:] == (None, None)  # empty lists normalise to None


def test_invalid_attachments() -> None:
    assert _refused("x", attachments={"a": 1}) == "invalid_attachments"
    assert _refused("x", attachments=["a"]) == "invalid_attachments"
    assert _refused("x", attachments=[{}] * 101) == "too_many_attachments"
    assert check_content(None, None, [{"fallback": "f"}])[2] == [{"fallback": "f"}]


def test_a_trailing_newline_is_not_part_of_a_valid_value() -> None:
    # `$` in a pattern also matches before a final newline; every rule must refuse it.
    with pytest.raises(SlackError):
        check_channel_name("general\n")
    with pytest.raises(SlackError):
        check_domain("acme\n")
    assert not is_ts("1355517523.000005\n")
    assert parse_bound("1355517523\n") is None


# -- invite codes ---------------------------------------------------------------------------


def test_an_invite_code_names_its_team() -> None:
    team = new_id("T")
    code = new_invite_code(team)
    assert invite_team(code) == team
    assert new_invite_code(team) != code
    assert quote(code, safe="") == code  # sits in a URL path as it is


@pytest.mark.parametrize(
    "bad",
    [
        "",
        ".",
        "TAAAAAAAAAA",
        "TAAAAAAAAAA.",
        "UAAAAAAAAAA." + "A" * 32,  # not a team
        "TAAAAAAAAAA." + "A" * 31,
        "TAAAAAAAAAA." + "A" * 33,
        "TAAAAAAAAAA." + "A" * 31 + "/",
        "Taaaaaaaaaa." + "A" * 32,
    ],
)
def test_what_is_no_invite_code(bad: str) -> None:
    assert invite_team(bad) is None


@pytest.mark.parametrize("text", ["0", "7", "123456789012345678"])
def test_a_cursors_count_is_ascii_digits(text: str) -> None:
    assert cursor.decimal(text) == int(text)


@pytest.mark.parametrize(
    "text", ["", "²", "١٢", "-1", "+1", " 1", "1_0", "1.5", "1234567890123456789", "9" * 400]
)
def test_anything_else_as_a_cursors_count_is_invalid_cursor(text: str) -> None:
    with pytest.raises(SlackError) as err:
        cursor.decimal(text)
    assert _code(err) == "invalid_cursor"


@given(st.text())
def test_any_text_is_a_count_below_2_to_63_or_invalid_cursor(text: str) -> None:
    try:
        number = cursor.decimal(text)
    except SlackError as exc:
        assert exc.code == "invalid_cursor"
    else:
        assert 0 <= number < 2**63


def test_a_cursors_fields_keep_colons_in_the_last() -> None:
    token = cursor.encode("reaction", "12:C1:1.000001:thumbsup::skin-tone-2")
    assert cursor.fields("reaction", token, 4) == ["12", "C1", "1.000001", "thumbsup::skin-tone-2"]
    for key in ("12:C1:1.000001", "12::1.000001:x", ":C1:1.000001:x"):
        with pytest.raises(SlackError) as err:
            cursor.fields("reaction", cursor.encode("reaction", key), 4)
        assert _code(err) == "invalid_cursor"
