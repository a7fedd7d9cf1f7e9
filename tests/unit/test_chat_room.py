"""The ChatRoom's watchdog on the local in-process Durable Object runtime: a generation whose task died
(an evicted object) is ended and stored by the alarm, a reply that could not be stored is retried, and
alarms due while the process was down run after a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workerbase.bindings.local.durable import LocalDurableNamespace
from workerbase.durable import chat_room
from workerbase.durable.chat_room import WATCHDOG_INTERVAL, ChatRoom
from workerbase.ports import (
    ChatModel,
    DurableStorage,
    GenerationJob,
    GenerationRunning,
    ModelEvent,
    ModelMessage,
    Outcome,
    ReplyNotStored,
    RoomSocket,
    StepFinished,
    TextDelta,
    ToolSpec,
    Turn,
)
from workerbase.services.model_input import ModelInput
from workerbase.services.replies import ReplyGenerator
from workerbase.services.tools import Toolbox

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class Evicted(BaseException):
    """The isolate goes away: no `except Exception` in the room runs."""


@pytest.fixture(autouse=True)
async def evictions_go_unreported() -> None:
    """A generation task that died of Evicted is never awaited (on Workers nothing is left to): asyncio
    would report its exception as never retrieved when the task is collected."""

    def report(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not isinstance(context.get("exception"), Evicted):
            loop.default_exception_handler(context)

    asyncio.get_running_loop().set_exception_handler(report)


class ScriptedModel:
    def __init__(self, words: list[str], then: BaseException | None = None) -> None:
        self.words, self.then = words, then
        self.done = asyncio.Event()

    async def reply(
        self, model: str, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelEvent]:
        for word in self.words:
            yield TextDelta(word)
        self.done.set()
        if self.then is not None:
            raise self.then
        yield StepFinished("stop")


async def evicted(model: ScriptedModel) -> None:
    """Until the generation's task has died with the `Evicted` its model raised."""
    await model.done.wait()
    await asyncio.sleep(0)  # the task's last step: the exception leaves it


class Replies:
    def __init__(self, failures: int = 0) -> None:
        self.saved: list[tuple[str, str, Outcome]] = []
        self.failures = failures

    async def __call__(self, job: GenerationJob, parts: list[dict[str, Any]], outcome: Outcome) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("D1 is unavailable")
        text = "".join(part["text"] for part in parts if part["type"] == "text")
        self.saved.append((job.reply_id, text, outcome))


class NoSockets:
    def all(self) -> list[RoomSocket]:
        return []


class YieldingAlarms:
    """The storage, with `set_alarm` giving other tasks a turn, as an awaited call on Workers may."""

    def __init__(self, storage: DurableStorage) -> None:
        self._storage = storage
        self.exec, self.transaction = storage.exec, storage.transaction
        self.get_alarm, self.delete_alarm = storage.get_alarm, storage.delete_alarm

    async def set_alarm(self, at: datetime) -> None:
        await asyncio.sleep(0)
        await self._storage.set_alarm(at)


def namespace(
    root: Path,
    model: ChatModel,
    replies: Replies,
    clock: list[datetime],
    storage: Callable[[DurableStorage], DurableStorage] = lambda storage: storage,
) -> LocalDurableNamespace[ChatRoom]:
    async def no_files(file_id: str) -> None:
        return None

    respond = ReplyGenerator(model, ModelInput(no_files, 32_000), Toolbox([]), max_steps=5).respond

    def build(name: str, raw: DurableStorage) -> ChatRoom:
        return ChatRoom(storage(raw), NoSockets(), respond, replies, lambda: clock[0])

    return LocalDurableNamespace(root, build, lambda: clock[0])


JOB = GenerationJob("chat-1", "user-1", "reply-1", "m", [Turn("user", [{"type": "text", "text": "hi"}])])
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

    async def __call__(self, job: GenerationJob, parts: list[dict[str, Any]], outcome: Outcome) -> None:
        self.entered.set()
        await self.open.wait()
        await super().__call__(job, parts, outcome)


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

    async def reply(
        self, model: str, messages: Sequence[ModelMessage], tools: Sequence[ToolSpec] = ()
    ) -> AsyncIterator[ModelEvent]:
        yield TextDelta("Hi")
        if self.hold:
            await asyncio.Event().wait()
        yield StepFinished("stop")


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


async def test_two_starts_at_once_make_one_reply(tmp_path: Path) -> None:
    clock, replies = [NOW], Replies()
    room = namespace(tmp_path, ScriptedModel(["Hi"]), replies, clock, YieldingAlarms).get("chat-1")
    starts = [room.start(JOB, MESSAGE), room.start(replace(JOB, reply_id="reply-2"), MESSAGE)]
    results = await asyncio.gather(*starts, return_exceptions=True)
    assert [type(r) for r in results].count(GenerationRunning) == 1
    chunks = await chunks_of(room)
    assert [c["type"] for c in chunks].count("start") == 1
    assert len(replies.saved) == 1


async def test_a_reply_that_can_never_be_stored_is_given_up_so_the_chat_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat_room, "MAX_STORE_ATTEMPTS", 3)
    clock, replies = [NOW], Replies(failures=1000)
    rooms = namespace(tmp_path, ScriptedModel(["Hi"]), replies, clock)
    room = rooms.get("chat-1")
    await room.start(JOB, MESSAGE)
    await chunks_of(room)  # the first attempt failed
    for _ in range(2):
        clock[0] += WATCHDOG_INTERVAL
        assert await rooms.run_due_alarms() == 1
    clock[0] += WATCHDOG_INTERVAL
    assert await rooms.run_due_alarms() == 0  # given up: no more alarms
    replies.failures = 0
    await room.start(replace(JOB, reply_id="reply-2"), MESSAGE)  # the chat takes messages again
    await chunks_of(room)
    assert [saved[0] for saved in replies.saved] == ["reply-2"]


class SentFrames:
    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    def send(self, text: str) -> None:
        self.frames.append(json.loads(text))


async def test_a_tab_counting_from_another_log_is_told_to_reload(tmp_path: Path) -> None:
    room = namespace(tmp_path, ScriptedModel([]), Replies(), [NOW]).get("chat-1")
    empty = SentFrames()
    room.replay(empty, after=7)  # a room with no events, and a tab that saw 7 (the storage was reset)
    assert empty.frames == [{"type": "gap", "first_seq": None, "last_seq": None}]
    room.publish("chat", {"title": "a"})
    room.publish("chat", {"title": "b"})
    ahead, behind = SentFrames(), SentFrames()
    room.replay(ahead, after=7)
    room.replay(behind, after=1)
    assert ahead.frames == [{"type": "gap", "first_seq": 1, "last_seq": 2}]
    assert behind.frames == [{"seq": 2, "type": "chat", "data": {"title": "b"}}]
