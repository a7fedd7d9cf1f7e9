"""The Workers shell of live chat, run only inside Pyodide (tests/pyodide/run.mjs): the ChatRoom Durable
Object (`bindings/workers/chat_room_object.py`), the Worker's client of it (`chat_rooms.py`), chat WebSocket
upgrades (`chat_sockets.py`) and the Workers AI model (`ai.py`).

Real here: Pyodide and the pinned workers SDK (it wraps the object's ctx and env, converts Requests and
Responses, and its `fetch` calls the stub), the room's storage (a SQLite Durable Object in Miniflare), D1
(Miniflare's), JS streams and Responses. Stand-ins (`chat_room_shim.mjs`): the namespace routing a stub's
fetch to the Python object in this isolate (converting as workerd's Python entrypoint does, `_Objects`), the
hibernation WebSocket API with WebSocketPair, and the AI binding answering in its documented format.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import js
import workerbase_test_env  # type: ignore[import-not-found]  # registered by harness.mjs
from pyodide.ffi import create_proxy
from workers import Request, _EnvWrapper, python_from_rpc, python_to_rpc

from tests.contracts.expect import raises
from tests.contracts.schema import migrate, user_and_chat
from workerbase import bootstrap
from workerbase.api.chat_sockets import open_chat_socket
from workerbase.bindings.workers import chat_sockets
from workerbase.bindings.workers.ai import WorkersAiModel
from workerbase.bindings.workers.chat_room_object import ChatRoomDurableObject
from workerbase.bindings.workers.crypto import WorkersCrypto
from workerbase.bindings.workers.platform import platform_from_env
from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.clock import utc_now
from workerbase.ports import (
    BodyStream,
    Database,
    GenerationJob,
    GenerationRunning,
    ModelFailed,
    ModelMessage,
    ModelTimeout,
    StepFinished,
    TextDelta,
    ToolSpec,
    Turn,
    room_name,
)
from workerbase.services.ws_tickets import TicketSigner

MODEL = "@cf/meta/llama-3.1-8b-instruct"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
USER_MESSAGE = {"id": "m-user", "role": "user", "parts": [{"type": "text", "text": "Say hello"}]}


class ChatRoomObject(ChatRoomDurableObject):
    """Wired as `src/entry.py` wires it (entry.py itself imports the FastAPI app, which this Pyodide has
    not: pydantic_core is not installable offline)."""

    room_factory = staticmethod(bootstrap.chat_room_factory)


class _Objects:
    """The ChatRoomObject instances behind the CHAT_ROOM stand-in: one per name, made on first use with
    the object's ctx and the Worker's env (the SDK's class wrapper wraps both, as in workerd), each call's
    arguments and answer converted as workerd's Python entrypoint converts them."""

    def __init__(self) -> None:
        self.instances: dict[str, ChatRoomObject] = {}
        self.env: Any = None

    async def call(self, name: str, ctx: Any, method: str, *args: Any) -> Any:
        instance = self.instances.get(name)
        if instance is None:
            instance = self.instances[name] = ChatRoomObject(ctx, self.env)
        return python_to_rpc(await getattr(instance, method)(*[python_from_rpc(arg) for arg in args]))

    def evict(self, name: str) -> None:
        """The object leaves memory (storage and accepted sockets stay); the next call makes a new one."""
        del self.instances[name]


class _World:
    """The Worker's env (as the SDK wraps it for `Default`), its Platform, and the scripted AI binding."""

    def __init__(self, vars: dict[str, str]) -> None:
        self.objects = _Objects()
        made = workerbase_test_env.chatRoomEnv(create_proxy(self.objects.call), _js(vars))
        self.ai = made.ai
        self.objects.env = made.env
        self.env = _EnvWrapper(made.env)
        self.platform = platform_from_env(self.env)

    async def fetch(self, request: Request) -> Any:
        """A request to the Worker, as `src/entry.py`'s fetch sends WebSocket upgrades."""
        assert chat_sockets.is_websocket_upgrade(request)
        return await chat_sockets.answer_upgrade(request, self.env, open_chat_socket)


async def _world(db: Database, chat_id: str, **vars: str) -> _World:
    """D1 with our schema, a user `u1` owning chat `chat_id`, and the Worker's env for Workers AI."""
    await migrate(db)
    await db.batch(user_and_chat("u1", chat_id, NOW))
    return _World({"MODEL_PROVIDER": "workers-ai", "MODELS": MODEL, "CHAT_TOOLS": "none", **vars})


def _job(chat_id: str, reply_id: str = "m-reply") -> GenerationJob:
    return GenerationJob(
        chat_id, "u1", reply_id, MODEL, [Turn("user", [{"type": "text", "text": "Say hello"}])]
    )


def _js(value: Any) -> Any:
    """A JS value (what a binding's caller passes): plain objects and arrays, not Python proxies."""
    return js.JSON.parse(json.dumps(value))


def _tokens(*words: str) -> Any:
    """Workers AI's events for `words` (`{"response": ...}` per token)."""
    return _js([{"response": word} for word in words])


class _UiStream:
    """A room's SSE stream read as the AI SDK reads it: one JSON chunk per `data:` event, then [DONE]."""

    def __init__(self, stream: BodyStream) -> None:
        self._stream = stream
        self._bytes = stream.chunks()
        self._buffer = b""
        self.chunks: list[dict[str, Any]] = []
        self.done = False

    async def read(self, count: int | None = None) -> list[dict[str, Any]]:
        """The next `count` chunks (all that are left if None)."""
        read: list[dict[str, Any]] = []
        while count is None or len(read) < count:
            while b"\n\n" not in self._buffer and not self.done:
                part = await anext(self._bytes, None)
                assert part is not None, f"the stream ended without [DONE]: {self._buffer!r}"
                self._buffer += part
            if self.done:
                break
            frame, self._buffer = self._buffer.split(b"\n\n", 1)
            assert frame.startswith(b"data: "), frame
            data = frame[len(b"data: ") :].decode()
            if data == "[DONE]":
                self.done = True
                await self._stream.aclose()
            else:
                read.append(json.loads(data))
        self.chunks += read
        return read

    @property
    def text(self) -> str:
        return "".join(c["delta"] for c in self.chunks if c["type"] == "text-delta")


async def _stored_reply(db: Database, reply_id: str = "m-reply") -> tuple[str, dict[str, Any]]:
    result = await db.query("SELECT role, parts, metadata FROM messages WHERE id = ?", [reply_id])
    assert len(result.rows) == 1, result.rows
    row = result.rows[0]
    assert row["role"] == "assistant"
    parts = json.loads(str(row["parts"]))
    return "".join(p["text"] for p in parts if p["type"] == "text"), json.loads(str(row["metadata"]))


async def test_a_reply_streams_from_the_room_object_and_is_stored_in_d1(db: Database) -> None:
    chat = "c0a80101-0000-4000-8000-000000000001"
    world = await _world(db, chat)
    world.ai.answer(_tokens("Hel", "lo", " there"))
    stream = await world.platform.chat_rooms.start(_job(chat), USER_MESSAGE)
    assert isinstance(stream, JsBodyStream)
    ui = _UiStream(stream)
    await ui.read()
    assert ui.done
    opening, closing = ["start", "start-step", "text-start"], ["text-end", "finish-step", "finish"]
    assert [c["type"] for c in ui.chunks] == [*opening, *["text-delta"] * 3, *closing]
    assert ui.chunks[0] == {"type": "start", "messageId": "m-reply"}
    assert ui.text == "Hello there"
    # What the binding was asked: the job's model and history, as a plain JS object.
    inputs = {"messages": [{"role": "user", "content": "Say hello"}], "stream": True}
    assert world.ai.calls.to_py() == [{"model": MODEL, "inputs": inputs}]
    assert await _stored_reply(db) == ("Hello there", {"model": MODEL, "finishReason": "stop"})
    assert await world.platform.chat_rooms.resume("u1", chat, 0) is None  # nothing runs: 204


async def test_resume_from_an_offset_and_stop_mid_stream_keep_every_chunk_and_the_partial_reply(
    db: Database,
) -> None:
    chat = "c0a80101-0000-4000-8000-000000000002"
    world = await _world(db, chat)
    world.ai.answer(_tokens("one", " two", " three"), pauseAfter=2)
    rooms = world.platform.chat_rooms
    first = _UiStream(await rooms.start(_job(chat), USER_MESSAGE))
    assert [c["type"] for c in await first.read(5)][-2:] == ["text-delta", "text-delta"]  # paused after two

    resumed = await rooms.resume("u1", chat, 3)  # as `useChat({resume: true})` asks, from chunk 3 on
    assert resumed is not None
    with raises(GenerationRunning):  # a second message while one is answered: the object says 409
        await rooms.start(_job(chat, "m-other"), USER_MESSAGE)
    assert await rooms.stop("u1", chat) is True
    assert await rooms.stop("u1", chat) is False

    await first.read()
    later = _UiStream(resumed)
    await later.read()
    assert first.done
    assert later.done
    assert later.chunks == first.chunks[3:]  # every chunk from the offset, once, in order
    assert [c["type"] for c in first.chunks[-4:]] == ["text-end", "abort", "finish-step", "finish"]
    assert world.ai.cancelled  # stopping cancelled the binding's stream
    text, metadata = await _stored_reply(db)
    assert (text, metadata["finishReason"], metadata["incomplete"]) == ("one two", "abort", True)
    assert await rooms.resume("u1", chat, 0) is None


async def test_a_refused_or_broken_model_ends_the_reply_with_an_error_chunk(db: Database) -> None:
    chat = "c0a80101-0000-4000-8000-000000000003"
    world = await _world(db, chat)
    world.ai.refuse("AiError: 5007: No such model")
    refused = _UiStream(await world.platform.chat_rooms.start(_job(chat, "m-refused"), USER_MESSAGE))
    await refused.read()
    error = next(c for c in refused.chunks if c["type"] == "error")
    assert "No such model" in error["errorText"]
    assert (await _stored_reply(db, "m-refused"))[1]["finishReason"] == "error"

    world.ai.answer(_tokens("par", "tial", "!"), breakAfter=2)
    broken = _UiStream(await world.platform.chat_rooms.start(_job(chat, "m-broken"), USER_MESSAGE))
    await broken.read()
    assert broken.done
    assert broken.text == "partial"
    assert [c["type"] for c in broken.chunks[-4:]] == ["text-end", "error", "finish-step", "finish"]
    text, metadata = await _stored_reply(db, "m-broken")
    assert (text, metadata["finishReason"], metadata["incomplete"]) == ("partial", "error", True)


async def test_a_reply_that_goes_on_streams_from_offset_0_and_is_stored_whole(db: Database) -> None:
    """A reply whose tool call the client answered goes on under its id (the job crosses to the object
    as JSON, its client tools with it): its new chunks are a stream of their own, and the stored message
    is its old parts with the new ones."""
    chat = "c0a80101-0000-4000-8000-000000000006"
    world = await _world(db, chat)
    rooms = world.platform.chat_rooms
    world.ai.answer(_tokens("Hello"))
    await _UiStream(await rooms.start(_job(chat), USER_MESSAGE)).read()
    answered: list[dict[str, Any]] = [
        {"type": "step-start"},
        {"type": "text", "text": "Hello", "state": "done"},
        {
            "type": "tool-getLocation",
            "toolCallId": "c1",
            "state": "output-available",
            "input": {},
            "output": "Lisbon",
        },
    ]
    tool = ToolSpec("getLocation", "Where the user is", {"type": "object", "properties": {}})
    job = replace(
        _job(chat),
        history=[_job(chat).history[0], Turn("assistant", answered)],
        continues=True,
        client_tools=[tool],
    )
    world.ai.answer(_tokens(" again"))
    ui = _UiStream(await rooms.start(job, {"id": "m-reply", "role": "assistant", "parts": answered}))
    await ui.read()
    assert [c["type"] for c in ui.chunks] == [
        "start",
        "start-step",
        "text-start",
        "text-delta",
        "text-end",
        "finish-step",
        "finish",
    ]
    assert ui.chunks[0] == {"type": "start", "messageId": "m-reply"}
    assert world.ai.calls.to_py()[-1]["inputs"]["tools"][0]["function"]["name"] == "getLocation"
    assert await _stored_reply(db) == ("Hello again", {"model": MODEL, "finishReason": "stop"})


async def test_workers_ai_reads_both_event_shapes_and_times_out(db: Database) -> None:
    world = await _world(db, "c0a80101-0000-4000-8000-000000000004")
    model = WorkersAiModel(world.env.AI, timeout_seconds=0.05)
    world.ai.answer(_js([{"response": "a"}, {"choices": [{"delta": {"content": "b"}}]}, {"response": ""}]))
    events = [e async for e in model.reply(MODEL, [ModelMessage("user", "hi")])]
    assert events == [TextDelta("a"), TextDelta("b"), StepFinished("stop")]
    world.ai.answer(_js([{"error": {"message": "capacity exceeded"}}]))
    with raises(ModelFailed, match="capacity exceeded"):
        _ = [t async for t in model.reply(MODEL, [])]
    world.ai.hang()
    with raises(ModelTimeout):
        _ = [t async for t in model.reply(MODEL, [])]
    world.ai.answer(_tokens("a", "b"), pauseAfter=1)  # the first token, then nothing
    with raises(ModelTimeout):
        _ = [t async for t in model.reply(MODEL, [])]
    assert world.ai.cancelled  # the stalled stream was let go


async def test_tabs_get_events_over_hibernatable_websockets_also_after_an_eviction(db: Database) -> None:
    chat = "c0a80101-0000-4000-8000-000000000005"
    world = await _world(db, chat)
    rooms = world.platform.chat_rooms
    await rooms.publish("u1", chat, "chat", {"id": chat, "title": "Before the tab"})
    signer = TicketSigner(WorkersCrypto(), world.platform.settings.auth.jwt_secrets)
    ticket, _ = signer.issue(chat, "u1", int(utc_now().timestamp()))

    def upgrade(path: str) -> Request:
        headers = js.Headers.new()
        headers.set("Upgrade", "websocket")
        return Request(js.Request.new(f"https://api.test{path}", headers=headers))

    request = upgrade(f"/v1/chats/{chat}/ws?ticket={ticket}&after=0")
    response = await world.fetch(request)
    assert response.status == 101
    client = response.js_object.webSocket
    server = client.peer
    assert json.loads(server.deserializeAttachment())["user_id"] == "u1"  # survives hibernation with it
    replayed = [json.loads(m) for m in client.received.to_py()]
    assert replayed == [{"seq": 1, "type": "chat", "data": {"id": chat, "title": "Before the tab"}}]

    # The object registered the ping -> pong auto-response (the stand-in answers as workerd would,
    # without calling the object); anything else reaches the object, which ignores it.
    client.send("ping")
    assert json.loads(client.received.to_py()[-1]) == {"type": "pong"}
    client.send("hello")
    await server.delivered
    assert len(client.received.to_py()) == 2

    await rooms.publish("u1", chat, "chat", {"id": chat, "title": "Live"})
    # Hibernation: the next event wakes a new instance; the socket stays.
    world.objects.evict(room_name("u1", chat))
    await rooms.publish("u1", chat, "message", {"id": "m2"})
    events = [json.loads(m) for m in client.received.to_py()[2:]]
    assert [(e["seq"], e["type"]) for e in events] == [(2, "chat"), (3, "message")]

    reused = await world.fetch(upgrade(f"/v1/chats/{chat}/ws?ticket={ticket}"))
    assert reused.status == 403  # single use, checked by the room
    used = json.loads(await reused.text())
    assert (used["type"], used["detail"]) == (
        "urn:workerbase:problem:invalid_ticket",
        "the ticket was used already",
    )
    assert reused.headers.get("content-type") == "application/problem+json"
    forged = await world.fetch(upgrade(f"/v1/chats/{chat}/ws?ticket={ticket}x"))
    assert (forged.status, json.loads(await forged.text())["code"]) == (403, "invalid_ticket")
    elsewhere = await world.fetch(upgrade("/v1/chats/.nope/ws"))  # not a chat id
    assert elsewhere.status == 404
    bad_after = await world.fetch(upgrade(f"/v1/chats/{chat}/ws?ticket={ticket}&after=x"))
    assert (bad_after.status, json.loads(await bad_after.text())["code"]) == (400, "invalid_argument")
