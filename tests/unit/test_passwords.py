"""Password hashing and the session CSRF token: pure functions, no server."""

from __future__ import annotations

from hubbub.services.auth import check_password, csrf_matches, hash_password, session_csrf


def test_hash_is_argon2id_salted_and_never_the_password() -> None:
    first, second = hash_password("hunter2hunter2"), hash_password("hunter2hunter2")
    assert first.startswith("$argon2id$")
    assert "hunter2" not in first
    assert first != second  # a fresh salt each time


def test_check_password() -> None:
    stored = hash_password("correct horse")
    assert check_password(stored, "correct horse")
    assert not check_password(stored, "correct horse ")
    assert not check_password(stored, "")
    assert not check_password(None, "correct horse")
    assert not check_password("", "correct horse")
    assert not check_password("not-a-hash", "correct horse")
    assert not check_password("correct horse", "correct horse")  # plain text never matches


def test_session_csrf_is_tied_to_the_session() -> None:
    token = session_csrf("xoxc-T1-U1-abc")
    assert token == session_csrf("xoxc-T1-U1-abc")
    assert token != session_csrf("xoxc-T1-U1-abd")
    assert "abc" not in token
    assert csrf_matches(token, token)
    assert not csrf_matches(token, token[:-1])
    assert not csrf_matches(token, "")
    assert not csrf_matches(token, None)
