"""Files on the local runtime: upload and download throughput, and peak Python memory while downloading.

Uploads go through the whole app (raw body, type check, SHA-256, R2 put, two D1 batches). Downloads call
the ASGI app directly with a `send` that drops each chunk, so the numbers are the server's: Python's
peak allocation (tracemalloc) during a download must not grow with the file's size.
Usage: uv run python bench/files_local.py [repeats=5]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx

from workerbase.app import create_app
from workerbase.config import MAX_FILE_BYTES_CEILING, AuthSettings, FileSettings, Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime

MB = 1_000_000
SIZES = (1 * MB, 10 * MB, 16 * MB)


def png_of(size: int) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (size // 256 + 1))[:size]


async def download(app: Any, path: str, token: str) -> tuple[int, float, int]:
    """Bytes received, seconds (slowed by tracing), and Python's peak allocation during the request."""
    received = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal received
        if message["type"] == "http.response.body":
            received += len(message.get("body", b""))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("bench", 80),
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
    }
    tracemalloc.start()
    started = time.perf_counter()
    await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return received, elapsed, peak


async def main(repeats: int) -> None:
    settings = Settings(
        environment="development",
        log_level="warning",
        auth=AuthSettings(jwt_secrets=("b" * 32,)),
        files=FileSettings(max_file_bytes=MAX_FILE_BYTES_CEILING, storage_quota_bytes=2**40),
    )
    platform, _ = open_local_runtime(
        Path(tempfile.mkdtemp(prefix="workerbase-bench-")), PROJECT_ROOT / "migrations", settings
    )
    app = create_app(lambda scope: platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        signup = await client.post(
            "/v1/auth/signup", json={"email": "bench@example.com", "password": "x" * 12}
        )
        token = signup.json()["access_token"]
        headers = {"authorization": f"Bearer {token}", "content-type": "image/png"}

        print(f"{'size':>8} {'upload MB/s':>12} {'download MB/s':>14} {'download peak Python memory':>28}")
        for size in SIZES:
            data = png_of(size)
            uploads, downloads, peaks = [], [], []
            for _ in range(repeats):
                started = time.perf_counter()
                response = await client.post("/v1/files", content=data, headers=headers)
                uploads.append(time.perf_counter() - started)
                assert response.status_code == 201, response.text
                received, seconds, peak = await download(
                    app, f"/v1/files/{response.json()['id']}/content", token
                )
                assert received == size
                downloads.append(seconds)
                peaks.append(peak)
            print(
                f"{size // MB:>6}MB {size / MB / statistics.median(uploads):>12.0f}"
                f" {size / MB / statistics.median(downloads):>14.0f} {max(peaks) / 1024:>25.0f} KiB"
            )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
