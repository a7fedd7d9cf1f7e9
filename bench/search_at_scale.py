"""Search at scale: `GET /v1/search/messages` for a user with a long history, before and after blocks.

Builds (once; the file is cached in the temp dir, keyed by the arguments and the migrations) a local D1
database with the project's migrations and FTS triggers: one user with `messages` messages and another
user with `other` messages, their chats interleaved in time the way two active users' are. Then it times
the search service (the local D1 adapter, the SQL and the Python around it) for a common word, two common
words, a word in 1% of messages, a rare word, and a word rare for the caller but in half of the other
user's messages, on page 1, 10 and 50 (20 hits a page), and the SQL this replaced (`bm25()` over every
match) on pages 1 and 10. Prints p50/p95 in milliseconds.

Usage: uv run python bench/search_at_scale.py [messages=100000] [other=messages] [requests=40]
       [block=BLOCK_SIZE]; e.g. `... 1000000` for a million messages each (~25 minutes to build the
       first time on 2 busy cores).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.bindings.local.migrations import apply_migrations
from workerbase.local import PROJECT_ROOT
from workerbase.ports import SqlParam
from workerbase.repositories.messages import MESSAGE_ROWID_SPAN
from workerbase.repositories.search import BLOCK_SIZE
from workerbase.services.search import SearchService, fts_phrases

BUILD_VERSION = "1"  # change when the generated data changes, to rebuild cached databases
NOW = "2026-11-23T12:00:00.000Z"
CALLER = "0b7e41aa-0000-4000-8000-000000000001"
OTHER = "0b7e41aa-0000-4000-8000-000000000002"
MESSAGES_PER_CHAT = 50
PAGE = 20

# Planted words, with the share of each user's messages holding them (the rest of the text is drawn from
# a Zipf-distributed vocabulary of 20,000 words).
SHARES: dict[str, tuple[float, float]] = {  # word: (caller, other user)
    "project": (0.5, 0.5),
    "update": (0.5, 0.5),
    "harbor": (0.01, 0.01),
    "quartz": (0.0, 0.5),
}
# Words in exactly 20 of the caller's messages, spread over the history: "zephyr" is rare for everyone,
# "quartz" is also in half of the other user's messages (the caller's rowid range keeps those out of the
# way).
PLANTED = ["zephyr", "quartz"]
QUERIES = ["project", "project update", "harbor", "zephyr", "quartz"]
PAGES = [1, 10, 50]

# The caller's range of message rowids (migration 0016), for the statements below.
_RANGE = (
    f"messages_fts.rowid BETWEEN (SELECT rowid * {MESSAGE_ROWID_SPAN} FROM users WHERE id = ?2)"
    f" AND (SELECT rowid * {MESSAGE_ROWID_SPAN} + {MESSAGE_ROWID_SPAN - 1} FROM users WHERE id = ?2)"
)
# The statement this bench's "before" column measures: bm25() over every match of the caller's.
OLD_SEARCH = (
    "SELECT messages.id AS id, messages.chat_id AS chat_id, messages.role AS role,"
    " messages.created_at AS created_at,"
    " snippet(messages_fts, 0, char(2), char(3), '…', 16) AS snippet,"
    " bm25(messages_fts) AS score"
    " FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
    f" WHERE messages_fts MATCH ?1 AND {_RANGE} AND messages.user_id = ?2"
    " AND (?3 IS NULL OR (bm25(messages_fts), messages.id) > (?3, ?4))"
    " ORDER BY score, messages.id LIMIT ?5"
)


def old_query(text: str) -> str:
    return " ".join(fts_phrases(text))


def database_path(messages: int, other: int) -> Path:
    migrations = b"".join(path.read_bytes() for path in sorted((PROJECT_ROOT / "migrations").glob("*.sql")))
    key = hashlib.sha256(f"{BUILD_VERSION}:{messages}:{other}:".encode() + migrations).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "workerbase-search-bench" / f"{messages}-{other}-{key}.sqlite3"


class TextMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = [f"w{n}" for n in range(20_000)]
        self.cumulative: list[float] = []
        total = 0.0
        for rank in range(1, len(self.vocabulary) + 1):
            total += 1 / rank
            self.cumulative.append(total)

    def text(self, role: str, user: int, planted: list[str]) -> str:
        """A user's prompt (4-30 words) or an assistant's reply (30-120 words), ~45 words on average."""
        rng = self.rng
        count = rng.randint(4, 30) if role == "user" else rng.randint(30, 120)
        words = rng.choices(self.vocabulary, cum_weights=self.cumulative, k=count)
        for word, shares in SHARES.items():
            if rng.random() < shares[user]:
                words.insert(rng.randrange(len(words) + 1), word)
        for word in planted:
            words.insert(rng.randrange(len(words) + 1), word)
        return " ".join(words)


def build(path: Path, counts: tuple[int, int]) -> None:
    """Both users' chats, alternating, so their messages interleave in rowid order. One transaction,
    `executemany`, no journal: the FTS triggers of the migrations do the indexing as in production."""
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial, isolation_level=None)
    apply_migrations(connection, PROJECT_ROOT / "migrations")
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000"):
        connection.execute(f"PRAGMA {pragma}")
    maker = TextMaker(seed=11)
    planted = {word: set(maker.rng.sample(range(counts[0]), min(20, counts[0]))) for word in PLANTED}
    users = [CALLER, OTHER]  # users.rowid 1 and 2: their messages' rowids start at SPAN + 1, 2 * SPAN + 1
    started = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', ?, ?)",
        [(user_id, f"{user_id}@example.com", NOW, NOW) for user_id in users],
    )
    written = [0, 0]
    chat_number = 0
    while written[0] < counts[0] or written[1] < counts[1]:
        for user in (0, 1):
            rows = []
            chat_id = f"chat-{chat_number:07d}"
            for seq in range(1, min(MESSAGES_PER_CHAT, counts[user] - written[user]) + 1):
                role = "user" if seq % 2 else "assistant"
                words = [w for w, at in planted.items() if user == 0 and written[user] in at]
                text = maker.text(role, user, words)
                parts = json.dumps([{"type": "text", "text": text}])
                written[user] += 1
                rowid = (user + 1) * MESSAGE_ROWID_SPAN + written[user]  # as the app's INSERT assigns it
                message_id = f"{chat_id}-{seq}"
                rows.append((rowid, message_id, chat_id, users[user], seq, role, parts, text, NOW, NOW))
            if not rows:
                continue
            connection.execute(
                "INSERT INTO chats (id, user_id, created_at, updated_at, last_activity_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (chat_id, users[user], NOW, NOW, NOW),
            )
            connection.executemany(
                "INSERT INTO messages (rowid, id, chat_id, user_id, seq, role, parts, content_text,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            chat_number += 1
    connection.execute("COMMIT")
    connection.close()
    partial.rename(path)
    print(f"built {counts[0]:,} + {counts[1]:,} messages in {time.perf_counter() - started:.0f} s: {path}")


Latency = tuple[float, float, float]  # p50, p95 (wall clock), p50 of the CPU time, in ms


async def timed(call: Callable[[], Awaitable[object]], requests: int) -> Latency:
    """The CPU time is what the query holds the database for (a D1 database runs one at a time); the
    wall clock also counts waiting for a core on a busy machine."""
    walls, cpus = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        await call()
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - started_cpu) * 1000)
    walls.sort()
    return statistics.median(walls), walls[max(0, math.ceil(len(walls) * 0.95) - 1)], statistics.median(cpus)


async def after(service: SearchService, text: str, page: int, requests: int) -> Latency | None:
    """The search service on `page`, reached by following cursors; None if the results end before."""
    cursor = None
    for _ in range(page - 1):
        _, cursor = await service.messages(CALLER, text, cursor, PAGE)
        if cursor is None:
            return None
    at = cursor
    return await timed(lambda: service.messages(CALLER, text, at, PAGE), requests)


async def before(db: SqliteDatabase, text: str, page: int, requests: int) -> Latency | None:
    """The old statement on `page` (its cost does not depend on the page: it ranks every match)."""
    query = old_query(text)
    position: list[SqlParam] = [None, None]
    if page > 1:
        rows = (await db.query(OLD_SEARCH, [query, CALLER, None, None, (page - 1) * PAGE])).rows
        if len(rows) < (page - 1) * PAGE:
            return None
        position = [rows[-1]["score"], rows[-1]["id"]]
    params = [query, CALLER, *position, PAGE + 1]
    return await timed(lambda: db.query(OLD_SEARCH, params), requests)


async def main(messages: int, other: int, requests: int, block_size: int) -> None:
    path = database_path(messages, other)
    if path.exists():
        print(f"using the cached database {path}")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        build(path, (messages, other))
    db = SqliteDatabase(path)
    service = SearchService(db, block_size)
    before_requests = max(3, requests // 8)
    try:
        print(f"\ncaller: {messages:,} messages, other user: {other:,}")
        print(f"{PAGE} hits a page, blocks of {block_size} matches")
        print(f"ms: wall p50, wall p95, CPU p50 ({requests} requests after, {before_requests} before)\n")
        print(f"  {'query':<16}{'matches':>9}  {'page':>4}  {'before':^23}  {'after':^23}")
        for text in QUERIES:
            counted = await db.query(
                f"SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ?1 AND {_RANGE}",
                [old_query(text), CALLER],
            )
            matches = int(counted.rows[0]["n"] or 0)
            for page in PAGES:
                new = await after(service, text, page, requests)
                old = await before(db, text, page, before_requests) if page <= 10 else None
                print(f"  {text:<16}{matches:>9,}  {page:>4}  {show(old):>23}  {show(new):>23}")
    finally:
        db.close()


def show(latency: Latency | None) -> str:
    return "-" if latency is None else f"{latency[0]:7.1f} {latency[1]:7.1f} {latency[2]:7.1f}"


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:]]
    count = arguments[0] if arguments else 100_000
    other_count, requests, block_size = arguments[1:] + [count, 40, BLOCK_SIZE][len(arguments[1:]) :]
    asyncio.run(main(count, other_count, requests, block_size))
