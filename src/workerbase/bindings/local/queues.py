"""Cloudflare Queues on a local SQLite file: a queue and its dead-letter queue (`<name>-dlq`), consumed
in-process (`deliver_due`, which the local runtime calls whenever a message is sent or falls due).

Like Queues: at-least-once delivery, a failed message is delivered again after its back-off with its
attempts counted, after `max_retries` retries it moves to the dead-letter queue, and the limits are
checked before sending (`ports/queues.py`). Unlike Queues, delivery order is the order of sending.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from workerbase.bindings.local.failures import storage_failures_are_unavailable
from workerbase.logs import get_logger
from workerbase.ports import Consume, JsonValue, QueueMessage, retry_delay
from workerbase.ports.queues import BINDING, DEAD_LETTER_SUFFIX, check_batch, check_delay, encoded

_unavailable_on_failure = storage_failures_are_unavailable(BINDING)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    queue TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    visible_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (visible_at);
"""


class SqliteQueue:
    def __init__(
        self,
        path: Path | str,
        name: str,
        *,
        max_retries: int = 3,
        retry_base_seconds: int | None = None,
        clock: Callable[[], float] = time.time,
        on_send: Callable[[], None] = lambda: None,
    ) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.executescript(_SCHEMA)
        self.name = name
        self._dead_letters = name + DEAD_LETTER_SUFFIX
        self._max_retries = max_retries
        self._retry_base = retry_base_seconds
        self._clock = clock
        self.on_send = on_send  # the local runtime's consumer wakes up

    def close(self) -> None:
        self._connection.close()

    async def send(self, body: JsonValue, *, delay_seconds: int = 0) -> None:
        check_delay(delay_seconds)
        await self._insert(self.name, [encoded(body)], delay_seconds)

    async def send_batch(self, bodies: Sequence[JsonValue], *, delay_seconds: int = 0) -> None:
        await self._insert(self.name, check_batch(bodies, delay_seconds), delay_seconds)

    @_unavailable_on_failure
    async def deliver_due(self, consume: Consume, *, batch_size: int = 10) -> int:
        """Deliver the messages due now, oldest first, at most `batch_size`; returns how many."""
        rows = self._connection.execute(
            "SELECT id, queue, body, attempts FROM messages WHERE visible_at <= ?"
            " ORDER BY visible_at, seq LIMIT ?",
            (self._clock(), batch_size),
        ).fetchall()
        for message_id, queue, body, attempts in rows:
            message = QueueMessage(message_id, json.loads(body), attempts + 1, queue)
            try:
                await consume(message)
            except Exception:
                self._failed(message)
            else:
                self._connection.execute("DELETE FROM messages WHERE id = ?", (message_id,))
        return len(rows)

    def next_due(self) -> float | None:
        """When the next message falls due (a clock time), if any is waiting."""
        (due,) = self._connection.execute("SELECT min(visible_at) FROM messages").fetchone()
        return None if due is None else float(due)

    @_unavailable_on_failure
    async def _insert(self, queue: str, texts: list[str], delay_seconds: int) -> None:
        visible = self._clock() + delay_seconds
        with self._connection:
            self._connection.execute("BEGIN")
            self._connection.executemany(
                "INSERT INTO messages (id, queue, body, visible_at) VALUES (?, ?, ?, ?)",
                [(uuid.uuid4().hex, queue, text, visible) for text in texts],
            )
        self.on_send()

    def _failed(self, message: QueueMessage) -> None:
        fields = {"queue": message.queue, "message_id": message.id, "attempts": message.attempts}
        if message.attempts <= self._max_retries:
            wait = retry_delay(message.attempts, self._retry_base)
            get_logger().warning(
                "a queue message failed; it will be delivered again", extra={"fields": fields}
            )
            self._connection.execute(
                "UPDATE messages SET attempts = ?, visible_at = ? WHERE id = ?",
                (message.attempts, self._clock() + wait, message.id),
            )
        elif not message.dead_letter:
            get_logger().error(
                "a queue message failed every retry: to the dead-letter queue", extra={"fields": fields}
            )
            self._connection.execute(
                "UPDATE messages SET queue = ?, attempts = 0, visible_at = ? WHERE id = ?",
                (self._dead_letters, self._clock(), message.id),
            )
        else:
            get_logger().error("a dead letter failed every retry: dropped", extra={"fields": fields})
            self._connection.execute("DELETE FROM messages WHERE id = ?", (message.id,))
