"""The ChatRoom's watchdog on the local in-process Durable Object runtime: a generation whose task died
(an evicted object) is ended and stored by the alarm, a reply that could not be stored is retried, and
alarms due while the process was down run after a restart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workerbase.bindings.local.durable import LocalDurableNamespace
from workerbase.durable.chat_room import WATCHDOG_INTERVAL, ChatRoom
from workerbase.durable.generation import GenerationJob, Outcome
from workerbase.ports import DurableStorage, ModelMessage, RoomSocket

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
    root: Path, model: ScriptedModel, replies: Replies, clock: list[datetime]
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
