"""CORS: which browser apps on other origins may call the API, from the setting `CORS_ORIGINS`.

* Not set (the default): no CORS headers at all, and a preflight is an ordinary `OPTIONS` (405).
* A list of origins (`https://app.example.com,http://localhost:3000`): a request whose `Origin` is one of
  them gets `Access-Control-Allow-Origin: <that origin>` and `Vary: Origin`; another origin gets no CORS
  headers (the browser then refuses the response to the page) and its preflight a 403 problem
  `origin_not_allowed`, which tells a developer reading the network tab why.
* `*`: any origin, answered `Access-Control-Allow-Origin: *`.

`Access-Control-Allow-Credentials` is never sent: clients authenticate with `Authorization: Bearer`, which
a page sets itself, not with cookies, so no request needs credentials mode; and that is what makes `*`
valid (browsers refuse `*` with credentials).

Two pieces, both pure ASGI so streamed responses pass through untouched. `with_cors_headers` wraps the
`send` of `RequestContextMiddleware`, so every response gets the headers, its own problems (413, 500)
included; it reads the settings from the request's Platform when the response starts, as the Platform is
built per request (on Workers, settings come with each request's `env`). `CorsPreflight` runs inside it,
once the Platform exists, and answers preflights (an `OPTIONS` with `Origin` and
`Access-Control-Request-Method`) for every path, before routing.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workerbase.errors import PROBLEM_MEDIA_TYPE, problem_body

ANY_ORIGIN = "*"
# Every method a route answers (a preflight names them all; the browser checks its own).
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
# The request headers the API reads, beyond those browsers send without asking: the bearer token, JSON
# bodies, the client's request id, the conditional and range requests of file downloads. The AI SDK's
# transports send `Content-Type` and the headers the app gives them (add an app's own here).
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id, If-None-Match, If-Range, Range, User-Agent"
# The response headers a page may read, beyond those it always can (Content-Type, Content-Length, ...).
EXPOSED_HEADERS = (
    "X-Request-Id, Retry-After, X-Vercel-AI-UI-Message-Stream, Content-Disposition, Content-Range,"
    " Accept-Ranges, ETag"
)
# How long a browser may reuse a preflight's answer, in seconds (Chromium caps it at 7200).
MAX_AGE = "7200"


def with_cors_headers(scope: Scope, origin: str | None, send: Send) -> Send:
    """`send`, adding the CORS headers of `origin` (the request's `Origin`, None without one) to the
    response. With a list of origins every response varies by `Origin`, also one asked without it: a
    browser must not reuse an `<img>`'s cached answer for another origin's `fetch`."""

    async def send_with_cors_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            origins = _allowed_origins(scope)
            if origins:
                message["headers"] = [*message.get("headers", []), *_response_headers(origins, origin)]
        await send(message)

    return send_with_cors_headers


class CorsPreflight:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            origins = _allowed_origins(scope)
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            if origins and origin is not None and b"access-control-request-method" in headers:
                if _allows(origins, origin.decode("latin-1")):
                    await _preflight_answered(scope, send)
                else:
                    await _origin_refused(scope, send)
                return
        await self.app(scope, receive, send)


def _allowed_origins(scope: Scope) -> tuple[str, ...]:
    platform = scope.get("state", {}).get("platform")
    return () if platform is None else platform.settings.cors_origins  # None: the settings failed to load


def _allows(origins: tuple[str, ...], origin: str) -> bool:
    return origins[0] == ANY_ORIGIN or origin in origins


def _response_headers(origins: tuple[str, ...], origin: str | None) -> list[tuple[bytes, bytes]]:
    if origins[0] == ANY_ORIGIN:
        if origin is None:
            return []
        return [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
        ]
    # The answer depends on the origin: caches must keep one per origin, allowed or not.
    vary = [(b"vary", b"Origin")]
    if origin is None or origin not in origins:
        return vary
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
        *vary,
    ]


async def _preflight_answered(scope: Scope, send: Send) -> None:
    allowed = ", ".join((ALLOWED_HEADERS, *scope["state"]["platform"].settings.cors_allow_headers))
    headers = [
        (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
        (b"access-control-allow-headers", allowed.encode()),
        (b"access-control-max-age", MAX_AGE.encode()),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _origin_refused(scope: Scope, send: Send) -> None:
    request_id = scope.get("state", {}).get("request_id")
    detail = "This origin is not in CORS_ORIGINS."
    body: dict[str, Any] = problem_body(403, "origin_not_allowed", detail=detail, request_id=request_id)
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
