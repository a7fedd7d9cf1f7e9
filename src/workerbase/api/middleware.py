"""The one ASGI middleware every request passes through.

Its jobs, one function each: give the request an id (echoed as `X-Request-Id`), build the request's
Platform (settings and bindings, from `env` on Workers), enforce the body size limit while the body
streams in, turn any unexpected exception into a 500 problem without internals, and write one JSON log
line per request. Pure ASGI rather than BaseHTTPMiddleware, so streamed responses pass through untouched.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workerbase.api.cors import with_cors_headers
from workerbase.api.json_bodies import json_bodies_checked
from workerbase.api.paths import API_PREFIX
from workerbase.config import Settings
from workerbase.errors import PROBLEM_MEDIA_TYPE, WorkerbaseError, problem_body
from workerbase.logs import get_logger, use_level
from workerbase.platform import Platform, PlatformFactory

# A client-supplied id is kept only if it is short and plain, so it is safe to log and echo.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# The route that takes file uploads (`routes/files.py`, under the API prefix) gets the upload body limit.
UPLOAD_ROUTE = ("POST", API_PREFIX + "/files")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, platform_factory: PlatformFactory) -> None:
        self.app = app
        self.platform_factory = platform_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
            return
        # Lifespan; WebSockets never reach the app (each runtime hands them to the chat's room first).
        await self.app(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = _headers(scope, b"x-request-id", b"content-length", b"origin")
        send = with_cors_headers(scope, headers.get(b"origin"), send)
        exchange = _Exchange(_request_id(headers.get(b"x-request-id")), send)
        state = scope.setdefault("state", {})
        state["request_id"] = exchange.request_id
        try:
            platform = self._platform(scope, state)
            await self._within_body_limit(scope, receive, exchange, platform, headers.get(b"content-length"))
        except Exception as exc:
            await _fail(exc, exchange)
        finally:
            _log_request(scope, exchange, started)

    def _platform(self, scope: Scope, state: dict[str, Any]) -> Platform:
        platform = self.platform_factory(scope)
        state["platform"] = platform
        use_level(platform.settings.log_level)
        return platform

    async def _within_body_limit(
        self, scope: Scope, receive: Receive, exchange: _Exchange, platform: Platform, declared: str | None
    ) -> None:
        """Refuse a body declared too large before reading it, and count the bytes of the others."""
        limit = body_limit(platform.settings, scope["method"], scope["path"])
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_problem(exchange, 413, "payload_too_large", _too_large(limit))
        else:
            await self.app(scope, json_bodies_checked(scope, _limited(receive, limit)), exchange.send)


def body_limit(settings: Settings, method: str, path: str) -> int:
    """The largest request body a route accepts: uploads follow MAX_FILE_BYTES, the rest
    MAX_REQUEST_BODY_BYTES."""
    if method == UPLOAD_ROUTE[0] and path.rstrip("/") == UPLOAD_ROUTE[1]:
        return settings.files.max_upload_body_bytes
    return settings.max_request_body_bytes


class _Exchange:
    """The response side of one request: its id, added to the response headers, and the status sent."""

    def __init__(self, request_id: str, send: Send) -> None:
        self.request_id = request_id
        self.status = 500
        self.response_started = False
        self._send = send

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.response_started = True
            message["headers"] = [*message.get("headers", []), (b"x-request-id", self.request_id.encode())]
        await self._send(message)


def _headers(scope: Scope, *names: bytes) -> dict[bytes, str]:
    """The values of the named headers (lowercase names, as ASGI gives them)."""
    return {key: value.decode("latin-1") for key, value in scope["headers"] if key in names}


def _request_id(supplied: str | None) -> str:
    if supplied and _CLIENT_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


async def _fail(exc: Exception, exchange: _Exchange) -> None:
    """Log a failure that escaped the app, and answer with a problem unless a response has started."""
    fields = {"fields": {"request_id": exchange.request_id}}
    if isinstance(exc, WorkerbaseError):  # raised before routing, e.g. a misconfigured setting
        get_logger().error("request failed: %s", exc, extra=fields)
        status, code, detail = exc.status, exc.code, str(exc) if exc.public_detail else None
    else:
        get_logger().error("unhandled error", exc_info=exc, extra=fields)
        status, code, detail = 500, "internal_error", None
    if not exchange.response_started:
        await _send_problem(exchange, status, code, detail)


def _log_request(scope: Scope, exchange: _Exchange, started: float) -> None:
    get_logger().log(
        logging.WARNING if exchange.status >= 500 else logging.INFO,
        "request",
        extra={
            "fields": {
                "request_id": exchange.request_id,
                "method": scope["method"],
                "path": scope["path"],
                "status": exchange.status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
        },
    )


def _too_large(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


def _limited(receive: Receive, limit: int) -> Receive:
    """Count body bytes as they arrive: Content-Length may be absent (chunked) or wrong."""
    received = 0

    async def receive_within_limit() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise HTTPException(413, _too_large(limit))
        return message

    return receive_within_limit


async def _send_problem(exchange: _Exchange, status: int, code: str, detail: str | None) -> None:
    body: dict[str, Any] = problem_body(status, code, detail=detail, request_id=exchange.request_id)
    payload = json.dumps(body).encode()
    await exchange.send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await exchange.send({"type": "http.response.body", "body": payload})
