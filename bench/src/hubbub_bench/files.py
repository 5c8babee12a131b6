"""`hubbub bench files`: uploading and downloading files through a real `hubbub serve`, beside
the same machine's raw disk write and a bare Starlette `FileResponse`, in the same run.

One invocation, in a temp directory:

1. A workspace, a person and a channel (the `post` bench's set-up), then `hubbub serve` on that
   data directory as a child process (uvloop, rate limits off), and `python -m
   hubbub_bench.filebare` (a bare `FileResponse` on uvicorn) beside it.
2. The whole flow for a file of 8 bytes, `reps_small` times: what an upload costs before its
   bytes. An upload takes at least that plus its bytes' time, so the raw write's time over it
   bounds the upload ratio any server could reach at each size (`upload_ratio_ceiling`).
   Per size (1 MB and 100 MB), `reps` times each, with bytes that differ at every repetition
   (blobs are per content: the same bytes again would be stored for nothing):
   - **raw write**: write(2) of the bytes, from memory, to a new file in the blob directory's
     own file system (`<data>/files/bench/`), then fsync: what the disk takes;
   - **bare receive** (not a target, a ceiling): the bytes POSTed to the bare server's `/sink`,
     a Starlette endpoint that reads the body and keeps nothing;
   - **upload**: Slack's flow from memory: `files.getUploadURLExternal`, the bytes POSTed to
     the upload URL, `files.completeUploadExternal` into the channel (the rate is of the
     three; the POST's own is kept too). The API calls go through aiohttp, the bytes (here and
     to the bare sink) through the standard library's blocking client (post_bytes);
   - **download**: `url_private_download` with a bearer token, read to the end and dropped;
   - **bare download**: the same blob (hard-linked: one inode, one page cache) from the bare
     server. Both downloads are warmed once first, so both read from the page cache.
3. Several uploaders at once (`--uploaders`, 8; 0 for none), each `reps_small` 1 MB files
   through the whole flow: the rate the server takes small files in when the three requests
   and their commits of one upload overlap another's, beside the raw write of 1 MB. Not a
   target; one upload after another is.
4. A 1 GB upload (`--big-mb`, 0 for none), streamed from a generator, while the server's RSS is
   read from /proc every 20 ms: its growth over the RSS just before.

The rate of each is the median of its repetitions, in MB/s (10^6 bytes). Targets (issue 18):
upload >= 50% of the raw write, download >= 60% of the bare FileResponse, RSS growth < 50 MB
during the 1 GB upload. `--profile PATH` runs py-spy on the server for steps 2 to 4.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import orjson

import hubbub
from hubbub_bench import results
from hubbub_bench.post import (
    Children,
    free_port,
    git_version,
    set_up,
    start_hubbub,
    stop_on_sigterm,
    wait_for_quiet,
    wait_ready,
)

MB = 1_000_000
SIZES = (1 * MB, 100 * MB)
UPLOAD_TARGET = 0.5
DOWNLOAD_TARGET = 0.6
RSS_TARGET_MB = 50.0
RSS_POLL_S = 0.02
READ_CHUNK = 1 << 20
BLOCK = os.urandom(1 << 20)


@dataclass(frozen=True)
class FilesOptions:
    out: Path = Path("bench/results")
    reps_small: int = 20  # repetitions of each step with 1 MB
    reps_large: int = 3  # with 100 MB
    big_mb: int = 1000  # the upload whose RSS is watched; 0: none
    uploaders: int = 8  # 1 MB uploads at once, reps_small files each; 0: none
    profile: Path | None = None
    quiet_wait: float = 0.0


# -- the pure parts --------------------------------------------------------------------------


def rate_mb_s(size: int, seconds: list[float]) -> float:
    """The median rate of repetitions of one step, in MB/s."""
    return round(size / statistics.median(seconds) / MB, 1) if seconds else 0.0


def size_result(
    size: int, times: dict[str, list[float]], flow_fixed_s: float | None = None
) -> dict[str, Any]:
    """One size's rates (raw write, upload, upload POST alone, download, bare download) and the
    ratios the targets are about. flow_fixed_s: the whole flow for a file of 8 bytes, what an
    upload costs before its bytes; the raw write's time over it is the best upload ratio any
    server could reach at this size with Slack's three requests (`upload_ratio_ceiling`)."""
    rates = {f"{step}_mb_s": rate_mb_s(size, times.get(step, [])) for step in STEPS}
    raw, bare = rates["raw_write_mb_s"], rates["bare_download_mb_s"]
    sink = rates["bare_receive_mb_s"]
    ceiling = None
    if flow_fixed_s and times.get("raw_write"):
        ceiling = round(statistics.median(times["raw_write"]) / flow_fixed_s, 3)
    return {
        "bytes": size,
        "reps": len(times.get("upload", [])),
        **rates,
        "upload_ratio": round(rates["upload_mb_s"] / raw, 3) if raw else 0.0,
        # Not a target: the POST beside a bare Starlette endpoint that only reads the body.
        "upload_post_to_bare_receive": round(rates["upload_post_mb_s"] / sink, 3) if sink else 0.0,
        "download_ratio": round(rates["download_mb_s"] / bare, 3) if bare else 0.0,
        "flow_fixed_ms": round(flow_fixed_s * 1000, 2) if flow_fixed_s else None,
        "upload_ratio_ceiling": ceiling,
    }


