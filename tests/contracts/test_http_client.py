"""Outbound HTTP port contract. Runs with httpx against uvicorn (pytest) and, in Pyodide
(tests/pyodide), with the Workers adapter over `fetch` against a Node server with the same routes
(`tests/pyodide/harness.mjs`): both must pass every test.

The server's routes (both implementations):
* `/echo` (any method): 200, JSON `{"method", "headers" (lower-case names), "body_hex"}` of the request;
* `/status/<code>`: that status, body `status <code>` (none for 204);
* `/stream/<key>`: 200, sends `chunk 0\\n`, then `chunk 1\\n` and `chunk 2\\n`, each only once
  `/release/<key>` has been called once more; `/state/<key>` says `streaming`, `finished` or
  `disconnected` (the client went away before the end).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from tests.contracts.expect import raises
from tests.servers import request_body, respond
from workerbase.errors import BindingUnavailable
from workerbase.ports import HttpClient, HttpRequest, HttpResponseStream

# Long enough for a slow CI machine, short enough that a client that buffers the body fails, not hangs.
WAIT_SECONDS = 10


async def _body(response: HttpResponseStream) -> bytes:
    return b"".join([chunk async for chunk in response.chunks()])


async def _json(client: HttpClient, method: str, url: str) -> Any:
    response = await client.open(HttpRequest(method, url))
    return json.loads(await _body(response) or b"null")


async def test_status_and_body_of_any_status(http_client: HttpClient, http_server_url: str) -> None:
    for code in (200, 201, 404, 503):
        response = await http_client.open(HttpRequest("GET", f"{http_server_url}/status/{code}"))
        assert response.status == code  # an error status is a response, not an exception
        assert await _body(response) == f"status {code}".encode()
    response = await http_client.open(HttpRequest("GET", f"{http_server_url}/status/204"))
    assert (response.status, await _body(response)) == (204, b"")


async def test_method_headers_and_body_arrive(http_client: HttpClient, http_server_url: str) -> None:
    body = bytes(range(256)) * 64  # every byte value, 16 KiB
    headers = {"Content-Type": "application/octet-stream", "Authorization": "Bearer t0k", "X-Contract": "yes"}
    response = await http_client.open(HttpRequest("POST", f"{http_server_url}/echo", headers, body))
    assert response.status == 200
    echoed = json.loads(await _body(response))
    assert echoed["method"] == "POST"
    assert echoed["body_hex"] == body.hex()
    assert echoed["headers"]["content-type"] == "application/octet-stream"
    assert echoed["headers"]["authorization"] == "Bearer t0k"
    assert echoed["headers"]["x-contract"] == "yes"
    assert echoed["headers"]["content-length"] == str(len(body))
    got = await _json(http_client, "GET", f"{http_server_url}/echo")
    assert (got["method"], got["body_hex"]) == ("GET", "")


async def test_chunks_arrive_as_sent_before_the_response_ends(
    http_client: HttpClient, http_server_url: str
) -> None:
    key = uuid.uuid4().hex
    response = await http_client.open(HttpRequest("GET", f"{http_server_url}/stream/{key}"))
    chunks = response.chunks()
    # The server sends each next chunk only after this test released it: a client that waited for the end
    # of the body would time out here.
    assert await asyncio.wait_for(anext(chunks), WAIT_SECONDS) == b"chunk 0\n"
    for index in (1, 2):
        assert await _json(http_client, "GET", f"{http_server_url}/state/{key}") == {"state": "streaming"}
        await _json(http_client, "POST", f"{http_server_url}/release/{key}")
        assert await asyncio.wait_for(anext(chunks), WAIT_SECONDS) == f"chunk {index}\n".encode()
    with raises(StopAsyncIteration):
        await asyncio.wait_for(anext(chunks), WAIT_SECONDS)
    assert await _json(http_client, "GET", f"{http_server_url}/state/{key}") == {"state": "finished"}


async def test_aclose_mid_body_drops_the_connection(http_client: HttpClient, http_server_url: str) -> None:
    key = uuid.uuid4().hex
    response = await http_client.open(HttpRequest("GET", f"{http_server_url}/stream/{key}"))
    assert await asyncio.wait_for(anext(response.chunks()), WAIT_SECONDS) == b"chunk 0\n"
    await response.aclose()
    # Not just "stop reading": the server, waiting to send more, sees the client go away.
    state = None
    for _ in range(WAIT_SECONDS * 20):
        state = await _json(http_client, "GET", f"{http_server_url}/state/{key}")
        if state != {"state": "streaming"}:
            break
        await asyncio.sleep(0.05)
    assert state == {"state": "disconnected"}
    await response.aclose()  # closing twice is harmless


async def test_connection_refused_is_binding_unavailable(http_client: HttpClient, refused_url: str) -> None:
    with raises(BindingUnavailable, match="HTTP"):
        await http_client.open(HttpRequest("GET", refused_url))


class ContractHttpServer:
    """The routes above as an ASGI app (for uvicorn in pytest)."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Semaphore] = {}
        self.states: dict[str, str] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await request_body(receive)
        route, _, key = scope["path"].strip("/").partition("/")
        if route == "echo":
            headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
            echoed = {"method": scope["method"], "headers": headers, "body_hex": body.hex()}
            await respond(send, 200, json.dumps(echoed).encode())
        elif route == "status":
            await respond(send, int(key), b"" if key == "204" else f"status {key}".encode())
        elif route == "release":
            self._gate(key).release()
            await respond(send, 200, b"{}")
        elif route == "state":
            await respond(send, 200, json.dumps({"state": self.states.get(key, "unknown")}).encode())
        elif route == "stream":
            await self._stream(key, receive, send)
        else:
            await respond(send, 404, b"")

    def _gate(self, key: str) -> asyncio.Semaphore:
        return self.gates.setdefault(key, asyncio.Semaphore(0))

    async def _stream(self, key: str, receive: Any, send: Any) -> None:
        self.states[key] = "streaming"
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": b"chunk 0\n", "more_body": True})
        disconnected = asyncio.ensure_future(_until_disconnect(receive))
        try:
            for index in (1, 2):
                released = asyncio.ensure_future(self._gate(key).acquire())
                await asyncio.wait({released, disconnected}, return_when=asyncio.FIRST_COMPLETED)
                if disconnected.done():
                    released.cancel()
                    self.states[key] = "disconnected"
                    return
                await send(
                    {"type": "http.response.body", "body": f"chunk {index}\n".encode(), "more_body": True}
                )
            await send({"type": "http.response.body", "body": b""})
            self.states[key] = "finished"
        finally:
            disconnected.cancel()


async def _until_disconnect(receive: Any) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
