"""tests/support/waiting.py, the one way tests wait: the first truthy value of the check comes
back; a check that never holds fails the test with what was awaited. Frames are received up to
the one awaited, and a deadline holds even while other frames keep coming."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.waiting import receive_until, until, wait_for


def test_wait_for_returns_the_first_truthy_answer() -> None:
    answers = iter([None, 0, [], ["found"], ["later"]])
    assert wait_for(lambda: next(answers), interval=0) == ["found"]
    assert next(answers) == ["later"]  # asked no more once it held


def never() -> bool:
    return False


def test_wait_for_says_what_timed_out() -> None:
    with pytest.raises(AssertionError, match=r"^timed out: the moon$"):
        wait_for(never, timeout=0, what="the moon")
    with pytest.raises(AssertionError, match=r"^timed out: never$"):
        wait_for(never, timeout=0)  # by the check's name
    seen: list[str] = []
    with pytest.raises(AssertionError, match=r"^timed out: saw \['a'\]$"):
        wait_for(lambda: seen.append("a"), timeout=0, what=lambda: f"saw {seen}")


def test_until_awaits_a_coroutine_check_and_lets_other_tasks_run() -> None:
    async def main() -> tuple[str, str]:
        box: list[str] = []

        async def later() -> None:
            await asyncio.sleep(0)
            box.append("done")

        task = asyncio.create_task(later())
        plain = await until(lambda: box[:1] and box[0])

        async def probe() -> str | None:
            return box[0] if box else None

        awaited = await until(probe)
        await task
        return plain, awaited

    assert asyncio.run(main()) == ("done", "done")


def test_until_says_what_timed_out() -> None:
    async def check() -> bool:
        return False

    with pytest.raises(AssertionError, match=r"^timed out: an answer$"):
        asyncio.run(until(check, within_s=0, what="an answer"))


def test_receive_until_gives_the_frames_up_to_the_awaited_one() -> None:
    frames = iter(["hello", "typing", "message", "later"])
    asked: list[float] = []

    def recv(timeout: float) -> str:
        asked.append(timeout)
        return next(frames)

    assert receive_until(recv, lambda f: f == "message", 5) == ["hello", "typing", "message"]
    assert next(frames) == "later"  # read no more once it came
    assert all(0 < t <= 5 for t in asked)  # each read waits at most what is left


def test_receive_until_passes_on_the_sockets_timeout() -> None:
    def silent(timeout: float) -> str:
        raise TimeoutError(f"nothing in {timeout}")

    with pytest.raises(TimeoutError, match=r"^nothing in "):
        receive_until(silent, lambda f: True, 1)


def test_receive_until_keeps_its_deadline_while_other_frames_come() -> None:
    chatter = iter(range(100))  # without the deadline: StopIteration, not TimeoutError
    with pytest.raises(TimeoutError, match=r"^no frame awaited among 1 within 0 s$"):
        receive_until(lambda timeout: next(chatter), lambda f: False, 0)
