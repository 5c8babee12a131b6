"""How long a request's writes may take to commit. A client gives up on a request after its
own timeout and may then try again or do something else; a unit of work that was held up
meanwhile (its database cut off by a partition, its process stopped) must not commit when it
is let go, seconds later, over what the client did since: an edit it made after giving up
would be undone by the one it gave up on (found by `hubbub chaos`, cluster seed 711).

The Web API sets the deadline for each request (`write_deadline_s`, below the timeouts of
the clients people use); `Hub.commit` checks it once the unit has run, before the commit, and
rolls the unit back if it passed. Work outside a request (jobs, sweeps, sockets) has none. A
task started inside a request inherits the request's deadline (contextvars are copied into
it): work meant to outlive the request runs inside `writes_within(None)`."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

_deadline: ContextVar[float | None] = ContextVar("write_deadline", default=None)


@contextlib.contextmanager
def writes_within(seconds: float | None) -> Iterator[None]:
    """The writes made inside must commit within `seconds` from now (None: no deadline)."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def current() -> float | None:
    """The deadline (time.monotonic()) of the writes made now, if any."""
    return _deadline.get()
