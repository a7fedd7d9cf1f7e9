"""The ChatRoom's watchdog on the local in-process Durable Object runtime: a generation whose task died
(an evicted object) is ended and stored by the alarm, a reply that could not be stored is retried, and
alarms due while the process was down run after a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workerbase.bindings.local.durable import LocalDurableNamespace
from workerbase.durable.chat_room import WATCHDOG_INTERVAL, ChatRoom
from workerbase.durable.generation import GenerationJob, Outcome, ReplyNotStored
from workerbase.ports import ChatModel, DurableStorage, ModelMessage, RoomSocket

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Evicted(BaseException):
    """The isolate goes away: no `except Exception` in the room runs."""


class ScriptedModel:
    def __init__(self, words: list[str], then: BaseException | None = None) -> None:
        self.words, self.then = words, then
        self.done = asyncio.Event()

    async def reply(self, model: str, messages: Sequence[ModelMessage]) -> AsyncIterator[str]:
        for word in self.words:
            yield word
        self.done.set()
        if self.then is not None:
            raise self.then


async def evicted(model: ScriptedModel) -> None:
    """Until the generation's task has died with the `Evicted` its model raised."""
    await model.done.wait()
    await asyncio.sleep(0)  # the task's last step: the exception leaves it


class Replies:
    def __init__(self, failures: int = 0) -> None:
        self.saved: list[tuple[str, str, Outcome]] = []
        self.failures = failures

    async def __call__(self, job: GenerationJob, text: str, outcome: Outcome) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("D1 is unavailable")
        self.saved.append((job.reply_id, text, outcome))


class NoSockets:
    def all(self) -> list[RoomSocket]:
        return []


def namespace(
    root: Path, model: ChatModel, replies: Replies, clock: list[datetime]
) -> LocalDurableNamespace[ChatRoom]:
    def build(name: str, storage: DurableStorage) -> ChatRoom:
        return ChatRoom(storage, NoSockets(), model, replies, lambda: clock[0])

    return LocalDurableNamespace(root, build, lambda: clock[0])


JOB = GenerationJob("chat-1", "user-1", "reply-1", "m", [ModelMessage("user", "hi")])
MESSAGE: dict[str, Any] = {"id": "u1", "role": "user", "parts": []}


async def chunks_of(room: ChatRoom) -> list[dict[str, Any]]:
    return [chunk async for chunk in room.read(0)]


async def test_an_evicted_generation_is_ended_and_stored_by_the_alarm(tmp_path: Path) -> None:
    clock, replies = [NOW], Replies()
    model = ScriptedModel(["Hello", " wor"], then=Evicted())
    rooms = namespace(tmp_path, model, replies, clock)
    room = rooms.get("chat-1")
    await room.start(JOB, MESSAGE)
    await evicted(model)
    assert replies.saved == []  # nothing ran after the eviction
    clock[0] = NOW + WATCHDOG_INTERVAL
    assert await rooms.run_due_alarms() == 1
    assert replies.saved == [("reply-1", "Hello wor", Outcome("interrupted", "the reply was interrupted"))]
    assert [c["type"] for c in await chunks_of(room)][-4:] == ["text-end", "abort", "finish-step", "finish"]


async def test_a_reply_that_could_not_be_stored_is_stored_by_the_alarm(tmp_path: Path) -> None:
    clock, replies = [NOW], Replies(failures=1)
    rooms = namespace(tmp_path, ScriptedModel(["Hi"]), replies, clock)
    room = rooms.get("chat-1")
    await room.start(JOB, MESSAGE)
    assert [c["type"] for c in await chunks_of(room)][-1] == "finish"  # the stream ends all the same
    assert replies.saved == []
    clock[0] = NOW + WATCHDOG_INTERVAL
    await rooms.run_due_alarms()
    assert replies.saved == [("reply-1", "Hi", Outcome("stop"))]
    clock[0] += WATCHDOG_INTERVAL
    assert await rooms.run_due_alarms() == 0  # stored: the watchdog is not re-armed