STEPS = ("raw_write", "bare_receive", "upload", "upload_post", "download", "bare_download")


def parallel_result(uploaders: int, files: int, seconds: float, raw_mb_s: float) -> dict[str, Any]:
    """Many 1 MB uploads at once: what the server takes in, beside one raw write's rate."""
    rate = round(files * MB / seconds / MB, 1) if seconds else 0.0
    return {
        "uploaders": uploaders,
        "files": files,
        "bytes_each": MB,
        "upload_mb_s": rate,
        "raw_write_mb_s": raw_mb_s,
        "upload_ratio": round(rate / raw_mb_s, 3) if raw_mb_s else 0.0,
    }


def files_result(
    sizes: list[dict[str, Any]],
    big: dict[str, Any] | None,
    settings: dict[str, Any],
    parallel: dict[str, Any] | None = None,
) -> dict[str, Any]:
    meets = {
        # One upload after another, each size: the target as the issue puts it. Not a target:
        # `parallel`, the same 1 MB flow from several uploaders at once.
        "upload": all(s["upload_ratio"] >= UPLOAD_TARGET for s in sizes),
        "download": all(s["download_ratio"] >= DOWNLOAD_TARGET for s in sizes),
        "rss": big is None or big["rss_growth_mb"] < RSS_TARGET_MB,
    }
    return {
        "scenario": "files",
        "settings": settings,
        "sizes": sizes,
        "parallel_upload": parallel,
        "big_upload": big,
        "targets": {
            "upload_ratio": UPLOAD_TARGET,
            "download_ratio": DOWNLOAD_TARGET,
            "rss_growth_mb": RSS_TARGET_MB,
        },
        "meets": meets,
        "meets_targets": all(meets.values()),
    }


