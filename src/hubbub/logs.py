"""One log stream for the whole process: structlog's events and the standard library's (uvicorn,
alembic, asyncio) alike, on stderr, as JSON lines when stderr is not a terminal and as
readable lines when it is. stdout stays for what a command prints as its answer (`hubbub admin`
prints one JSON object there)."""

from __future__ import annotations

import logging
import sys
from typing import Any

import orjson
import structlog

# What every event gets, whichever library logged it.
_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def _json(event: Any, **_kw: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def configure(level: str = "info", *, json: bool | None = None) -> None:
    """Routes every logger of the process to one handler on stderr; json: JSON lines (default:
    when stderr is not a terminal)."""
    as_json = not sys.stderr.isatty() if json is None else json
    renderer: Any = (
        structlog.processors.JSONRenderer(serializer=_json)
        if as_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    # On a terminal, ConsoleRenderer shows exc_info as a traceback itself.
    tracebacks: list[Any] = [structlog.processors.format_exc_info] if as_json else []
    structlog.configure(
        processors=[
            *_SHARED,
            *tracebacks,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # uvicorn's loggers have handlers of their own unless told otherwise (log_config=None in
    # config.UVICORN_OPTIONS): theirs go through the root's like every other library's.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Alembic tells every plugin it sets up and every migration it checks at each start; httpx
    # and httpcore log every request with its URL, which for apps' response and event URLs
    # carries their secrets.
    for chatty in ("alembic", "httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
