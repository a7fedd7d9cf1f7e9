"""Conversations API on the local runtime: one user with 1,000 chats and 100,000 messages.

Prints p50/p95 latency (in-process ASGI, so HTTP parsing and the SQLite work, no network) of
`GET /v1/chats?limit=50`, `GET /v1/chats/{id}/messages?limit=100` and a search, and the SQLite query
plans of those queries (every one must use an index: no `SCAN` of a whole table). With `noise=1`, a
second user gets the same chats and messages first, to show that one user's search does not pay for
another's matches.
Usage: uv run python bench/conversations_local.py [chats=1000] [messages_per_chat=100] [requests=200]
       [noise=0]
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from workerbase.app import create_app
from workerbase.clock import iso, utc_now
from workerbase.config import AuthSettings, Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime
from workerbase.ports import Database, Statement
from workerbase.records import ChatRecord
from workerbase.repositories import chats as chat_sql
from workerbase.repositories import messages as message_sql
from workerbase.repositories import search as search_sql

WORDS = [
    "apple",
    "banana",
    "cherry",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mango",
    "nectar",
    "oscar",
    "papa",
]


async def main(chat_count: int, per_chat: int, requests: int, noise: bool) -> None:
    state = Path(tempfile.mkdtemp(prefix="workerbase-bench-"))
    settings = Settings(
        environment="development", log_level="warning", auth=AuthSettings(jwt_secrets=("b" * 32,))
    )
    platform, _ = open_local_runtime(state, PROJECT_ROOT / "migrations", settings)
    app = create_app(lambda scope: platform)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        signup = await client.post(
            "/v1/auth/signup", json={"email": "bench@example.com", "password": "x" * 12}
        )
        user_id = signup.json()["user"]["id"]
        headers = {"authorization": f"Bearer {signup.json()['access_token']}"}

        started = time.perf_counter()
        if noise:
            other = await client.post(
                "/v1/auth/signup", json={"email": "other@example.com", "password": "x" * 12}
            )
            await seed(platform.db, other.json()["user"]["id"], "other", chat_count, per_chat)
        chat_ids = await seed(platform.db, user_id, "chat", chat_count, per_chat)
        users = 2 if noise else 1
        print(
            f"seeded {users} user(s) x {chat_count} chats x {per_chat} messages"
            f" in {time.perf_counter() - started:.1f} s"
        )

        cases: dict[str, tuple[str, dict[str, str | int]]] = {
            "GET /v1/chats?limit=50": ("/v1/chats", {"limit": 50}),
            "GET /v1/chats/{id}/messages?limit=100": (
                f"/v1/chats/{chat_ids[len(chat_ids) // 2]}/messages",
                {"limit": 100},
            ),
            "GET /v1/search/messages?q=mango nectar&limit=20": (
                "/v1/search/messages",
                {"q": "mango nectar", "limit": 20},
            ),
        }
        print(f"\nlatency over {requests} requests each (ms)")
        for name, (path, params) in cases.items():
            samples = []
            for _ in range(requests):
                t0 = time.perf_counter()
                response = await client.get(path, params=params, headers=headers)
                samples.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, response.text
            samples.sort()
            p95 = samples[int(len(samples) * 0.95) - 1]
            print(f"  {name:<52} p50 {statistics.median(samples):7.2f}   p95 {p95:7.2f}")

    print("\nquery plans")
    plans = {
        "chat list": chat_sql.select_page(user_id, archived=False, after=None, title_contains=None, limit=51),
        "message page": message_sql.select_older(chat_ids[0], user_id, None, 101),
        "search": search_sql.search_messages(['"mango"', '"nectar"'], user_id, None, 21),
    }
    connection = platform.db.connection  # type: ignore[attr-defined]
    for name, statement in plans.items():
        bound = {str(i): v for i, v in enumerate(statement.params, start=1)}
        rows = connection.execute("EXPLAIN QUERY PLAN " + statement.sql, bound).fetchall()
        print(f"  {name}:")
        for row in rows:
            print(f"    {row[-1]}")


async def seed(db: Database, user_id: str, prefix: str, chat_count: int, per_chat: int) -> list[str]:
    now = utc_now()
    stamp = iso(now)
    chat_ids = []
    for start in range(0, chat_count, 100):
        chat_rows: list[Statement] = []
        for n in range(start, min(start + 100, chat_count)):
            chat_id = f"{prefix}-{n:05d}"
            chat_ids.append(chat_id)
            chat_rows.append(
                chat_sql.insert_chat(
                    ChatRecord(
                        chat_id, user_id, f"Chat {n}", "private", {}, False, False, stamp, stamp, stamp
                    )
                )
            )
        await db.batch(chat_rows)
    for index, chat_id in enumerate(chat_ids):
        statements: list[Statement] = []
        for n in range(per_chat):
            words = " ".join(WORDS[(index + n + k) % len(WORDS)] for k in range(12))
            parts = [{"type": "text", "text": f"message {n}: {words}"}]
            statements.append(
                message_sql.insert_message(f"{chat_id}-m{n}", chat_id, user_id, "user", parts, None, now)
            )
        await db.batch(statements)
    return chat_ids


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:]]
    chats, per_chat, requests, noise = arguments + [1000, 100, 200, 0][len(arguments) :]
    asyncio.run(main(chats, per_chat, requests, bool(noise)))
