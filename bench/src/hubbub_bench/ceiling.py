"""The ceiling: a bare Starlette endpoint that answers `{"ok":true}` and does no work.

Served by uvicorn exactly as `hubbub serve` serves hubbub (uvloop, httptools, one process), so the
same client's rate against it is the most any Starlette server could answer on this machine.
Run as `python -m hubbub_bench.ceiling --port PORT`; it listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hubbub.config import UVICORN_OPTIONS

OK = b'{"ok":true}'


async def post_message(_request: Request) -> Response:
    return Response(OK, media_type="application/json; charset=utf-8")


def build_app() -> Starlette:
    return Starlette(routes=[Route("/api/chat.postMessage", post_message, methods=["POST"])])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m hubbub_bench.ceiling")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build_app(),
        host="127.0.0.1",
        port=args.port,
        **UVICORN_OPTIONS,
    )


if __name__ == "__main__":
    main()
