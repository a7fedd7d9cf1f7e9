"""Deleting users without and with migration 0013's indexes on foreign keys' child columns.

Builds the local D1 (SQLite through the project's adapter, with D1's 30 s query limit) from migrations/
without 0013, seeds `messages` messages spread over `users` users (100 per chat, a vote on every tenth),
then times, through the adapter, the statements the app runs:
* the deletion `DELETE /v1/me` runs (accounts.delete_user), of a user with one message: median of
  `deletes` users;
* the maintenance's guest clean-up (accounts.delete_unreachable_guests) of `guests` guests with one
  message each.
Then it applies 0013 with the project's migration applier (timed: on D1 the migration is one more query
under the same 30 s limit), and runs both again on other users and guests. The query plans of the
child-row look-ups a user's deletion runs are printed before and after.
Usage: uv run python bench/foreign_key_indexes.py [messages=1000000] [users=1000] [guests=200] [deletes=10]
The default run takes ~4 minutes on 2 busy cores, 3 of them seeding.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from workerbase.bindings.d1_rules import QUERY_TIMEOUT_SECONDS
from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.bindings.local.migrations import apply_migrations
from workerbase.clock import iso, utc_now
from workerbase.errors import LimitExceeded
from workerbase.local import PROJECT_ROOT
from workerbase.ports import Database, run
from workerbase.repositories import accounts
from workerbase.repositories.messages import MESSAGE_ROWID_SPAN
from workerbase.services.maintenance import GUEST_GRACE

MIGRATIONS = PROJECT_ROOT / "migrations"
MIGRATION = "0013_foreign_key_indexes.sql"
PER_CHAT = 100
WORDS = ("apple", "banana", "cherry", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
# The child-row look-ups deleting a user runs (ON DELETE CASCADE), one per foreign key to users(id).
LOOKUPS = ("messages", "votes", "suggestions")


async def main(messages: int, users: int, guests: int, deletes: int) -> None:
    state = Path(tempfile.mkdtemp(prefix="workerbase-bench-"))
    try:
        db = SqliteDatabase(state / "d1.sqlite3")
        before = state / "migrations"
        before.mkdir()
        for path in MIGRATIONS.glob("*.sql"):
            if path.name != MIGRATION:
                shutil.copy(path, before)
        apply_migrations(db.connection, before)

        started = time.perf_counter()
        seed(db.connection, messages, users, guests, deletes)
        print(
            f"seeded {users:,} users with {messages:,} messages (a vote on every tenth),"
            f" and {2 * (guests + deletes):,} users with one message in {time.perf_counter() - started:.0f} s"
        )

        without = await measure(db, "without", guests, deletes)
        started = time.perf_counter()
        assert apply_migrations(db.connection, MIGRATIONS) == [MIGRATION]
        migration_seconds = time.perf_counter() - started
        with_indexes = await measure(db, "with", guests, deletes)

        print(f"\n{'':<44}{'without':>22}{'with 0013':>14}{'ratio':>8}")
        for name in without:
            old, new = without[name], with_indexes[name]
            print(f"  {name:<42}{shown(old):>22}{shown(new):>14}{ratio(old, new):>8}")
        print(f"  {'migration 0013 (3 x CREATE INDEX)':<42}{'':>22}{migration_seconds * 1000:>11.0f} ms")
        db.close()
    finally:
        shutil.rmtree(state)


def seed(connection: sqlite3.Connection, messages: int, users: int, guests: int, deletes: int) -> None:
    """Plain inserts in one transaction (the FTS triggers run as in the app): the app's statements one
    batch at a time would take far longer and measure nothing of interest here."""
    now = iso(utc_now())
    long_ago = iso(utc_now() - 2 * GUEST_GRACE)
    connection.execute("BEGIN")
    # Guests first, with the oldest created_at: each run of the clean-up takes the `guests` oldest.
    owners = [(f"guest-{n:05d}", 1, long_ago) for n in range(2 * guests)]
    owners += [(f"victim-{n:05d}", 0, now) for n in range(2 * deletes)]
    owners += [(f"user-{n:07d}", 0, now) for n in range(users)]
    connection.executemany(
        "INSERT INTO users (id, email, role, password_hash, created_at, updated_at, guest)"
        " VALUES (?1, ?1 || '@example.com', 'user', 'unusable', ?3, ?3, ?2)",
        owners,
    )
    # Chats: one per guest and victim (with one message), then the busy users' chats of PER_CHAT.
    chats = [
        (f"chat-{user_id}", user_id, created) for user_id, _, created in owners[: 2 * (guests + deletes)]
    ]
    busy_chats = -(-messages // PER_CHAT)
    chats += [(f"chat-{n:07d}", f"user-{n % users:07d}", now) for n in range(busy_chats)]
    connection.executemany(
        "INSERT INTO chats (id, user_id, created_at, updated_at, last_activity_at)"
        " VALUES (?1, ?2, ?3, ?3, ?3)",
        chats,
    )
    # Each message the n-th of its owner's range of rowids (?7 = n), as the app's INSERT assigns them
    # (migration 0016).
    insert_message = (
        "INSERT INTO messages (rowid, id, chat_id, user_id, seq, role, parts, content_text, created_at,"
        f" updated_at) VALUES ((SELECT rowid * {MESSAGE_ROWID_SPAN} FROM users WHERE id = ?3) + ?7, ?1, ?2,"
        " ?3, ?4, 'user', json_array(json_object('type', 'text', 'text', ?5)), ?5, ?6, ?6)"
    )
    connection.executemany(
        insert_message,
        (
            (f"m-{chat_id}", chat_id, user_id, 0, "hello", created, 1)
            for chat_id, user_id, created in chats[: 2 * (guests + deletes)]
        ),
    )
    connection.executemany(insert_message, busy_messages(messages, users, now))
    connection.execute(
        "INSERT INTO votes (message_id, user_id, chat_id, value, created_at, updated_at)"
        " SELECT id, user_id, chat_id, 'up', created_at, created_at FROM messages"
        " WHERE id LIKE 'm-chat-0%' AND seq % 10 = 0"
    )
    connection.execute("COMMIT")


def busy_messages(messages: int, users: int, now: str) -> Iterator[tuple[object, ...]]:
    stored = [0] * users
    for n in range(messages):
        chat, seq = divmod(n, PER_CHAT)
        text = " ".join(WORDS[(n + k) % len(WORDS)] for k in range(8))
        owner = chat % users
        stored[owner] += 1
        message_id, chat_id = f"m-chat-{chat:07d}-{seq}", f"chat-{chat:07d}"
        yield (message_id, chat_id, f"user-{owner:07d}", seq, text, now, stored[owner])


async def measure(db: Database, phase: str, guests: int, deletes: int) -> dict[str, float | None]:
    connection = db.connection  # type: ignore[attr-defined]
    print(f"\nquery plans {phase} 0013:")
    for table in LOOKUPS:
        plan = connection.execute(
            f"EXPLAIN QUERY PLAN SELECT 1 FROM {table} WHERE user_id = ?", ["x"]
        ).fetchall()
        print(f"  {table:<12} {'; '.join(row[-1] for row in plan)}")

    offset = 0 if phase == "without" else deletes
    samples = []
    for n in range(offset, offset + deletes):
        started = time.perf_counter()
        result = await run(db, accounts.delete_user(f"victim-{n:05d}"))
        samples.append(time.perf_counter() - started)
        assert result.meta.changes > 1, result.meta  # the user, its chat and its message
    now = utc_now()
    left = guests_left(connection)
    started = time.perf_counter()
    cleanup: float | None
    try:
        await run(db, accounts.delete_unreachable_guests(now - GUEST_GRACE, now, guests))
        cleanup = time.perf_counter() - started
        print(f"  guest clean-up: {left - guests_left(connection):,} guests deleted")
    except LimitExceeded as exc:
        cleanup = None
        print(f"  guest clean-up failed after {time.perf_counter() - started:.1f} s: {exc}")
    return {
        f"delete a user with one message (median of {deletes})": statistics.median(samples),
        f"guest clean-up of {guests} guests": cleanup,
    }


def guests_left(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT count(*) FROM users WHERE guest = 1").fetchone()[0])


def ratio(old: float | None, new: float | None) -> str:
    if new is None:
        return "-"
    # A statement stopped at the limit took at least that long.
    return f"{old / new:.0f}x" if old is not None else f">{QUERY_TIMEOUT_SECONDS / new:.0f}x"


def shown(seconds: float | None) -> str:
    return f"LimitExceeded ({QUERY_TIMEOUT_SECONDS} s)" if seconds is None else f"{seconds * 1000:.1f} ms"


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:]]
    messages, users, guests, deletes = arguments + [1_000_000, 1000, 200, 10][len(arguments) :]
    asyncio.run(main(messages, users, guests, deletes))