def rss_mb(pid: int) -> float:
    """The process's resident set, from /proc/<pid>/status (VmRSS, in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def payload(size: int, n: int) -> bytes:
    """size bytes, different for each n (its first 8 bytes), the rest random blocks."""
    whole, rest = divmod(size, len(BLOCK))
    body = BLOCK * whole + BLOCK[:rest]
    return n.to_bytes(8, "big") + body[8:]


def blocks_of(size: int, n: int) -> Iterator[bytes]:
    """payload(size, n) a block at a time, never whole in memory."""
    sent = 0
    while sent < size:
        block = BLOCK[: min(len(BLOCK), size - sent)]
        if sent == 0:
            block = n.to_bytes(8, "big") + block[8:]
        sent += len(block)
        yield block


# -- the steps -------------------------------------------------------------------------------


def post_bytes(url: str, body: bytes | Iterable[bytes], size: int) -> tuple[int, str]:
    """POSTs size bytes to url with the standard library's blocking client: (status, text).

    Not aiohttp: sending 100 MB through an asyncio client cost the bench's process more CPU than
    the server spent receiving them, and on two cores that set both rates (a bare endpoint took
    120-460 MB/s from aiohttp and 550-800 MB/s from a socket's sendall). http.client hands bytes
    to sendall and an iterable's blocks to send, one copy into the kernel each."""
    parts = urllib.parse.urlsplit(url)
    conn = HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=3600)
    try:
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        conn.request("POST", parts.path, body=body, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace")
    finally:
        conn.close()


def raw_write(directory: Path, data: bytes) -> float:
    path = directory / f"raw-{secrets.token_hex(8)}"
    started = time.perf_counter()
    with path.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    took = time.perf_counter() - started
    path.unlink()
    return took


@dataclass
class Hubbub:
    url: str
    token: str
    channel: str
    team_id: str
    session: Any  # aiohttp.ClientSession

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def api(self, method: str, **form: str) -> dict[str, Any]:
        async with self.session.post(
            f"{self.url}/api/{method}", data=form, headers=self.auth
        ) as resp:
            answer: dict[str, Any] = orjson.loads(await resp.read())
        if not answer.get("ok"):
            raise RuntimeError(f"{method}: {answer}")
        return answer

    async def upload(
        self, name: str, size: int, body: bytes | Iterable[bytes]
    ) -> tuple[float, float, dict[str, Any]]:
        """The Slack flow: (seconds of the three calls, of the POST alone, the file)."""
        started = time.perf_counter()
        given = await self.api("files.getUploadURLExternal", filename=name, length=str(size))
        posted = time.perf_counter()
        status, text = await asyncio.to_thread(post_bytes, given["upload_url"], body, size)
        if status != 200:
            raise RuntimeError(f"upload: {status} {text}")
        post_s = time.perf_counter() - posted
        files = orjson.dumps([{"id": given["file_id"]}]).decode()
        done = await self.api("files.completeUploadExternal", files=files, channel_id=self.channel)
        return time.perf_counter() - started, post_s, done["files"][0]


async def bare_receive(bare_url: str, data: bytes) -> float:
    """The bytes POSTed to the bare server's sink, which reads them and keeps nothing."""
    started = time.perf_counter()
    status, _ = await asyncio.to_thread(post_bytes, f"{bare_url}/sink", data, len(data))
    if status != 200:
        raise RuntimeError(f"bare receive: {status}")
    return time.perf_counter() - started


async def download(session: Any, url: str, size: int, headers: dict[str, str]) -> float:
    started = time.perf_counter()
    got = 0
    async with session.get(url, headers=headers) as resp:
        if resp.status != 200:
            raise RuntimeError(f"download {url}: {resp.status}")
        async for chunk in resp.content.iter_chunked(READ_CHUNK):
            got += len(chunk)
    took = time.perf_counter() - started
    if got != size:
        raise RuntimeError(f"download {url}: {got} bytes of {size}")
    return took


async def flow_fixed(hub: Hubbub, reps: int) -> float:
    """The median time of the whole upload flow for a file of 8 bytes."""
    times = []
    for n in range(reps):
        total, _, _ = await hub.upload(f"tiny-{n}.bin", 8, n.to_bytes(8, "big"))
        times.append(total)
    return statistics.median(times)


async def measure_size(
    hub: Hubbub,
    bare_url: str,
    data_dir: Path,
    bare_dir: Path,
    size: int,
    reps: int,
    fixed_s: float,
) -> dict[str, Any]:
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    raw_dir = data_dir / "files" / "bench"
    raw_dir.mkdir(parents=True, exist_ok=True)
    file: dict[str, Any] = {}
    for n in range(reps):
        data = payload(size, n + size)
        times["raw_write"].append(raw_write(raw_dir, data))
        times["bare_receive"].append(await bare_receive(bare_url, data))
        total, post, file = await hub.upload(f"bench-{size}-{n}.bin", size, data)
        times["upload"].append(total)
        times["upload_post"].append(post)
        del data
    # The last file's blob, hard-linked where the bare server serves it.
    key = await _blob_key(data_dir, file["id"], hub)
    linked = bare_dir / f"{size}.bin"
    os.link(data_dir / "files" / key, linked)
    url, bare = file["url_private_download"], f"{bare_url}/f/{linked.name}"
    for _ in range(1):  # warm both: the page cache, each server's first request
        await download(hub.session, url, size, hub.auth)
        await download(hub.session, bare, size, {})
    for _ in range(reps):
        times["download"].append(await download(hub.session, url, size, hub.auth))
        times["bare_download"].append(await download(hub.session, bare, size, {}))
    return size_result(size, times, fixed_s)


async def parallel_upload(hub: Hubbub, uploaders: int, each: int) -> tuple[int, float]:
    """uploaders at once, each `each` 1 MB files through the whole flow: (files, seconds)."""

    async def uploader(u: int) -> None:
        for n in range(each):
            data = payload(MB, 10_000 + u * each + n)
            await hub.upload(f"parallel-{u}-{n}.bin", MB, data)

    started = time.perf_counter()
    await asyncio.gather(*(uploader(u) for u in range(uploaders)))
    return uploaders * each, time.perf_counter() - started


async def _blob_key(data_dir: Path, file_id: str, hub: Hubbub) -> str:
    """Where the file's bytes are: read from the store as `hubbub admin` would."""
    from hubbub.app import build_hub
    from hubbub.config import Settings

    admin = build_hub(Settings(data_dir=data_dir))
    try:
        team = hub.team_id
        found = await admin.read(team, lambda tx: tx.get_file(team, file_id))
    finally:
        await admin.close()
    if found is None or found.blob_key is None:
        raise RuntimeError(f"no blob for {file_id}")
    return found.blob_key


async def big_upload(hub: Hubbub, pid: int, size: int) -> dict[str, Any]:
    """The size bytes streamed to the server while its RSS is read every RSS_POLL_S."""
    before = rss_mb(pid)
    peak = before
    samples = 0
    done = asyncio.Event()

    async def watch() -> None:
        nonlocal peak, samples
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            samples += 1
            await asyncio.sleep(RSS_POLL_S)

    watcher = asyncio.create_task(watch())
    try:
        total, post, _ = await hub.upload("big.bin", size, blocks_of(size, 7))
    finally:
        done.set()
        await watcher
    return {
        "bytes": size,
        "upload_mb_s": round(size / total / MB, 1),
        "upload_post_mb_s": round(size / post / MB, 1),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_growth_mb": round(peak - before, 1),
        "rss_samples": samples,
    }


# -- the run ---------------------------------------------------------------------------------


def start_bare(children: Children, directory: Path) -> str:
    port = free_port()
    argv = [sys.executable, "-m", "hubbub_bench.filebare", "--port", str(port)]
    proc = children.start([*argv, "--dir", str(directory)])
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, url + "/ready", "the bare FileResponse server")
    return url


