"""The hand-over of an R2 body to the Worker's Response (`workerbase.bindings.workers.native_body`), run
only inside Pyodide (tests/pyodide/run.mjs) through the SDK's real ASGI bridge, `workers.asgi.fetch`,
exactly as `src/entry.py` calls it, against Miniflare's R2.

FastAPI cannot be loaded here, so a raw ASGI app plays the download route, behind a middleware that adds
a header the way the app's own middleware does. Bodies are read back in these tests only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import js
from workers import asgi as workers_asgi

from tests.contracts.expect import raises
from workerbase.bindings.workers.native_body import (
    EXTENSION,
    App,
    Message,
    NativeBodyHandover,
    Receive,
    Scope,
    Send,
)
from workerbase.ports import ByteRange, ObjectStore, ObjectStream

DATA = bytes(range(256)) * (6 * 4096)  # 6 MiB


class _Download:
    """Opens an object and hands its stream to the response, as the files route does on Workers."""

    def __init__(self, store: ObjectStore, key: str, byte_range: ByteRange | None = None) -> None:
        self.store, self.key, self.byte_range = store, key, byte_range
        self.stream: ObjectStream | None = None
        self.scope_types: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope_types.append(scope["type"])
        if scope["type"] != "http":
            return  # no lifespan support: the bridge serves the request anyway
        self.stream = stream = await self.store.open(self.key, byte_range=self.byte_range)
        assert stream is not None
        scope["extensions"][EXTENSION].attach(stream.native)
        await self.respond(stream, send)

    async def respond(self, stream: ObjectStream, send: Send) -> None:
        offset, length = stream.range
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(length).encode()),
            (b"set-cookie", b"session=a; HttpOnly"),
            (b"set-cookie", b"theme=dark"),
        ]
        if self.byte_range is not None:
            end, size = offset + length - 1, stream.info.size
            headers.append((b"content-range", f"bytes {offset}-{end}/{size}".encode()))
        status = 200 if self.byte_range is None else 206
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


class _ReplacedByAnError(_Download):
    """Attaches the stream, then answers with bytes of its own (an error handler's problem body)."""

    async def respond(self, stream: ObjectStream, send: Send) -> None:
        await send({"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})


class _FailsAfterAttaching(_Download):
    async def respond(self, stream: ObjectStream, send: Send) -> None:
        raise RuntimeError("the route failed after attaching its body")


def _with_request_id(app: App) -> App:
    """Inside the hand-over's wrapper, like every middleware of the real app."""

    async def app_with_request_id(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message["headers"], (b"x-request-id", b"req-1")]}
            await send(message)

        await app(scope, receive, send_with_id)

    return app_with_request_id


async def _serve(app: App, env: Any) -> tuple[Any, Any]:
    """(the bridge's response, the Worker's response), as `Default.fetch` produces them."""
    handover = NativeBodyHandover()
    request = js.Request.new("https://files.test/v1/files/f/content")
    bridged = await workers_asgi.fetch(handover.wrap(_with_request_id(app)), request, env, None)
    return bridged, handover.finish(bridged)


async def _bytes_of(response: Any) -> bytes:
    body: bytes = (await response.arrayBuffer()).to_bytes()
    return body


async def _was_cancelled(stream: ObjectStream) -> bool:
    read = await stream.native.getReader().read()
    return bool(read.done)  # a cancelled stream is closed: its first read is already the end


@contextmanager
def _bridge_logs_silenced() -> Iterator[None]:
    logger = logging.getLogger("asgi")
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = False


async def test_an_attached_r2_body_is_the_response_body_unread(store: ObjectStore, env: Any) -> None:
    await store.put("big.bin", DATA)
    app = _Download(store, "big.bin")
    bridged, response = await _serve(app, env)
    assert app.stream is not None
    assert app.scope_types == ["lifespan", "http"]  # lifespan passed through the wrapper, unchanged
    assert response.status == 200
    assert list(response.headers.getSetCookie()) == ["session=a; HttpOnly", "theme=dark"]
    assert response.headers.get("content-length") == str(len(DATA))
    assert response.headers.get("content-type") == "application/octet-stream"
    assert response.headers.get("x-request-id") == "req-1"  # recorded after the app's middleware
    # That the bytes never passed through Python: the response's body is the very JS stream R2 gave us
    # (Object.is; Node's Response keeps the stream it is given), still unlocked and unread when the Worker
    # returns it (`chunks()` would have locked it with a reader), and the bridge built its response from
    # zero bytes and none of the app's headers.
    assert getattr(js.Object, "is")(response.body, app.stream.native)
    assert not app.stream.native.locked
    assert not response.bodyUsed
    assert bridged.status == 200
    assert not bridged.headers.has("content-length")
    assert not bridged.headers.has("set-cookie")
    assert await _bytes_of(bridged) == b""
    assert await _bytes_of(response) == DATA


async def test_a_range_is_handed_over_with_206_and_content_range(store: ObjectStore, env: Any) -> None:
    await store.put("big.bin", DATA)
    app = _Download(store, "big.bin", ByteRange(offset=1000, length=70_000))
    _bridged, response = await _serve(app, env)
    assert response.status == 206
    assert response.headers.get("content-range") == f"bytes 1000-70999/{len(DATA)}"
    assert response.headers.get("content-length") == "70000"
    assert await _bytes_of(response) == DATA[1000:71_000]


async def test_a_response_that_sends_bytes_after_attaching_is_served_as_sent(
    store: ObjectStore, env: Any
) -> None:
    await store.put("big.bin", DATA)
    app = _ReplacedByAnError(store, "big.bin")
    bridged, response = await _serve(app, env)
    assert response is bridged
    assert (response.status, response.headers.get("content-length")) == (500, "2")
    assert await _bytes_of(response) == b"{}"
    assert app.stream is not None
    assert await _was_cancelled(app.stream)


async def test_an_app_failing_after_attaching_cancels_the_stream(store: ObjectStore, env: Any) -> None:
    await store.put("big.bin", DATA)
    app = _FailsAfterAttaching(store, "big.bin")
    with _bridge_logs_silenced(), raises(RuntimeError, match="after attaching"):
        await _serve(app, env)
    assert app.stream is not None
    assert await _was_cancelled(app.stream)


async def test_without_an_attached_body_the_bridge_response_is_returned(env: Any) -> None:
    scopes: list[Scope] = []

    async def hello(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
            await send({"type": "http.response.body", "body": b"hello"})

    bridged, response = await _serve(hello, env)
    assert response is bridged
    assert (response.status, response.headers.get("x-a")) == (201, "1")
    assert await _bytes_of(response) == b"hello"
    assert [scope["type"] for scope in scopes] == ["lifespan", "http"]
    assert "extensions" not in scopes[0]
    assert isinstance(scopes[1]["extensions"][EXTENSION], NativeBodyHandover)
