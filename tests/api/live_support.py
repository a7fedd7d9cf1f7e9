"""For the live-chat tests: a fake OpenAI-compatible server speaking the real streaming wire format over
real HTTP, servers run on the test's own event loop, and an SSE reader.

The fake's behaviour is chosen by the model name the app sends: `echo` streams a reply word by word;
`gated` streams one word each time the test opens the gate; `fails` answers 500; `denied` answers 401 as
OpenAI does for a wrong key (echoing part of it); `breaks` fails
mid-stream; `hangs` sends headers and then nothing.

Models that exercise the rest of a reply, each step as OpenAI streams it (`tool_calls` deltas with the
arguments in pieces, `reasoning_content`, a last chunk with `usage` when `stream_options` asks): `weather`
calls getWeather, then answers with what the tool said; `document` calls createDocument (and writes the
document when the tool asks it to), then says it is done; `rocket` calls a tool that does not exist, then
apologises; `locates` calls getLocation, a client-side tool, then says what the client told it; `thinks`
reasons before it answers. `titles` (the tests' TITLE_MODEL) names a chat from its
first message, once the test lets it (`title_gate`); its requests are kept apart (`title_requests`). The
same server answers getWeather's forecast requests (`GET /forecast`), once the test lets it
(`forecast_gate`).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn

from tests.servers import request_body, respond
from workerbase.local import server_config
from workerbase.local_server import ServerLimits

Scope = dict[str, Any]


DENIED = "Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com."


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.gate = asyncio.Semaphore(0)
        self.shut_down = asyncio.Event()
        self.reply_words = ["Hello", " there", ",", " friend", "."]
        self.forecast_gate = asyncio.Event()
        self.forecast_gate.set()
        self.forecasts: list[str] = []  # the query strings getWeather sent
        self.title_requests: list[dict[str, Any]] = []
        self.title_gate = asyncio.Event()
        self.title_gate.set()

    def open_gate(self, words: int = 1) -> None:
        for _ in range(words):
            self.gate.release()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await request_body(receive)
        if scope["path"] == "/forecast":
            self.forecasts.append(scope["query_string"].decode())
            await self.forecast_gate.wait()
            await respond(send, 200, json.dumps(FORECAST).encode(), b"application/json")
            return
        request = json.loads(body)
        model = request["model"]
        if model == "titles":
            self.title_requests.append(request)
            await self.title_gate.wait()
            await _stream(send, model, _title(request["messages"]), request.get("stream_options"))
            return
        self.requests.append({"path": scope["path"], "headers": dict(scope["headers"]), "body": request})
        if model in SCRIPTS:
            await _stream(send, model, SCRIPTS[model](request["messages"]), request.get("stream_options"))
            return
        if model in ("fails", "denied"):
            status, message = (500, "The server had an error") if model == "fails" else (401, DENIED)
            error = {"error": {"message": message, "type": "server_error"}}
            await respond(send, status, json.dumps(error).encode(), b"application/json")
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        if model == "hangs":
            await self.shut_down.wait()  # until the test ends: the client must give up first
        for index, word in enumerate(self.reply_words):
            if model == "gated":
                await self.gate.acquire()
            if model == "breaks" and index == 2:
                await _event(send, {"error": {"message": "upstream overloaded", "code": "overloaded"}})
                break
            await _event(send, _chunk(model, {"content": word}, None))
        else:
            await _event(send, _chunk(model, {}, "stop"))
            await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": True})
        await send({"type": "http.response.body", "body": b""})


FORECAST = {
    "latitude": 52.52,
    "longitude": 13.41,
    "current": {"time": "2026-12-07T12:00", "temperature_2m": 3.5},
}
Delta = dict[str, Any]


def _tool_call(call_id: str, name: str, arguments: list[str]) -> list[Delta]:
    first = {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
    pieces = [{"index": 0, "function": {"arguments": piece}} for piece in arguments]
    return [{"tool_calls": [call]} for call in [first, *pieces]]


def _words(text: str) -> list[Delta]:
    return [{"content": word} for word in text.split("|")]


def _told(messages: list[dict[str, Any]]) -> str | None:
    """What the last tool result said, if the conversation ends with one."""
    return messages[-1]["content"] if messages and messages[-1]["role"] == "tool" else None


def _weather(messages: list[dict[str, Any]]) -> tuple[list[Delta], str]:
    told = _told(messages)
    if told is None:
        return _tool_call(
            "call_w1", "getWeather", ['{"latitude":', "52.52,", '"longitude":13.41}']
        ), "tool_calls"
    if told.startswith("The user denied"):
        return _words("Alright, |no forecast."), "stop"
    temperature = json.loads(told)["current"]["temperature_2m"]
    return _words(f"It is |{temperature}|°C in Berlin."), "stop"


def _document(messages: list[dict[str, Any]]) -> tuple[list[Delta], str]:
    if messages[0]["role"] == "system" and messages[0]["content"].startswith("Write about"):
        return _words("# Harbors|\n\nShips |dock here."), "stop"  # the tool asks for the content
    if _told(messages) is None:
        return _tool_call(
            "call_d1", "createDocument", ['{"title":"Harbors",', '"kind":"text"}']
        ), "tool_calls"
    return _words("I wrote |it."), "stop"


def _rocket(messages: list[dict[str, Any]]) -> tuple[list[Delta], str]:
    if _told(messages) is None:
        return _tool_call("call_r1", "launchRockets", ['{"count": 3}']), "tool_calls"
    return _words("Sorry, |I cannot."), "stop"


def _locates(messages: list[dict[str, Any]]) -> tuple[list[Delta], str]:
    """Calls `getLocation`, a tool the client runs, then says where the client said it is."""
    told = _told(messages)
    if told is None:
        return _tool_call("call_l1", "getLocation", ['{"accuracy":', '"city"}']), "tool_calls"
    return _words(f"You are in |{json.loads(told)['city']}|."), "stop"


def _thinks(messages: list[dict[str, Any]]) -> tuple[list[Delta], str]:
    return [{"reasoning_content": "Let me "}, {"reasoning_content": "think."}, *_words("Done|.")], "stop"


def _title(messages: list[dict[str, Any]]) -> tuple[list[Delta], str]:
    """As models often answer: in quotes, with a prefix. The title is the message's first three words."""
    words = " ".join(messages[-1]["content"].split()[:3])
    return _words(f'Title: "|{words}|"'), "stop"


