"""The two ASGI steps the tests' small HTTP servers share (the fake model provider, the HTTP client
contract's server). Plain Python, so it imports in Pyodide too."""

from __future__ import annotations

from typing import Any


async def request_body(receive: Any) -> bytes:
    """A request's whole body, from an ASGI `receive`."""
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


async def respond(send: Any, status: int, body: bytes, content_type: bytes = b"text/plain") -> None:
    """A whole response at once."""
    headers = [(b"content-type", content_type)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
