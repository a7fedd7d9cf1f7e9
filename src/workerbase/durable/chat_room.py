"""ChatRoom: the Durable Object of one chat. It owns the chat's running generation: asks the model, logs
every chunk of the reply in its storage (so a reader that comes back, on any Worker instance, gets the
stream from any offset), serves the chunks to SSE readers and to the chat's WebSockets as they come,
and stores the reply in D1 when it ends, also when the client went away, marked incomplete when the
model failed or was stopped.

A plain class over ports: DurableStorage (`ctx.storage`) and RoomSockets (the object's accepted,
hibernatable WebSockets). The Workers class (`bindings/workers/chat_room_object.py`) and the local
runtime (`bindings/local/chat_rooms.py`) both wrap it. Nothing here awaits inside a storage transaction,
so requests to the room never interleave inside one. If the object is evicted mid-generation (the task
dies with it), the alarm set at the start finds the generation unfinished with no task, and ends it as
interrupted with the text it had. A reply that could not be stored is stored before another begins.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from workerbase.durable.room_log import INTERRUPTED, RoomLog
from workerbase.durable.ui_stream import closing_chunks, opening_chunk, parts_of
from workerbase.logs import get_logger
from workerbase.ports import (
    Chunk,
    DurableStorage,
    GenerationJob,
    GenerationRunning,
    ModelFailed,
    Outcome,
    ReplyNotStored,
    Respond,
    RoomSockets,
    SaveReply,
)

# While a generation runs (or its reply is not stored yet), the alarm checks this often.
WATCHDOG_INTERVAL = timedelta(seconds=30)
# Tries to store a reply (an hour of alarms) before it is given up: a reply that can never be stored
# (a bug, a limit) must not keep the chat from taking new messages for good.
MAX_STORE_ATTEMPTS = 120


class ChatRoom:
    def __init__(
        self,
        storage: DurableStorage,
        sockets: RoomSockets,
        respond: Respond,
        save_reply: SaveReply,
        now: Callable[[], datetime],
    ) -> None:
        self._storage = storage
        self._log = RoomLog(storage)
        self._sockets = sockets
        self._respond = respond
        self._save_reply = save_reply
        self._now = now
        self._task: asyncio.Task[None] | None = None  # the generation running in this instance
        self._reading: asyncio.Task[Outcome] | None = None  # the part of the generation that stop() ends
        self._settling: asyncio.Task[None] | None = None  # finishing what an evicted instance left
        self._wake = asyncio.Event()

    # --- what the Worker asks of the room ------------------------------------------------------------

    async def start(self, job: GenerationJob, user_message: dict[str, Any]) -> None:
        """Announce the user's message and begin generating `job`'s reply; read it with `read(0)`.
        GenerationRunning while one runs; ReplyNotStored while the last reply cannot be stored."""
        await self._settle()
        self._check_can_start()
        # Armed before anything begins: if this fails, nothing has. Checked again after the wait, which
        # another start may have used.
        await self._storage.set_alarm(self._now() + WATCHDOG_INTERVAL)
        self._check_can_start()

        def begin() -> list[tuple[int, str, dict[str, Any]]]:
            events = [self._log.append("message", user_message)]
            self._log.begin_generation(job)
            return [*events, self._log.append_chunk(job.reply_id, opening_chunk(job))]

        self._broadcast(self._storage.transaction(begin))
        self._reading = reading = asyncio.ensure_future(self._write_reply(job))
        self._task = asyncio.ensure_future(self._generate(job, reading))

    def _check_can_start(self) -> None:
        if self._busy() or (self._settling is not None and not self._settling.done()):
            raise GenerationRunning("a reply is being generated in this chat")
        last = self._log.generation()
        if last is not None and not last.saved:
            raise ReplyNotStored("the chat's last reply could not be stored yet")

    async def read(self, offset: int = 0) -> AsyncIterator[dict[str, Any]]:
        """The chunks of the current (or last) generation from `offset` on, waiting for new ones until its
        `finish`. Closing the iterator early (a client that went away) does not affect the generation."""
        await self._settle()
        generation = self._log.generation()
        if generation is None:
            return
        reply_id = generation.job.reply_id
        position = offset
        while True:
            wake = self._wake  # taken before reading, so a chunk appended meanwhile is not missed
            chunks = self._log.chunks(reply_id, position)
            for chunk in chunks:
                yield chunk
                if chunk["type"] == "finish":
                    return
            position += len(chunks)
            if chunks:
                continue
            current = self._log.generation()
            if current is None or current.job.reply_id != reply_id or current.status == "done":
                return  # over (a reader far behind may find the next generation begun)
            await wake.wait()

    async def generating(self) -> bool:
        """Whether a reply is being generated (or ended) now: what resuming needs to know."""
        await self._settle()
        return self._busy()

    async def stop(self) -> bool:
        """Stop the generation; the partial reply is kept (stored as incomplete). False if none was
        being generated (one already ending is left to end)."""
        reading, task = self._reading, self._task
        if reading is None or reading.done() or task is None:
            return False
        reading.cancel()
        await asyncio.wait([task])  # not `await task`: a caller cancelled meanwhile must not cancel it
        return True

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        """Tell every open tab of the chat about a change made elsewhere (a chat or message update)."""
        self._broadcast([self._storage.transaction(lambda: self._log.append(kind, data))])

    def admit(self, ticket_nonce: str, expires: int) -> bool:
        """Whether a WebSocket ticket is used for the first time (tickets are single-use)."""
        return self._storage.transaction(lambda: self._log.use_ticket(ticket_nonce, expires, self._now()))

    def replay(self, socket: Any, after: int) -> None:
        """Send a socket that just joined what it missed after `after`, in order. Synchronous, so no
        event can come between this and the broadcasts that follow."""
        first, last = self._log.seq_range()
        if (first is not None and after + 1 < first) or after > (last or 0):
            # More was missed than the room keeps, or the client counts from another log (the room's
            # storage was reset): it reloads the chat and takes seqs from here.
            socket.send(json.dumps({"type": "gap", "first_seq": first, "last_seq": last}))
        for event in self._log.events_after(after):
            socket.send(_frame(*event))

    async def alarm(self) -> None:
        """The watchdog: ends a generation whose task is gone (the object was evicted), retries storing a
        reply that could not be stored, and re-arms while either is pending."""
        await self._settle()
        generation = self._log.generation()
        if self._busy() or (generation is not None and not generation.saved):
            await self._storage.set_alarm(self._now() + WATCHDOG_INTERVAL)

    # --- the generation ------------------------------------------------------------------------------

    async def _generate(self, job: GenerationJob, reading: asyncio.Task[Outcome]) -> None:
        try:
            outcome = await reading
        except asyncio.CancelledError:  # stop() cancelled the reading, never this task
            outcome = Outcome("abort")
        await self._end(job, outcome)

    async def _write_reply(self, job: GenerationJob) -> Outcome:
        def emit(chunk: Chunk) -> None:
            self._broadcast([self._storage.transaction(partial(self._log.append_chunk, job.reply_id, chunk))])

        try:
            return await self._respond(job, emit)
        except ModelFailed as exc:
            return Outcome("error", str(exc))
        except Exception:
            get_logger().exception("generation failed", extra={"fields": {"chat_id": job.chat_id}})
            return Outcome("error", "the reply failed")

    async def _end(self, job: GenerationJob, outcome: Outcome) -> None:
        """Store the reply first (a client that sees `finish` and reads the chat finds it), then close
        the stream. If storing fails the stream still ends; the alarm retries storing."""
        self._storage.transaction(lambda: self._log.mark_ended(outcome))
        await self._store_reply(job, outcome)

        def close() -> list[tuple[int, str, dict[str, Any]]]:
            closing = closing_chunks(job, self._log.chunks(job.reply_id, 0), outcome)
            events = [self._log.append_chunk(job.reply_id, chunk) for chunk in closing]
            self._log.mark_done()
            return events

        self._broadcast(self._storage.transaction(close))

    async def _store_reply(self, job: GenerationJob, outcome: Outcome) -> None:
        """Store the reply in D1; on failure the alarm retries, up to MAX_STORE_ATTEMPTS (then the reply
        is given up, logged, so that the chat takes new messages again)."""
        try:
            written = self._log.chunks(job.reply_id, 0)
            # As the client has the message once the stream is closed (which may not be written yet).
            base = job.history[-1].parts if job.continues else ()
            parts = parts_of(written + closing_chunks(job, written, outcome), base)
            await self._save_reply(job, parts, outcome)
        except Exception:
            failures = self._storage.transaction(self._log.count_store_failure)
            fields = {"chat_id": job.chat_id, "reply_id": job.reply_id, "failures": failures}
            if failures < MAX_STORE_ATTEMPTS:
                get_logger().exception("could not store the reply; will retry", extra={"fields": fields})
                await self._storage.set_alarm(self._now() + WATCHDOG_INTERVAL)
                return
            get_logger().exception("could not store the reply; giving it up", extra={"fields": fields})
        self._storage.transaction(self._log.mark_saved)

    async def _settle(self) -> None:
        """Finish what an evicted instance left: a generation not done with no task here died with it
        and is ended (as interrupted if it was still running; with its own outcome if it died while
        ending); a reply that could not be stored is tried again. Done once, however many callers ask:
        the others wait for it."""
        if self._settling is None or self._settling.done():
            work = None if self._busy() else self._unsettled_work()
            if work is None:
                return
            self._settling = asyncio.ensure_future(work)
        await asyncio.wait([self._settling])  # not `await`: a caller cancelled meanwhile must not cancel it

    def _unsettled_work(self) -> Coroutine[Any, Any, None] | None:
        generation = self._log.generation()
        if generation is None:
            return None
        if generation.status != "done":
            outcome = INTERRUPTED if generation.status == "running" else generation.outcome
            return self._end(generation.job, outcome)
        if not generation.saved:
            return self._store_reply(generation.job, generation.outcome)
        return None

    def _busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def _broadcast(self, events: list[tuple[int, str, dict[str, Any]]]) -> None:
        """After the events are stored: to every open tab, and wake the SSE readers."""
        for socket in self._sockets.all():
            for event in events:
                try:
                    socket.send(_frame(*event))
                except Exception:  # a socket closing under us: its close handler forgets it
                    get_logger().debug("could not send to a WebSocket", exc_info=True)
        self._wake.set()
        self._wake = asyncio.Event()


def _frame(seq: int, kind: str, data: dict[str, Any]) -> str:
    return json.dumps({"seq": seq, "type": kind, "data": data}, separators=(",", ":"), ensure_ascii=False)