async def test_alarms_due_while_the_process_was_down_run_after_a_restart(tmp_path: Path) -> None:
    clock, replies = [NOW], Replies()
    model = ScriptedModel(["a"], then=Evicted())
    first = namespace(tmp_path, model, replies, clock)
    await first.get("chat-1").start(JOB, MESSAGE)
    await evicted(model)
    first.close()
    clock[0] = NOW + timedelta(hours=1)
    restarted = namespace(tmp_path, ScriptedModel([]), replies, clock)
    assert await restarted.run_due_alarms() == 1
    assert replies.saved[0][1:] == ("a", Outcome("interrupted", "the reply was interrupted"))


class GatedReplies(Replies):
    """Stores replies only once `open` is set: a D1 call in flight for as long as a test needs."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.open = asyncio.Event(), asyncio.Event()

    async def __call__(self, job: GenerationJob, text: str, outcome: Outcome) -> None:
        self.entered.set()
        await self.open.wait()
        await super().__call__(job, text, outcome)


async def test_a_stop_while_the_reply_is_being_stored_lets_it_end(tmp_path: Path) -> None:
    clock, replies = [NOW], GatedReplies()
    room = namespace(tmp_path, ScriptedModel(["Hi"]), replies, clock).get("chat-1")
    await room.start(JOB, MESSAGE)
    reader = asyncio.ensure_future(chunks_of(room))
    await replies.entered.wait()  # the model is done; the reply is on its way to D1
    stopping = asyncio.ensure_future(room.stop())
    assert await stopping is False  # nothing left to stop: the reply is ending anyway
    replies.open.set()
    chunks = await reader
    assert [c["type"] for c in chunks][-3:] == ["text-end", "finish-step", "finish"]
    assert replies.saved == [("reply-1", "Hi", Outcome("stop"))]


async def test_a_new_reply_waits_until_the_last_one_is_stored(tmp_path: Path) -> None:
    clock, replies = [NOW], Replies(failures=2)
    room = namespace(tmp_path, ScriptedModel(["Hi"]), replies, clock).get("chat-1")
    await room.start(JOB, MESSAGE)
    await chunks_of(room)  # ended; storing failed once
    second = replace(JOB, reply_id="reply-2")
    with pytest.raises(ReplyNotStored):
        await room.start(second, MESSAGE)  # storing fails again: the room keeps the reply, refuses
    assert replies.saved == []
    await room.start(second, MESSAGE)  # D1 is back: the last reply is stored first, then the new one runs
    await chunks_of(room)
    assert [saved[0] for saved in replies.saved] == ["reply-1", "reply-2"]


async def test_an_orphaned_generation_is_ended_once_however_many_ask(tmp_path: Path) -> None:
    clock, replies = [NOW], GatedReplies()
    model = ScriptedModel(["Hello"], then=Evicted())
    room = namespace(tmp_path, model, replies, clock).get("chat-1")
    await room.start(JOB, MESSAGE)
    await evicted(model)
    readers = [asyncio.ensure_future(chunks_of(room)) for _ in range(3)]
    alarm = asyncio.ensure_future(room.alarm())
    await replies.entered.wait()
    replies.open.set()
    results = [await reader for reader in readers]
    await alarm
    assert len(replies.saved) == 1
    for chunks in results:
        assert [c["type"] for c in chunks].count("finish") == 1
        assert chunks == results[0]


class HeldModel:
    """Says "Hi", then, once `hold` is set, waits (for a stop) before finishing."""

    def __init__(self) -> None:
        self.hold = False

    async def reply(self, model: str, messages: Sequence[ModelMessage]) -> AsyncIterator[str]:
        yield "Hi"
        if self.hold:
            await asyncio.Event().wait()


async def test_a_reader_stops_at_its_generations_finish(tmp_path: Path) -> None:
    clock, replies, model = [NOW], Replies(), HeldModel()
    room = namespace(tmp_path, model, replies, clock).get("chat-1")
    await room.start(JOB, MESSAGE)
    slow = room.read(0)
    assert (await anext(slow))["type"] == "start"
    await chunks_of(room)  # the first reply ends; the next one begins before the slow reader is done
    model.hold = True
    await room.start(replace(JOB, reply_id="reply-2"), MESSAGE)
    rest = await asyncio.wait_for(_all(slow), 5)  # not held up by the reply now running
    assert [c["type"] for c in rest][-3:] == ["text-end", "finish-step", "finish"]
    assert await room.stop() is True


async def _all(chunks: AsyncIterator[dict[str, Any]]) -> list[dict[str, Any]]:
    return [chunk async for chunk in chunks]