def start_profiler(children: Children, pid: int, out: Path) -> Any:
    exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(exe).exists():
        print("py-spy not found; no profile taken", file=sys.stderr)
        return None
    fmt = {".json": "speedscope", ".svg": "flamegraph"}.get(out.suffix, "raw")
    # --threads: the blob store's own threads show beside the event loop's.
    argv = [exe, "record", "--pid", str(pid), "--rate", "200", "--threads", "--nonblocking"]
    return children.start([*argv, "--format", fmt, "--output", str(out)])


@dataclass
class Started:
    data_dir: Path
    token: str
    channel: str
    team_id: str
    url: str
    pid: int
    bare_url: str
    bare_dir: Path


def start(opts: FilesOptions, tmp: Path, children: Children) -> Started:
    data_dir = tmp / "data"
    target = set_up(data_dir)
    server, url = start_hubbub(children, data_dir)
    bare_dir = data_dir / "files" / "bare"
    bare_dir.mkdir(parents=True)
    bare_url = start_bare(children, bare_dir)
    return Started(
        data_dir,
        target.token,
        target.channel_id,
        target.team_id,
        url,
        server.pid,
        bare_url,
        bare_dir,
    )


async def measure(opts: FilesOptions, on: Started) -> dict[str, Any]:
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=3600)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        hub = Hubbub(on.url, on.token, on.channel, on.team_id, session)
        fixed_s = await flow_fixed(hub, opts.reps_small)
        sizes = []
        for size in SIZES:
            reps = opts.reps_small if size < 10 * MB else opts.reps_large
            sizes.append(
                await measure_size(hub, on.bare_url, on.data_dir, on.bare_dir, size, reps, fixed_s)
            )
        parallel = None
        if opts.uploaders:
            files, seconds = await parallel_upload(hub, opts.uploaders, opts.reps_small)
            raw = sizes[0]["raw_write_mb_s"]
            parallel = parallel_result(opts.uploaders, files, seconds, raw)
        big = await big_upload(hub, on.pid, opts.big_mb * MB) if opts.big_mb else None
    return {"sizes": sizes, "big": big, "parallel": parallel}


