"""The one ASGI middleware every request passes through.

It gives the request an id (echoed as `X-Request-Id`), builds the request's Platform (settings and
bindings, from `env` on Workers), enforces the body size limit while the body streams in, turns any
unexpected exception into a 500 problem without internals, and writes one JSON log line per request.
Pure ASGI rather than BaseHTTPMiddleware, so streamed responses pass through untouched.
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

from workerbase.errors import PROBLEM_MEDIA_TYPE, WorkerbaseError, problem_body
from workerbase.logs import get_logger
from workerbase.platform import PlatformFactory

# A client-supplied id is kept only if it is short and plain, so it is safe to log and echo.
_CLIENT_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, platform_factory: PlatformFactory) -> None:
        self.app = app
        self.platform_factory = platform_factory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the routes need the platform; there is no body to limit
            scope.setdefault("state", {})["platform"] = self.platform_factory(scope)
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        request_id = _request_id(headers.get("x-request-id"))
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        status = 500
        response_started = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        logger = get_logger()
        try:
            platform = self.platform_factory(scope)
            state["platform"] = platform
            logger.setLevel(platform.settings.log_level.upper())
            limit = platform.settings.body_limit(scope["method"], scope["path"])
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                await _send_problem(
                    send_with_request_id, 413, "payload_too_large", request_id, _too_large(limit)
                )
            else:
                await self.app(scope, _limited(receive, limit), send_with_request_id)
        except WorkerbaseError as exc:  # raised before routing, e.g. a misconfigured setting
            logger.error("request failed: %s", exc, extra={"fields": {"request_id": request_id}})
            if not response_started:
                detail = str(exc) if exc.public_detail else None
                await _send_problem(send_with_request_id, exc.status, exc.code, request_id, detail)
        except Exception:
            logger.exception("unhandled error", extra={"fields": {"request_id": request_id}})
            if not response_started:
                await _send_problem(send_with_request_id, 500, "internal_error", request_id, None)
        finally:
            logger.log(
                logging.WARNING if status >= 500 else logging.INFO,
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    }
                },
            )


def _request_id(supplied: str | None) -> str:
    if supplied and _CLIENT_REQUEST_ID.match(supplied):
        return supplied
    return uuid.uuid4().hex


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


async def _send_problem(send: Send, status: int, code: str, request_id: str, detail: str | None) -> None:
    body: dict[str, Any] = problem_body(status, code, detail=detail, request_id=request_id)
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
