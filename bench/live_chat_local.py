"""Live chat on the local runtime, over real HTTP: what we add per chunk and to time-to-first-byte,
side by side with reading the same upstream directly in the same run, and Python memory during a long
stream (it must stay flat: chunks are logged in the room's storage, not kept in memory).

The upstream is a local OpenAI-compatible server (the real streaming wire format) sending `chunks`
chunks as fast as it can for the overhead, then one chunk every `interval` seconds for `seconds`.
Usage: uv run python bench/live_chat_local.py [chunks=500] [seconds=300] [interval=0.05]
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from workerbase.app import create_app
from workerbase.config import AuthSettings, ModelSettings, Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime


async def upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """`model` is `burst:<n>` (n chunks at once) or `drip:<seconds>:<interval>`."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    kind, *args = json.loads(body)["model"].split(":")
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
    )
    deadline = time.monotonic() + (float(args[0]) if kind == "drip" else 0)
    count = int(args[0]) if kind == "burst" else None
    sent = 0
    while (count is not None and sent < count) or (count is None and time.monotonic() < deadline):
        chunk = {"choices": [{"index": 0, "delta": {"content": f"token{sent} "}, "finish_reason": None}]}
        await send(
            {
                "type": "http.response.body",
                "body": f"data: {json.dumps(chunk)}\n\n".encode(),
                "more_body": True,
            }
        )
        sent += 1
        if kind == "drip":
            await asyncio.sleep(float(args[1]))
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="off")
    )
    task = asyncio.ensure_future(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


async def timed_lines(response: httpx.Response, is_text: Any, started: float) -> tuple[float, float, int]:
    """Seconds from sending the request to the first and to the last text chunk, and how many came (no
    list of arrivals: the long run measures memory)."""
    first = last = 0.0
    count = 0
    async for line in response.aiter_lines():
        if line.startswith("data: ") and is_text(line):
            last = time.perf_counter() - started
            first = first or last
            count += 1
    return first, last, count


async def main(chunks: int, seconds: float, interval: float) -> None:
    async with serving(upstream) as upstream_url:
        settings = Settings(
            environment="development",
            log_level="warning",
            auth=AuthSettings(jwt_secrets=("b" * 32,)),
            models=ModelSettings(
                base_url=f"{upstream_url}/v1",
                allowed=(f"burst:{chunks}", f"drip:{seconds}:{interval}"),
                timeout_seconds=60,
                daily_messages=(),
            ),
        )
        platform, _ = open_local_runtime(
            Path(tempfile.mkdtemp(prefix="workerbase-bench-")), PROJECT_ROOT / "migrations", settings
        )
        async with (
            serving(create_app(lambda scope: platform)) as api,
            httpx.AsyncClient(timeout=None) as client,
        ):
            signup = await client.post(
                f"{api}/v1/auth/signup", json={"email": "b@example.com", "password": "x" * 12}
            )
            headers = {"authorization": f"Bearer {signup.json()['access_token']}"}

            async def direct(model: str) -> tuple[float, float, int]:
                body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "stream": True}
                started = time.perf_counter()
                async with client.stream(
                    "POST", f"{upstream_url}/v1/chat/completions", json=body
                ) as response:
                    return await timed_lines(response, lambda line: "content" in line, started)

            async def through_us(model: str) -> tuple[float, float, int]:
                message = {"id": str(uuid.uuid4()), "role": "user", "parts": [{"type": "text", "text": "hi"}]}
                url = f"{api}/v1/chats/{uuid.uuid4()}/stream"
                started = time.perf_counter()
                async with client.stream(
                    "POST", url, json={"message": message, "model": model}, headers=headers
                ) as response:
                    return await timed_lines(response, lambda line: '"text-delta"' in line, started)

            print(f"overhead: {chunks} chunks as fast as the upstream sends them, 5 runs each (ms)")
            rows = {"upstream directly": direct, "through workerbase": through_us}
            results = {}
            for name, read in rows.items():
                firsts, per_chunk = [], []
                for _ in range(5):
                    first, last, count = await read(f"burst:{chunks}")
                    assert count == chunks
                    firsts.append(first * 1000)
                    per_chunk.append((last - first) / (chunks - 1) * 1000)
                results[name] = (statistics.median(firsts), statistics.median(per_chunk))
                first, per = results[name]
                print(f"  {name:<20} time to first chunk {first:7.2f}   per chunk {per:6.3f}")
            ours, theirs = results["through workerbase"], results["upstream directly"]
            print(
                f"  {'added by us':<20} time to first chunk {ours[0] - theirs[0]:7.2f}"
                f"   per chunk {ours[1] - theirs[1]:6.3f}"
            )

            print(
                f"\nmemory during a {seconds:g} s stream (a chunk every {interval:g} s),"
                " Python's traced memory:"
            )
            tracemalloc.start()
            samples: list[tuple[float, int]] = []

            async def sample() -> None:
                started = time.monotonic()
                while True:
                    samples.append((time.monotonic() - started, tracemalloc.get_traced_memory()[0]))
                    await asyncio.sleep(max(seconds / 10, 0.5))

            sampler = asyncio.ensure_future(sample())
            _, _, received = await through_us(f"drip:{seconds}:{interval}")
            sampler.cancel()
            tracemalloc.stop()
            print(f"  {received} chunks received")
            for at, current in samples:
                print(f"  t={at:6.1f} s  {current / 1024:8.0f} KiB")


if __name__ == "__main__":
    values = [float(v) for v in sys.argv[1:]]
    n, s, i = values + [500, 300, 0.05][len(values) :]
    asyncio.run(main(int(n), s, i))