def run(opts: FilesOptions) -> tuple[dict[str, Any], Path]:
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    settings = {
        "started_at": started_at,
        "git": git_version(),
        "hubbub": hubbub.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "reps_small": opts.reps_small,
        "reps_large": opts.reps_large,
        "big_mb": opts.big_mb,
        "profiled": opts.profile is not None,
        "loadavg_before": [round(v, 2) for v in os.getloadavg()],
    }
    children = Children()
    with stop_on_sigterm(), tempfile.TemporaryDirectory(prefix="hubbub-bench-files-") as tmp:
        try:
            started = start(opts, Path(tmp), children)
            if opts.quiet_wait:
                wait_for_quiet(opts.quiet_wait)
            profiler = None
            if opts.profile:
                profiler = start_profiler(children, started.pid, opts.profile)
            found = asyncio.run(measure(opts, started))
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(120)
        finally:
            children.stop_all()
    result = files_result(found["sizes"], found["big"], settings, found["parallel"])
    path = results.write_result(opts.out, "files", started_at, result)
    return result, path


def table(result: dict[str, Any]) -> Any:
    from rich.table import Table

    out = Table(title="Files: upload and download through hubbub, MB/s (median)")
    columns = (
        "size",
        "raw write",
        "bare receive",
        "upload",
        "(POST)",
        "ratio",
        "bare",
        "download",
        "ratio",
    )
    for column in columns:
        out.add_column(column, justify="right")
    for s in result["sizes"]:
        out.add_row(
            f"{s['bytes'] // MB} MB",
            f"{s['raw_write_mb_s']:,.0f}",
            f"{s['bare_receive_mb_s']:,.0f}",
            f"{s['upload_mb_s']:,.0f}",
            f"{s['upload_post_mb_s']:,.0f}",
            f"{s['upload_ratio']:.0%}",
            f"{s['bare_download_mb_s']:,.0f}",
            f"{s['download_mb_s']:,.0f}",
            f"{s['download_ratio']:.0%}",
        )
    big, parallel = result["big_upload"], result.get("parallel_upload")
    caption = [
        f"targets: upload >= {UPLOAD_TARGET:.0%} of raw, download >= {DOWNLOAD_TARGET:.0%} of "
        f"bare; met: {', '.join(k for k, v in result['meets'].items() if v) or 'none'}"
    ]
    for s in result["sizes"]:
        if s.get("upload_ratio_ceiling") is not None:
            caption.append(
                f"{s['bytes'] // MB} MB: the flow of an 8-byte file takes {s['flow_fixed_ms']} ms"
                f", so no upload could pass {s['upload_ratio_ceiling']:.0%} of raw"
            )
    if parallel:
        caption.append(
            f"{parallel['uploaders']} uploaders at once, {parallel['files']} files of 1 MB: "
            f"{parallel['upload_mb_s']:,.0f} MB/s, {parallel['upload_ratio']:.0%} of raw "
            "(not a target)"
        )
    if big:
        caption.append(
            f"{big['bytes'] // MB} MB upload: {big['upload_mb_s']:,.0f} MB/s, server RSS "
            f"{big['rss_before_mb']:.0f} -> {big['rss_peak_mb']:.0f} MB "
            f"(+{big['rss_growth_mb']:.1f}; target < {RSS_TARGET_MB:.0f})"
        )
    out.caption = "\n".join(caption)
    return out