SCRIPTS = {
    "locates": _locates,
    "weather": _weather,
    "document": _document,
    "rocket": _rocket,
    "thinks": _thinks,
}


async def _stream(
    send: Any, model: str, script: tuple[list[Delta], str], stream_options: dict[str, Any] | None
) -> None:
    deltas, finish_reason = script
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/event-stream")]}
    )
    for delta in deltas:
        await _event(send, _chunk(model, delta, None))
    await _event(send, _chunk(model, {}, finish_reason))
    if stream_options and stream_options.get("include_usage"):
        usage = {"prompt_tokens": 10, "completion_tokens": len(deltas), "total_tokens": 10 + len(deltas)}
        await _event(send, {**_chunk(model, {}, None), "choices": [], "usage": usage})
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1_795_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


async def _event(send: Any, payload: dict[str, Any]) -> None:
    await send(
        {"type": "http.response.body", "body": f"data: {json.dumps(payload)}\n\n".encode(), "more_body": True}
    )


@asynccontextmanager
async def serving(app: Any, limits: ServerLimits | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app over real HTTP on 127.0.0.1 on this event loop, configured as `workerbase-local`
    configures uvicorn (with other `limits` if given); yields its base URL."""
    server = uvicorn.Server(server_config(app, "127.0.0.1", 0, limits, lifespan="off"))
    task = asyncio.ensure_future(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises why it could not start
        await asyncio.sleep(0)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        server.force_exit = True
        await task


async def sse_chunks(response: httpx.Response) -> AsyncIterator[dict[str, Any] | str]:
    """The UI message stream's chunks as they arrive (`"[DONE]"` last)."""
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            data = line.removeprefix("data: ")
            yield data if data == "[DONE]" else json.loads(data)


async def read_all(response: httpx.Response) -> list[dict[str, Any] | str]:
    return [chunk async for chunk in sse_chunks(response)]


# What the live-chat tests share.


def user_message(text: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "role": "user", "parts": [{"type": "text", "text": text}]}


def reply_parts(text: str, title: str | None = None) -> list[dict[str, Any]]:
    """A one-step reply's parts as stored, which is how the AI SDK's client builds them from the stream;
    with the title it gave its chat, if it was the chat's first."""
    parts: list[dict[str, Any]] = [{"type": "step-start"}]
    if text:
        parts.append({"type": "text", "text": text, "state": "done"})
    if title is not None:
        parts.append({"type": "data-chat-title", "data": title})
    return parts


def text_of(chunks: list[Any]) -> str:
    return "".join(c["delta"] for c in chunks if isinstance(c, dict) and c["type"] == "text-delta")


async def messages_of(live: httpx.AsyncClient, who: dict[str, str], chat_id: str) -> list[dict[str, Any]]:
    page = await live.get(f"/v1/chats/{chat_id}/messages", headers=who)
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def eventually_stored(
    live: httpx.AsyncClient, who: dict[str, str], chat_id: str, count: int
) -> list[dict[str, Any]]:
    """The reply is stored when the generation ends, which a client that left does not wait for."""
    for _ in range(500):
        items = await messages_of(live, who, chat_id)
        if len(items) >= count:
            return items
        await asyncio.sleep(0.01)
    raise AssertionError(f"{count} messages never appeared")


# How the stream of a stopped reply ends.
STOPPED_ENDING = ["text-end", "abort", "finish-step", "finish", "[DONE]"]


def types_of(chunks: list[Any]) -> list[str]:
    return [c if isinstance(c, str) else c["type"] for c in chunks]


async def stream_acting_at(
    live: httpx.AsyncClient,
    who: dict[str, str],
    chat_id: str,
    body: dict[str, Any],
    at: int,
    act: Callable[[], Awaitable[None]],
) -> list[Any]:
    """Send a message and read its whole stream, calling `act` once `at` chunks have arrived."""
    chunks: list[Any] = []
    async with live.stream("POST", f"/v1/chats/{chat_id}/stream", json=body, headers=who) as response:
        async for chunk in sse_chunks(response):
            chunks.append(chunk)
            if len(chunks) == at:
                await act()
    return chunks
