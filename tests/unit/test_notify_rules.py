"""Who a new message notifies and why (domain/notify.py), do-not-disturb arithmetic, and what a
notification says."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hubbub.domain.notify import (
    MAX_SNOOZE_MINUTES,
    Notice,
    Posted,
    Pref,
    candidates,
    desktop_notification,
    dnd_status,
    email_body,
    email_message_id,
    email_subject,
    notifies,
    plain_text,
    recipients,
    snooze_fields,
)

AUTHOR, ADA, BOB, CAROL, BOT = "UAUTHOR", "UADA", "UBOB", "UCAROL", "UBOT"
MEMBERS = [AUTHOR, ADA, BOB, CAROL, BOT]


def channel(
    text: str, *, thread_only: bool = False, thread_people: frozenset[str] = frozenset()
) -> Posted:
    return Posted(AUTHOR, text, is_dm=False, thread_only=thread_only, thread_people=thread_people)


def who(
    posted: Posted, prefs: dict[str, Pref] | None = None, *, active: frozenset[str] = frozenset()
) -> dict[str, str]:
    return recipients(posted, MEMBERS, prefs=prefs or {}, active=active, bots=frozenset({BOT}))


# -- mentions --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [f"hi <@{ADA}>", f"<@{ADA}|ada> look", f"<@{ADA}|Ada L.>!"])
def test_a_named_member_is_notified_and_nobody_else(text: str) -> None:
    assert who(channel(text)) == {ADA: "mention"}


def test_the_author_is_never_notified_even_when_they_name_themselves() -> None:
    assert who(channel(f"<@{AUTHOR}> and <@{ADA}>")) == {ADA: "mention"}


def test_bots_are_never_notified() -> None:
    assert who(channel(f"<@{BOT}>")) == {}
    assert who(channel("<!channel>")) == {ADA: "channel", BOB: "channel", CAROL: "channel"}


def test_someone_named_who_is_not_a_member_is_not_notified() -> None:
    assert who(channel("<@UOUTSIDER>")) == {}


def test_plain_text_and_lookalikes_notify_nobody_in_a_channel() -> None:
    for text in ("hello", f"@{ADA}", f"<{ADA}>", "<!herebody>", "<#C1|here>"):
        assert who(channel(text)) == {}, text


@pytest.mark.parametrize("text", ["<!channel>", "<!everyone>", "<!channel|@channel> hi"])
def test_channel_and_everyone_reach_every_member(text: str) -> None:
    assert who(channel(text)) == {ADA: "channel", BOB: "channel", CAROL: "channel"}


def test_here_reaches_active_members_only() -> None:
    assert who(channel("<!here>"), active=frozenset({BOB, AUTHOR})) == {BOB: "here"}
    assert who(channel("<!here|@here>"), active=frozenset()) == {}


def test_a_direct_mention_wins_over_a_broadcast() -> None:
    assert who(channel(f"<!here> <@{ADA}>"), active=frozenset({BOB})) == {
        ADA: "mention",
        BOB: "here",
    }


# -- DMs and threads -------------------------------------------------------------------------


def test_every_other_member_of_a_dm_is_notified_of_any_message() -> None:
    posted = Posted(author=AUTHOR, text="hello", is_dm=True, thread_only=False)
    assert recipients(posted, [AUTHOR, ADA], prefs={}) == {ADA: "dm"}
    assert recipients(posted, [AUTHOR, ADA, BOB], prefs={}) == {ADA: "dm", BOB: "dm"}


def test_a_thread_reply_notifies_its_participants() -> None:
    reply = channel("me too", thread_only=True, thread_people=frozenset({ADA, BOB, AUTHOR}))
    assert who(reply) == {ADA: "thread", BOB: "thread"}


def test_a_thread_reply_is_no_message_for_those_set_to_all() -> None:
    reply = channel("me too", thread_only=True, thread_people=frozenset({ADA}))
    assert who(reply, {CAROL: Pref("all")}) == {ADA: "thread"}
    shown = channel("me too", thread_only=False, thread_people=frozenset({ADA}))
    assert who(shown, {CAROL: Pref("all")}) == {ADA: "thread", CAROL: "message"}


# -- preferences -----------------------------------------------------------------------------


def test_level_all_hears_every_message_of_a_channel() -> None:
    assert who(channel("hello"), {BOB: Pref("all")}) == {BOB: "message"}


def test_level_nothing_and_muted_silence_even_mentions() -> None:
    text = f"<@{ADA}> <@{BOB}> <@{CAROL}>"
    prefs = {ADA: Pref("nothing"), BOB: Pref(muted=True), CAROL: Pref("all", muted=True)}
    assert who(channel(text), prefs) == {}
    assert who(channel("<!channel>"), prefs) == {}


def test_level_mentions_in_a_dm_takes_mentions_only() -> None:
    posted = Posted(author=AUTHOR, text="hello", is_dm=True, thread_only=False)
    assert recipients(posted, [AUTHOR, ADA], prefs={ADA: Pref("mentions")}) == {}
    named = Posted(author=AUTHOR, text=f"<@{ADA}>", is_dm=True, thread_only=False)
    assert recipients(named, [AUTHOR, ADA], prefs={ADA: Pref("mentions")}) == {ADA: "mention"}


def test_defaults_are_mentions_for_channels_and_all_for_dms() -> None:
    assert Pref().effective(is_dm=False) == "mentions"
    assert Pref().effective(is_dm=True) == "all"
    assert Pref("nothing").effective(is_dm=True) == "nothing"


def test_candidates_narrow_a_channel_message_to_the_named_participants_and_listeners() -> None:
    reply = channel(f"<@{ADA}>", thread_only=True, thread_people=frozenset({BOB}))
    assert candidates(reply, [CAROL]) == {ADA, BOB}
    assert candidates(channel(f"<@{ADA}>"), [CAROL]) == {ADA, CAROL}
    assert candidates(channel("<!here>"), []) is None
    assert candidates(Posted(AUTHOR, "x", is_dm=True, thread_only=False), []) is None


# -- which events notify ---------------------------------------------------------------------


def test_only_new_messages_of_people_notify() -> None:
    base = {"type": "message", "ts": "1.000001", "user": AUTHOR, "text": "<@UADA>"}
    assert notifies(base)
    assert notifies({**base, "subtype": "thread_broadcast"})
    assert notifies({**base, "subtype": "bot_message"})
    for subtype in ("message_changed", "message_deleted", "channel_join", "channel_topic"):
        assert not notifies({**base, "subtype": subtype}), subtype
    assert not notifies({**base, "hidden": True})
    assert not notifies({**base, "type": "reaction_added"})


# -- do not disturb --------------------------------------------------------------------------


def test_snooze_fields_count_down_and_end() -> None:
    assert snooze_fields(1_000 + 60, 1_000) == {
        "snooze_enabled": True,
        "snooze_endtime": 1_060,
        "snooze_remaining": 60,
        "snooze_is_indefinite": False,
    }
    assert snooze_fields(1_000, 1_000) == {"snooze_enabled": False}
    assert snooze_fields(0, 1_000) == {"snooze_enabled": False}


def test_dnd_status_shows_snooze_fields_to_their_owner_only() -> None:
    schedule = {"dnd_enabled": False, "next_dnd_start_ts": 1, "next_dnd_end_ts": 1}
    assert dnd_status(2_000, 1_000, own=False) == schedule
    assert dnd_status(2_000, 1_000, own=True)["snooze_remaining"] == 1_000
    assert dnd_status(0, 1_000, own=True) == {**schedule, "snooze_enabled": False}
    assert MAX_SNOOZE_MINUTES == 365 * 24 * 60


# -- what it says ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("hi <@UADA>", "hi @Ada"),
        ("hi <@UADA|ada>", "hi @ada"),
        ("<@UNOBODY>", "@UNOBODY"),
        ("see <#C1|general>", "see #general"),
        ("<!here> <!channel|@channel> <!everyone>", "@here @channel @everyone"),
        ("<https://x.test/a|the doc>", "the doc (https://x.test/a)"),
        ("<https://x.test/a>", "https://x.test/a"),
        ("a &lt;b&gt; &amp; c", "a <b> & c"),
        ("&amp;lt;", "&lt;"),
        ("*bold* _it_", "*bold* _it_"),
    ],
)
def test_plain_text(text: str, plain: str) -> None:
    assert plain_text(text, {"UADA": "Ada"}) == plain


NOTICE = Notice(
    team_id="T1",
    team_name="Acme",
    channel_id="C1",
    where="#general",
    is_dm=False,
    author_name="Bob",
    text="hi @Ada",
    ts="1700000000.000100",
    permalink="http://h/archives/C1/p1700000000000100",
)


def test_desktop_notification_has_slacks_fields() -> None:
    event = desktop_notification(NOTICE, "1700000000.000200")
    assert set(event) == {
        "type",
        "title",
        "subtitle",
        "msg",
        "content",
        "channel",
        "launchUri",
        "avatarImage",
        "ssbFilename",
        "imageUri",
        "is_shared",
        "event_ts",
    }
    assert event["type"] == "desktop_notification"
    assert (event["title"], event["subtitle"], event["content"]) == (
        "Acme",
        "#general",
        "Bob: hi @Ada",
    )
    assert (event["msg"], event["channel"]) == ("1700000000.000100", "C1")


def test_email_subject_and_body() -> None:
    assert email_subject(NOTICE) == "New message from Bob in #general"
    body = email_body(NOTICE)
    assert "hi @Ada" in body and NOTICE.permalink in body
    assert email_subject(replace(NOTICE, is_dm=True, where="Bob")) == "New message from Bob"


def test_a_groups_members_are_notified_as_if_named() -> None:
    posted = replace(channel("<!subteam^S1|@devs>"), group_people=frozenset({ADA, AUTHOR, BOT}))
    assert who(posted) == {ADA: "mention"}
    assert candidates(posted, []) == frozenset({ADA, AUTHOR, BOT})
    muted = {ADA: Pref(muted=True)}
    assert who(posted, muted) == {}


def test_a_notifications_email_has_one_message_id_however_often_it_is_sent() -> None:
    """An email job that crashed after sending sends again: the mailbox must be able to tell it
    is the same email (`hubbub chaos run` seed 100 caught one sent twice)."""
    first = email_message_id("U1", "D1", "1796642885.403789", "acme.test")
    assert first == email_message_id("U1", "D1", "1796642885.403789", "acme.test")
    assert first.startswith("<") and first.endswith("@acme.test>")
    others = {
        email_message_id("U2", "D1", "1796642885.403789", "acme.test"),
        email_message_id("U1", "D2", "1796642885.403789", "acme.test"),
        email_message_id("U1", "D1", "1796642885.403790", "acme.test"),
    }
    assert first not in others and len(others) == 3
