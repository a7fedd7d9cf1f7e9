"""Per-request CPU of an authenticated `GET /v1/chats/{id}/messages?limit=50`, against the floor.

In one process: our app on the local runtime (a temporary state directory, one user, one chat of 200
messages with AI SDK parts), and two bare Starlette + sqlite3 apps that read the same SQLite file and
return byte-for-byte the same JSON:
  floor       the least an app can do for these bytes: one route, the ownership check and the page
              query on sqlite3, json.loads of the stored parts, json.dumps of the page;
  floor+jwt   the same, verifying the bearer token with one pyjwt decode first (an app that really
              serves an authenticated request).
All three are called in-process through the same minimal ASGI driver (no sockets, no HTTP client), in
interleaved rounds (the order rotates each round), so a busy machine slows them alike. Prints the median
per-request time of each, the ratio of medians (the goal: ours <= 2x the floor), and with --profile a
cProfile of ours.

Usage: uv run python bench/request_cpu.py [--rounds 200] [--requests 20] [--profile 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import io
import json
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message

from workerbase.app import create_app
from workerbase.config import AuthSettings, Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime

JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123456789"
ISSUER = AUDIENCE = "workerbase"
MESSAGES = 200
PAGE = 50


# --- the ASGI driver: one request, the response body collected -------------------------------------


async def call(
    app: ASGIApp, path: str, query: bytes, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": ("bench", 80),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": headers,
    }
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


# --- the floor ---------------------------------------------------------------------------------------

_OWNED_CHAT = "SELECT 1 FROM chats WHERE id = ? AND user_id = ?"
_LATEST = (
    "SELECT id, role, parts, metadata, created_at, updated_at FROM messages WHERE chat_id = ?"
    " ORDER BY seq DESC LIMIT ?"
)


def floor_app(database: Path, user_id: str | None) -> Starlette:
    """`user_id` None: verify the bearer token (HS256, issuer, audience) and take the user from it."""
    connection = sqlite3.connect(database, check_same_thread=False)

    async def list_messages(request: Request) -> Response:
        owner = user_id
        if owner is None:
            import jwt

            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            try:
                claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER)
            except jwt.PyJWTError:
                return Response(status_code=401)
            owner = claims["sub"]
        chat_id = request.path_params["chat_id"]
        limit = int(request.query_params.get("limit", "50"))
        if connection.execute(_OWNED_CHAT, (chat_id, owner)).fetchone() is None:
            return Response(status_code=404)
        rows = connection.execute(_LATEST, (chat_id, limit + 1)).fetchall()
        next_cursor = rows[limit - 1][0] if len(rows) > limit else None
        items = [
            {
                "id": message_id,
                "role": role,
                "parts": json.loads(parts),
                "metadata": None if metadata is None else json.loads(metadata),
                "created_at": created_at,
                "updated_at": updated_at,
            }
            for message_id, role, parts, metadata, created_at, updated_at in reversed(rows[:limit])
        ]
        body = json.dumps(
            {"items": items, "next_cursor": next_cursor}, ensure_ascii=False, separators=(",", ":")
        )
        return Response(body.encode(), media_type="application/json")

    return Starlette(routes=[Route("/v1/chats/{chat_id}/messages", list_messages)])


# --- our app and its data ----------------------------------------------------------------------------


def message(n: int) -> dict[str, Any]:
    """A user's question or an assistant's answer as the AI SDK sends them: text, now and then a file,
    and every fourth answer with reasoning and a tool call."""
    text = f"Message {n}: could you compare the café's opening hours in Zürich and Tōkyō? 🙂"
    if n % 2 == 0:
        parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
        if n % 10 == 0:
            parts.append(
                {
                    "type": "file",
                    "mediaType": "image/png",
                    "filename": "menu.png",
                    "url": "https://example.com/m.png",
                }
            )
        return {"id": f"m{n:04d}", "role": "user", "parts": parts}
    parts = [{"type": "step-start"}]
    if n % 8 == 1:
        parts += [
            {"type": "reasoning", "text": "The user asks about two cities; look both up."},
            {
                "type": "tool-getOpeningHours",
                "toolCallId": f"call_{n}",
                "state": "output-available",
                "input": {"cities": ["Zürich", "Tōkyō"], "day": "monday"},
                "output": {
                    "Zürich": {"open": "07:00", "close": "18:30"},
                    "Tōkyō": {"open": 8, "close": 21.5},
                },
            },
        ]
    parts.append(
        {"type": "text", "text": f"{text} Both open at eight; Zürich closes at 18:30, Tōkyō at 21:30."}
    )
    return {
        "id": f"m{n:04d}",
        "role": "assistant",
        "parts": parts,
        "metadata": {"model": "gpt-4o-mini", "usage": {"inputTokens": 812, "outputTokens": 164}},
    }


async def build(state: Path) -> tuple[ASGIApp, Path, str, str, str]:
    """Our app with one user and one chat of MESSAGES messages; its database, the user, chat and token."""
    import httpx  # for the set-up only; the timed calls go through `call`

    settings = Settings(environment="development", auth=AuthSettings(jwt_secrets=(JWT_SECRET,)))
    platform, _ = open_local_runtime(state, PROJECT_ROOT / "migrations", settings)
    app = create_app(lambda scope: platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        signup = await client.post(
            "/v1/auth/signup", json={"email": "bench@example.com", "password": "x" * 12}
        )
        token, user_id = signup.json()["access_token"], signup.json()["user"]["id"]
        headers = {"authorization": f"Bearer {token}"}
        chat = await client.post("/v1/chats", json={"title": "Opening hours"}, headers=headers)
        chat_id = chat.json()["id"]
        for start in range(0, MESSAGES, 100):
            batch = [message(n) for n in range(start, min(start + 100, MESSAGES))]
            added = await client.post(f"/v1/chats/{chat_id}/messages", json=batch, headers=headers)
            assert added.status_code == 201, added.text
    return app, state / "d1.sqlite3", user_id, chat_id, token


# --- measuring ---------------------------------------------------------------------------------------


class Discard(io.TextIOBase):
    """stdout for the timed requests: our request log line is formatted, then dropped."""

    def write(self, text: str) -> int:
        return len(text)


Request_ = Callable[[], Awaitable[tuple[int, bytes]]]


async def one_round(requests_by_app: dict[str, Request_], count: int, first: int) -> dict[str, float]:
    """Milliseconds of CPU per request of each app, over `count` requests each, taken in turns (one
    request of each app, then again), so whatever else the machine does weighs on all of them alike.
    Process CPU time, not wall time: CPU is what Workers bill, and other processes on a shared machine
    then cost us cache misses but not their own run time."""
    names = list(requests_by_app)
    order = names[first % len(names) :] + names[: first % len(names)]
    spent = dict.fromkeys(names, 0.0)
    for _ in range(count):
        for name in order:
            started = time.process_time()
            await requests_by_app[name]()
            spent[name] += time.process_time() - started
    return {name: seconds * 1000 / count for name, seconds in spent.items()}


async def main(rounds: int, requests: int, profile_lines: int) -> None:
    report = sys.stdout
    # Our request log line goes to stdout at INFO (as deployed): formatted, then discarded here.
    with (
        tempfile.TemporaryDirectory(prefix="workerbase-request-cpu-") as state,
        contextlib.redirect_stdout(Discard()),
    ):
        ours, database, user_id, chat_id, token = await build(Path(state))
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())]
        apps: dict[str, ASGIApp] = {
            "ours": ours,
            "floor": floor_app(database, user_id),
            "floor+jwt": floor_app(database, None),
        }
        requests_by_app: dict[str, Request_] = {
            name: functools.partial(
                call, app, f"/v1/chats/{chat_id}/messages", f"limit={PAGE}".encode(), headers
            )
            for name, app in apps.items()
        }

        bodies = {name: await request() for name, request in requests_by_app.items()}
        for name, (status, body) in bodies.items():
            assert status == 200, (name, status, body[:300])
        assert bodies["ours"] == bodies["floor"] == bodies["floor+jwt"], "the apps return different bytes"

        samples: dict[str, list[float]] = {name: [] for name in apps}
        await one_round(requests_by_app, requests, 0)  # warm up
        for round_number in range(rounds):
            for name, value in (await one_round(requests_by_app, requests, round_number)).items():
                samples[name].append(value)

        profiler = cProfile.Profile()
        if profile_lines:
            profiler.enable()
            for _ in range(requests):
                await requests_by_app["ours"]()
            profiler.disable()

    print(f"{len(bodies['ours'][1])} bytes, {PAGE} of {MESSAGES} messages, identical from all three apps")
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"median CPU per request over {rounds} interleaved rounds of {requests} requests each (ms):")
    for name, value in medians.items():
        print(f"  {name:<10} {value:.3f}   (rounds {min(samples[name]):.3f}..{max(samples[name]):.3f})")
    print(f"ratio of medians: ours / floor     = {medians['ours'] / medians['floor']:.2f}x  (goal <= 2x)")
    print(f"                  ours / floor+jwt = {medians['ours'] / medians['floor+jwt']:.2f}x")
    if profile_lines:
        stats = pstats.Stats(profiler, stream=report)
        print(f"\ncProfile of ours, {requests} requests, by own time:")
        stats.sort_stats("tottime").print_stats(profile_lines)
        print(f"cProfile of ours, {requests} requests, by cumulative time:")
        stats.sort_stats("cumulative").print_stats(profile_lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--requests", type=int, default=20, help="requests per app per round")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the top N of a cProfile")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.rounds, arguments.requests, arguments.profile))
