"""A chat room's storage: its event log (what open tabs replay after a reconnect; a reply's chunks are
events of its generation, numbered from 0 for SSE offsets), the current generation, used tickets."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from workerbase.frozen import Frozen
from workerbase.ports import DurableStorage, GenerationJob, Outcome

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
    " generation TEXT, position INTEGER, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_of_generation ON events (generation, position)",
    # The current (or last) generation: running -> ended (reply being stored) -> done (stream closed).
    # Its text is not kept here: appending to one growing value would rewrite it on every chunk. (An
    # earlier layout, table `generation`, did; objects that have it just leave it unused.) `text_id` is
    # unused since replies have many parts (written '' now; the parts' ids are in their chunks).
    "CREATE TABLE IF NOT EXISTS current_generation (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
    " job TEXT NOT NULL, text_id TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT, saved INTEGER NOT NULL,"
    " store_failures INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, expires INTEGER NOT NULL)",
)
# Events kept for reconnecting tabs, besides those of the current generation.
KEEP_EVENTS = 1000

Event = tuple[int, str, dict[str, Any]]
INTERRUPTED = Outcome("interrupted", "the reply was interrupted")


class GenerationState(Frozen):
    job: GenerationJob
    status: str  # running | ended (the reply is being stored) | done (the stream is closed)
    outcome: Outcome  # INTERRUPTED until the generation ends
    saved: bool  # the reply is stored in D1


class RoomLog:
    def __init__(self, storage: DurableStorage) -> None:
        self._sql = storage.exec
        for statement in _SCHEMA:
            self._sql(statement)

    def append(self, kind: str, data: dict[str, Any], generation: str | None = None) -> Event:
        position = None
        if generation is not None:
            # The index's last entry for the generation: no scan of its chunks on every new one.
            (row,) = self._sql("SELECT max(position) AS last FROM events WHERE generation = ?", generation)
            position = 0 if row["last"] is None else int(row["last"]) + 1
        rows = self._sql(
            "INSERT INTO events (kind, generation, position, data) VALUES (?, ?, ?, ?) RETURNING seq",
            kind,
            generation,
            position,
            json.dumps(data, separators=(",", ":"), ensure_ascii=False),
        )
        return int(rows[0]["seq"] or 0), kind, data

    def append_chunk(self, reply_id: str, chunk: dict[str, Any]) -> Event:
        return self.append("chunk", chunk, generation=reply_id)

    def chunks(self, reply_id: str, offset: int) -> list[dict[str, Any]]:
        rows = self._sql(
            "SELECT data FROM events WHERE generation = ? AND position >= ? ORDER BY position",
            reply_id,
            offset,
        )
        return [json.loads(str(row["data"])) for row in rows]

    def events_after(self, seq: int) -> list[Event]:
        rows = self._sql("SELECT seq, kind, data FROM events WHERE seq > ? ORDER BY seq", seq)
        return [(int(row["seq"] or 0), str(row["kind"]), json.loads(str(row["data"]))) for row in rows]

    def seq_range(self) -> tuple[int | None, int | None]:
        """The first and last seq the log holds (pruning keeps the newest events, so never none after one)."""
        (row,) = self._sql("SELECT min(seq) AS first, max(seq) AS last FROM events")
        first, last = row["first"], row["last"]
        return (None if first is None else int(first)), (None if last is None else int(last))

    def begin_generation(self, job: GenerationJob) -> None:
        self._sql(
            "INSERT OR REPLACE INTO current_generation (singleton, job, text_id, status, outcome, saved)"
            " VALUES (1, ?, '', 'running', NULL, 0)",
            job.to_json(),
        )
        if job.continues:
            # A reply that goes on (its tool calls answered) is generated again under its id: the chunks
            # of its earlier generation stay events for the tabs, no longer chunks of this one (offsets
            # from 0).
            self._sql("UPDATE events SET generation = NULL WHERE generation = ?", job.reply_id)
        # Forget old events, never the new generation's (it has none yet) nor the last KEEP_EVENTS.
        self._sql("DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ?", KEEP_EVENTS)

    def generation(self) -> GenerationState | None:
        rows = self._sql("SELECT job, status, outcome, saved FROM current_generation WHERE singleton = 1")
        if not rows:
            return None
        row = rows[0]
        outcome = INTERRUPTED if row["outcome"] is None else Outcome(**json.loads(str(row["outcome"])))
        job = GenerationJob.from_json(str(row["job"]))
        return GenerationState(job, str(row["status"]), outcome, bool(row["saved"]))

    def mark_ended(self, outcome: Outcome) -> None:
        self._sql(
            "UPDATE current_generation SET status = 'ended', outcome = ? WHERE singleton = 1",
            json.dumps(asdict(outcome)),
        )

    def mark_done(self) -> None:
        self._sql("UPDATE current_generation SET status = 'done' WHERE singleton = 1")

    def count_store_failure(self) -> int:
        rows = self._sql(
            "UPDATE current_generation SET store_failures = store_failures + 1 WHERE singleton = 1"
            " RETURNING store_failures"
        )
        return int(rows[0]["store_failures"] or 0) if rows else 0

    def mark_saved(self) -> None:
        self._sql("UPDATE current_generation SET saved = 1 WHERE singleton = 1")

    def use_ticket(self, nonce: str, expires: int, now: datetime) -> bool:
        self._sql("DELETE FROM used_tickets WHERE expires < ?", int(now.timestamp()))
        rows = self._sql(
            "INSERT INTO used_tickets (nonce, expires) VALUES (?, ?)"
            " ON CONFLICT (nonce) DO NOTHING RETURNING 1",
            nonce,
            expires,
        )
        return bool(rows)
