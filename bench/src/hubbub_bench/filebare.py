"""The ceilings of files over HTTP: a bare Starlette `FileResponse` of the files in one
directory (downloads), and `POST /sink`, which reads a body to its end and keeps nothing (what
any Starlette server could receive, before storing a byte), served by uvicorn as `hubbub serve`
serves hubbub (uvloop, httptools, one process), so the same client's rates against them are
what any Starlette server could do on this machine. No auth, no range, no headers of ours.
Run as `python -m hubbub_bench.filebare --port PORT --dir DIR`; it listens on 127.0.0.1 only
and serves only names directly in DIR.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from hubbub.config import UVICORN_OPTIONS


def build_app(root: Path) -> Starlette:
    async def serve(request: Request) -> Response:
        name = request.path_params["name"]
        path = root / name
        if "/" in name or not path.is_file():
            return PlainTextResponse("no", status_code=404)
        return FileResponse(path, media_type="application/octet-stream")

    async def ready(_request: Request) -> Response:
        return PlainTextResponse("ok")

    async def sink(request: Request) -> Response:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return PlainTextResponse(f"OK - {size}")

    return Starlette(
        routes=[
            Route("/f/{name}", serve),
            Route("/ready", ready, methods=["POST"]),
            Route("/sink", sink, methods=["POST"]),
        ]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m hubbub_bench.filebare")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(build_app(args.dir), host="127.0.0.1", port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
