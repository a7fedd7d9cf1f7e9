"""A chat room's storage: its event log (what open tabs replay after a reconnect; a reply's chunks are
events of its generation, numbered from 0 for SSE offsets), the current generation, used tickets."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from workerbase.durable.generation import GenerationJob, Outcome
from workerbase.ports import DurableStorage

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,"
    " generation TEXT, position INTEGER, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_of_generation ON events (generation, position)",
    # The current (or last) generation: running -> ended (reply being stored) -> done (stream closed).
    "CREATE TABLE IF NOT EXISTS generation (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
    " job TEXT NOT NULL, reply_id TEXT NOT NULL, text_id TEXT NOT NULL, status TEXT NOT NULL,"
    " text TEXT NOT NULL, outcome TEXT, saved INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, expires INTEGER NOT NULL)",
)
# Events kept for reconnecting tabs, besides those of the current generation.
KEEP_EVENTS = 1000

Event = tuple[int, str, dict[str, Any]]


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

    def first_seq(self) -> int | None:
        (row,) = self._sql("SELECT min(seq) AS first FROM events")
        return None if row["first"] is None else int(row["first"])

    def begin_generation(self, job: GenerationJob, text_id: str) -> None:
        self._sql(
            "INSERT OR REPLACE INTO generation"
            " (singleton, job, reply_id, text_id, status, text, outcome, saved)"
            " VALUES (1, ?, ?, ?, 'running', '', NULL, 0)",
            job.to_json(),
            job.reply_id,
            text_id,
        )
        # Forget old events, never the new generation's (it has none yet) nor the last KEEP_EVENTS.
        self._sql("DELETE FROM events WHERE seq <= (SELECT max(seq) FROM events) - ?", KEEP_EVENTS)

    def add_text(self, reply_id: str, delta_chunk: dict[str, Any]) -> Event:
        self._sql("UPDATE generation SET text = text || ? WHERE singleton = 1", str(delta_chunk["delta"]))
        return self.append_chunk(reply_id, delta_chunk)

    def generation(self) -> GenerationJob | None:
        state = self._state()
        return GenerationJob.from_json(str(state["job"])) if state else None

    def generation_status(self) -> str | None:
        state = self._state()
        return str(state["status"]) if state else None

    def generation_text(self) -> str:
        state = self._state()
        return str(state["text"]) if state else ""

    def text_id(self) -> str:
        state = self._state()
        return str(state["text_id"]) if state else ""

    def outcome(self) -> Outcome:
        state = self._state()
        if not state or state["outcome"] is None:
            return Outcome("interrupted", "the reply was interrupted")
        return Outcome(**json.loads(str(state["outcome"])))

    def reply_saved(self) -> bool:
        state = self._state()
        return bool(state and state["saved"])

    def mark_ended(self, outcome: Outcome) -> None:
        self._sql(
            "UPDATE generation SET status = 'ended', outcome = ? WHERE singleton = 1",
            json.dumps({"finish_reason": outcome.finish_reason, "error": outcome.error}),
        )

    def mark_done(self) -> None:
        self._sql("UPDATE generation SET status = 'done' WHERE singleton = 1")

    def mark_saved(self) -> None:
        self._sql("UPDATE generation SET saved = 1 WHERE singleton = 1")

    def use_ticket(self, nonce: str, expires: int, now: datetime) -> bool:
        self._sql("DELETE FROM used_tickets WHERE expires < ?", int(now.timestamp()))
        rows = self._sql(
            "INSERT INTO used_tickets (nonce, expires) VALUES (?, ?)"
            " ON CONFLICT (nonce) DO NOTHING RETURNING 1",
            nonce,
            expires,
        )
        return bool(rows)

    def _state(self) -> dict[str, Any] | None:
        rows = self._sql(
            "SELECT job, text_id, status, text, outcome, saved FROM generation WHERE singleton = 1"
        )
        return dict(rows[0]) if rows else None
