"""ChatRoom: the Durable Object of one chat. It owns the chat's running generation: asks the model, keeps
every chunk of the reply in its storage (so a reader that comes back, on any Worker instance, gets the
stream from any offset), serves the chunks to readers as they come, and stores the reply in D1 when it
ends, also when the client went away, marked incomplete when the model failed or was stopped.

A plain class over the DurableStorage port: the Workers class in `src/entry.py` and the local runtime
(`bindings/local/durable.py`) both wrap it. Nothing here awaits inside a storage transaction, so requests
to the room never interleave inside one. If the object is evicted mid-generation (the task dies with it),
the alarm set at the start finds the generation still "running" with no task, and ends it as
interrupted with the text it had.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from workerbase.errors import WorkerbaseError
from workerbase.logs import get_logger
from workerbase.models import ModelFailed
from workerbase.ports import BodyStream, ChatModel, DurableStorage, ModelMessage

_SCHEMA = (
    # The current (or last) generation: running -> ended (reply being stored) -> done (stream closed).
    "CREATE TABLE IF NOT EXISTS generation (singleton INTEGER PRIMARY KEY CHECK (singleton = 1),"
    " job TEXT NOT NULL, text_id TEXT NOT NULL, status TEXT NOT NULL, text TEXT NOT NULL, outcome TEXT,"
    " saved INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS chunks (position INTEGER PRIMARY KEY, chunk TEXT NOT NULL)",
)
# While a generation runs, the alarm checks this often that its task is still alive.
WATCHDOG_INTERVAL = timedelta(seconds=30)


class GenerationRunning(WorkerbaseError):
    status = 409
    code = "generation_running"
    title = "A reply is being generated in this chat; stop it or wait for it"
    public_detail = True


@dataclass(frozen=True, slots=True)
class GenerationJob:
    chat_id: str
    user_id: str
    reply_id: str  # the assistant message's id, chosen before it exists
    model: str
    history: Sequence[ModelMessage] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "history": [asdict(m) for m in self.history]})

    @classmethod
    def from_json(cls, text: str) -> GenerationJob:
        data = json.loads(text)
        return cls(**{**data, "history": [ModelMessage(**m) for m in data["history"]]})


@dataclass(frozen=True, slots=True)
class Outcome:
    finish_reason: str  # stop | error | abort | interrupted
    error: str | None = None

    @property
    def incomplete(self) -> bool:
        return self.finish_reason != "stop"


# Stores the finished reply (D1 through the messages service); may raise, and is then retried by the alarm.
SaveReply = Callable[[GenerationJob, str, Outcome], Awaitable[None]]


class ChatRoom:
    def __init__(
        self, storage: DurableStorage, model: ChatModel, save_reply: SaveReply, now: Callable[[], datetime]
    ) -> None:
        self._storage = storage
        self._model = model
        self._save_reply = save_reply
        self._now = now
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        for statement in _SCHEMA:
            storage.exec(statement)

    # --- what the Worker asks of the room ------------------------------------------------------------

    async def start(self, job: GenerationJob) -> None:
        """Begin generating `job`'s reply; its chunks can be read at once with `read(0)`."""
        await self._end_orphaned_generation()
        if self._running():
            raise GenerationRunning("a reply is being generated in this chat")
        text_id = uuid.uuid4().hex

        def begin() -> None:
            self._storage.exec("DELETE FROM chunks")
            self._storage.exec(
                "INSERT OR REPLACE INTO generation (singleton, job, text_id, status, text, outcome, saved)"
                " VALUES (1, ?, ?, 'running', '', NULL, 0)",
                job.to_json(),
                text_id,
            )
            for chunk in (
                {"type": "start", "messageId": job.reply_id},
                {"type": "start-step"},
                {"type": "text-start", "id": text_id},
            ):
                self._append(chunk)

        self._storage.transaction(begin)
        self._task = asyncio.ensure_future(self._generate(job, text_id))
        await self._storage.set_alarm(self._now() + WATCHDOG_INTERVAL)

    async def read(self, offset: int = 0) -> AsyncIterator[dict[str, Any]]:
        """The chunks of the current (or last) generation from `offset` on, waiting for new ones until it
        ends. Closing the iterator early (a client that went away) does not affect the generation."""
        await self._end_orphaned_generation()
        position = offset
        while True:
            wake = self._wake  # taken before reading, so a chunk appended meanwhile is not missed
            rows = self._storage.exec(
                "SELECT position, chunk FROM chunks WHERE position >= ? ORDER BY position", position
            )
            for row in rows:
                yield json.loads(str(row["chunk"]))
                position = int(row["position"] or 0) + 1
            if rows:
                continue
            if self._status() in (None, "done"):
                return
            await wake.wait()

    async def generating(self) -> bool:
        """Whether a reply is being generated now (what resuming needs to know)."""
        await self._end_orphaned_generation()
        return self._running()

    async def stop(self) -> bool:
        """Stop the generation; the partial reply is kept (stored as incomplete). False if none ran."""
        task = self._task
        if task is None or task.done():
            return False
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return True

    async def alarm(self) -> None:
        """The watchdog: ends a generation whose task is gone (the object was evicted), retries storing a
        reply that could not be stored, and re-arms while either is pending."""
        await self._end_orphaned_generation()
        state = self._generation()
        if state is not None and state["status"] == "done" and not state["saved"]:
            await self._store_reply(
                GenerationJob.from_json(str(state["job"])), str(state["text"]), _outcome(state)
            )
            state = self._generation()
        if self._running() or (state is not None and not state["saved"]):
            await self._storage.set_alarm(self._now() + WATCHDOG_INTERVAL)

    # --- the generation ------------------------------------------------------------------------------

    async def _generate(self, job: GenerationJob, text_id: str) -> None:
        outcome = Outcome("stop")
        try:
            async for delta in self._model.reply(job.model, job.history):
                self._storage.transaction(partial(self._add_text, text_id, delta))
        except asyncio.CancelledError:
            outcome = Outcome("abort")
        except ModelFailed as exc:
            outcome = Outcome("error", str(exc))
        except Exception:
            get_logger().exception("generation failed", extra={"fields": {"chat_id": job.chat_id}})
            outcome = Outcome("error", "the reply failed")
        await self._end(job, text_id, outcome)

    async def _end(self, job: GenerationJob, text_id: str, outcome: Outcome) -> None:
        """Store the reply first (a client that sees `finish` and reads the chat finds it), then close
        the stream. If storing fails the stream still ends; the alarm retries storing."""

        def mark_ended() -> None:
            self._storage.exec(
                "UPDATE generation SET status = 'ended', outcome = ? WHERE singleton = 1",
                json.dumps(asdict(outcome)),
            )

        self._storage.transaction(mark_ended)
        text = str((self._generation() or {}).get("text") or "")
        await self._store_reply(job, text, outcome)
        closing: list[dict[str, Any]] = [{"type": "text-end", "id": text_id}]
        if outcome.finish_reason == "error":
            closing.append({"type": "error", "errorText": outcome.error or "the reply failed"})
        elif outcome.finish_reason in ("abort", "interrupted"):
            closing.append({"type": "abort"})
        closing += [{"type": "finish-step"}, {"type": "finish"}]

        def close() -> None:
            for chunk in closing:
                self._append(chunk)
            self._storage.exec("UPDATE generation SET status = 'done' WHERE singleton = 1")

        self._storage.transaction(close)
        self._notify()

    async def _store_reply(self, job: GenerationJob, text: str, outcome: Outcome) -> None:
        try:
            await self._save_reply(job, text, outcome)
        except Exception:
            fields = {"chat_id": job.chat_id}
            get_logger().exception("could not store the reply; the alarm retries", extra={"fields": fields})
            await self._storage.set_alarm(self._now() + WATCHDOG_INTERVAL)
            return
        self._storage.exec("UPDATE generation SET saved = 1 WHERE singleton = 1")

    async def _end_orphaned_generation(self) -> None:
        """A generation not done whose task is not in this instance died with an evicted object: end it
        (as interrupted if it was still running; with its own outcome if it died while ending)."""
        state = self._generation()
        if state is None or state["status"] == "done" or self._running():
            return
        job = GenerationJob.from_json(str(state["job"]))
        interrupted = Outcome("interrupted", "the reply was interrupted")
        await self._end(
            job, str(state["text_id"]), interrupted if state["status"] == "running" else _outcome(state)
        )

    # --- storage -------------------------------------------------------------------------------------

    def _add_text(self, text_id: str, delta: str) -> None:
        self._append({"type": "text-delta", "id": text_id, "delta": delta})
        self._storage.exec("UPDATE generation SET text = text || ? WHERE singleton = 1", delta)
        self._notify()

    def _append(self, chunk: dict[str, Any]) -> None:
        self._storage.exec(
            "INSERT INTO chunks (position, chunk) SELECT coalesce(max(position), -1) + 1, ? FROM chunks",
            json.dumps(chunk, separators=(",", ":"), ensure_ascii=False),
        )

    def _notify(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def _generation(self) -> dict[str, Any] | None:
        rows = self._storage.exec(
            "SELECT job, text_id, status, text, outcome, saved FROM generation WHERE singleton = 1"
        )
        return dict(rows[0]) if rows else None

    def _status(self) -> str | None:
        state = self._generation()
        return str(state["status"]) if state else None

    def _running(self) -> bool:
        return self._task is not None and not self._task.done()


def _outcome(state: dict[str, Any]) -> Outcome:
    return Outcome(**json.loads(str(state["outcome"]))) if state.get("outcome") else Outcome("interrupted")


class ChatRoomClient(Protocol):
    """How the Worker reaches a chat's room (a Durable Object stub on Workers, the in-process object
    locally). Streams are the UI message stream's SSE bytes (`durable/ui_stream.py`)."""

    async def start(self, job: GenerationJob) -> BodyStream:
        """Start the reply and stream it from its first chunk; GenerationRunning if one is running."""
        ...

    async def resume(self, chat_id: str, offset: int) -> BodyStream | None:
        """The running reply's stream from chunk `offset`; None when no reply is being generated."""
        ...

    async def stop(self, chat_id: str) -> bool: ...
