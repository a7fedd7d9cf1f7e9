"""The local server's limits (`workerbase/local_server.py`), over raw sockets against the app served as
`workerbase-local` serves it, with short timeouts: slow or idle clients are dropped, answered in
problem+json where an answer is possible.

Each test waits for the server to close the connection, with a generous bound; none asserts how long it
took. Unlimited, the server would hold these connections forever, and the bound fails the test.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import websockets
from fastapi import FastAPI

from tests.api.live_support import serving
from workerbase.errors import PROBLEM_MEDIA_TYPE
from workerbase.local import ChatSocketsFirst
from workerbase.local_server import ServerLimits
from workerbase.platform import Platform

LIMITS = ServerLimits(head_timeout=0.2, body_timeout=0.2, keep_alive_timeout=1, max_head_bytes=16 * 1024)
# Far above LIMITS: reaching it means the server kept the connection.
CLOSE_BOUND_SECONDS = 10


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def problem(self) -> dict[str, Any]:
        assert self.headers["content-type"] == PROBLEM_MEDIA_TYPE
        problem: dict[str, Any] = json.loads(self.body)
        assert problem["status"] == self.status
        return problem


@pytest.fixture
async def address(app: FastAPI, platform: Platform) -> AsyncIterator[tuple[str, int]]:
    async with serving(ChatSocketsFirst(app, platform), LIMITS) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


async def connect(address: tuple[str, int]) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(*address)


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    try:
        return await asyncio.wait_for(reader.read(), CLOSE_BOUND_SECONDS)
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {CLOSE_BOUND_SECONDS} s")


def parse_head(head: bytes) -> Answer:
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Answer(int(status_line.split()[1]), headers, b"")


def parse(raw: bytes) -> Answer:
    """A whole response, and nothing after it."""
    head, _, body = raw.partition(b"\r\n\r\n")
    answer = parse_head(head)
    assert int(answer.headers["content-length"]) == len(body)
    answer.body = body
    return answer


async def read_answer(reader: asyncio.StreamReader) -> Answer:
    """One response on a connection kept open."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), CLOSE_BOUND_SECONDS)
    answer = parse_head(head.removesuffix(b"\r\n\r\n"))
    answer.body = await reader.readexactly(int(answer.headers["content-length"]))
    return answer


REQUEST = b"GET /v1/chats HTTP/1.1\r\nHost: localhost\r\n\r\n"


async def test_a_body_short_of_its_content_length_is_answered_408_and_closed(
    address: tuple[str, int],
) -> None:
    reader, writer = await connect(address)
    writer.write(
        b"POST /v1/auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\nX-Request-Id: slow-body\r\n\r\n{"email": '
    )
    answer = parse(await until_closed(reader))
    assert answer.status == 408
    assert answer.headers["connection"] == "close"
    assert answer.headers["x-request-id"] == "slow-body"
    problem = answer.problem()
    assert problem["code"] == "request_timeout"
    assert problem["request_id"] == "slow-body"  # the request the app had started, as in its log line
    writer.close()


async def test_a_head_never_finished_is_answered_408_and_closed(address: tuple[str, int]) -> None:
    reader, writer = await connect(address)
    writer.write(b"GET /v1/chats HTTP/1.1\r\nHost: localhost\r\nX-Slow")
    answer = parse(await until_closed(reader))
    assert answer.status == 408
    assert answer.problem()["code"] == "request_timeout"
    writer.close()


async def test_a_connection_that_never_asks_is_closed_without_an_answer(address: tuple[str, int]) -> None:
    reader, writer = await connect(address)
    assert await until_closed(reader) == b""
    writer.close()


async def test_an_idle_kept_alive_connection_is_closed(address: tuple[str, int]) -> None:
    reader, writer = await connect(address)
    writer.write(REQUEST)
    assert (await read_answer(reader)).status == 401
    assert await until_closed(reader) == b""
    writer.close()


async def test_a_head_stalled_on_a_kept_alive_connection_is_answered_408(address: tuple[str, int]) -> None:
    """uvicorn's keep-alive timer stops at the next request's first byte; the head's own clock starts."""
    reader, writer = await connect(address)
    writer.write(REQUEST)
    assert (await read_answer(reader)).status == 401
    writer.write(b"GET /v1/chats HTTP/1.1\r\n")
    answer = parse(await until_closed(reader))
    assert answer.status == 408
    assert answer.problem()["code"] == "request_timeout"
    writer.close()


async def test_a_1_mb_header_is_refused_431_as_a_problem(address: tuple[str, int]) -> None:
    reader, writer = await connect(address)
    # Not drained: the server refuses after its first 16 KiB, and reads and drops the rest, so the
    # client gets the answer rather than a reset.
    writer.write(b"GET /v1/chats HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 1024 * 1024 + b"\r\n\r\n")
    answer = parse(await until_closed(reader))
    assert answer.status == 431
    assert answer.headers["connection"] == "close"
    assert answer.problem()["code"] == "request_header_fields_too_large"
    writer.close()


async def test_a_malformed_request_is_refused_400_as_a_problem(address: tuple[str, int]) -> None:
    reader, writer = await connect(address)
    writer.write(b"GET /v1/chats HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n")
    answer = parse(await until_closed(reader))
    assert answer.status == 400
    assert answer.problem()["code"] == "bad_request"
    writer.close()


async def echo_socket(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "websocket"
    assert (await receive())["type"] == "websocket.connect"
    await send({"type": "websocket.accept"})
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": message["text"]})


async def test_a_websocket_outlives_the_request_timeouts() -> None:
    """The upgrade request has no body left to time: once upgraded, the WebSocket protocol owns the
    connection (its own pings), and the HTTP limits must not close it."""
    loop_errors: list[dict[str, Any]] = []  # what a timer firing on the upgraded connection raises
    asyncio.get_running_loop().set_exception_handler(lambda loop, context: loop_errors.append(context))
    async with (
        serving(echo_socket, LIMITS) as url,
        websockets.connect(url.replace("http", "ws", 1)) as socket,
    ):
        # Longer than every HTTP timeout: their timers, armed earlier on this loop, fire first.
        await asyncio.sleep(3 * max(LIMITS.head_timeout, LIMITS.body_timeout))
        await socket.send("still here")
        assert await socket.recv() == "still here"
    assert loop_errors == []
