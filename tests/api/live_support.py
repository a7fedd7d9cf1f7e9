"""For the live-chat tests: a fake OpenAI-compatible server speaking the real streaming wire format over
real HTTP, servers run on the test's own event loop, and an SSE reader.

The fake's behaviour is chosen by the model name the app sends: `echo` streams a reply word by word;
`gated` streams one word each time the test opens the gate; `fails` answers 500; `denied` answers 401 as
OpenAI does for a wrong key (echoing part of it); `breaks` fails
mid-stream; `hangs` sends headers and then nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
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

    def open_gate(self, words: int = 1) -> None:
        for _ in range(words):
            self.gate.release()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await request_body(receive)
        request = json.loads(body)
        self.requests.append({"path": scope["path"], "headers": dict(scope["headers"]), "body": request})
        model = request["model"]
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
