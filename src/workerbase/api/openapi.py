"""The OpenAPI document, made to say what the server does (`GET /openapi.json`).

FastAPI documents a 422 `HTTPValidationError` on every route with parameters and nothing else; we answer
every refusal with an RFC 9457 problem (`api/problems.py`). So the generated document is corrected here,
in one place, from what each route is made of rather than from lists on each route:

* a route that depends on the caller (`get_principal`) needs a bearer credential (`security`) and may
  answer 401 and 403; one with a path parameter 404; one with parameters 422; one with an opaque
  `cursor` (text) 400 `invalid_cursor`; one with a JSON body 400 (malformed JSON), 413 (the body limit),
  415 (not UTF-8 JSON) and 422; every route may answer 503 when a storage binding fails;
* the domain errors a route raises beyond those (`ROUTE_ERRORS`) add their statuses, and each problem
  response names its codes in its description.

Routes document their own bodies where FastAPI cannot see them (the upload's, the event stream's).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from workerbase.api.deps import get_principal
from workerbase.api.paths import CHAT_SOCKET_PATH
from workerbase.errors import PROBLEM_MEDIA_TYPE, BindingUnavailable, InvalidArgument, WorkerbaseError
from workerbase.pagination import InvalidCursor
from workerbase.ports import EmbeddingFailed, GenerationRunning, ReplyNotStored
from workerbase.services.api_keys import GuestNotAllowed, TooManyApiKeys
from workerbase.services.auth import (
    CurrentPasswordIncorrect,
    EmailTaken,
    GuestAccountsDisabled,
    InvalidCredentials,
    InvalidRefreshToken,
)
from workerbase.services.chats import ChatIdTaken, PublicChatIdTaken
from workerbase.services.continuations import NothingToContinue
from workerbase.services.file_links import InvalidLink
from workerbase.services.file_types import FileTypeMismatch, UnsupportedFileType
from workerbase.services.files import EmptyFile, FileTooLarge, StorageQuotaExceeded, UploadTooSlow
from workerbase.services.ingestion import SourceTooLarge
from workerbase.services.knowledge_bases import KnowledgeBaseNotFound, TooManyKnowledgeBases
from workerbase.services.live_chat import DailyLimitReached, MessageAlreadyAnswered
from workerbase.services.messages import MessageIdConflict
from workerbase.services.throttling import TooManyAttempts

DESCRIPTION = f"""\
Backend for AI chat applications on Cloudflare Workers (D1, KV, R2).

**Errors.** Every refusal is an RFC 9457 problem (`application/problem+json`, schema `Problem`) with a
stable `code`; a 422 lists the invalid fields in `errors`. Each operation lists the statuses it answers
and their codes.

**Authentication.** `Authorization: Bearer <token>`, the token being an access token (a JWT from
`/v1/auth/signup`, `/login`, `/guest` or `/refresh`) or an API key (`wb_...`, from `/v1/me/api-keys`).

**Streaming.** `POST /v1/chats/{{chat_id}}/stream` answers `text/event-stream` in the AI SDK's UI message
stream protocol (header `x-vercel-ai-ui-message-stream: v1`), what `useChat` reads.

**WebSocket.** `GET {CHAT_SOCKET_PATH}?ticket=<ticket>&after=<seq>` (not listed below: OpenAPI does not
describe WebSockets) follows a chat live. Get a single-use ticket, valid 60 s, from
`POST /v1/chats/{{chat_id}}/ws-ticket` (browsers cannot send headers on a WebSocket). Each frame is JSON,
`{{"seq", "type": "message" | "chunk" | "chat" | ..., "data"}}`, in order; reconnect with `after=<last seq>`
to catch up (a `{{"type": "gap"}}` frame means: reload the chat). A refused upgrade is a problem+json.
"""

BEARER = "bearer"

# What each route raises beyond what its parts imply ("METHOD path" as in the document).
ROUTE_ERRORS: dict[str, tuple[type[WorkerbaseError], ...]] = {
    "POST /v1/auth/signup": (EmailTaken, TooManyAttempts),
    "POST /v1/auth/guest": (GuestAccountsDisabled, TooManyAttempts),
    "POST /v1/auth/login": (InvalidCredentials, TooManyAttempts),
    "POST /v1/auth/refresh": (InvalidRefreshToken,),
    "POST /v1/me/password": (CurrentPasswordIncorrect,),
    "POST /v1/me/api-keys": (GuestNotAllowed, TooManyApiKeys),
    "POST /v1/chats": (ChatIdTaken, PublicChatIdTaken),
    "PATCH /v1/chats/{chat_id}": (PublicChatIdTaken,),
    "POST /v1/chats/{chat_id}/messages": (MessageIdConflict,),
    "POST /v1/chats/{chat_id}/stream": (
        InvalidArgument,
        MessageIdConflict,
        MessageAlreadyAnswered,
        GenerationRunning,
        DailyLimitReached,
        ReplyNotStored,
        NothingToContinue,
        KnowledgeBaseNotFound,
    ),
    "POST /v1/files": (
        InvalidArgument,
        EmptyFile,
        FileTooLarge,
        StorageQuotaExceeded,
        UnsupportedFileType,
        FileTypeMismatch,
        UploadTooSlow,
    ),
    "GET /v1/files/{file_id}/content": (InvalidArgument, InvalidLink),
    "POST /v1/knowledge-bases": (TooManyKnowledgeBases,),
    "POST /v1/knowledge-bases/{knowledge_base_id}/sources": (SourceTooLarge,),
    "POST /v1/knowledge-bases/{knowledge_base_id}/query": (InvalidArgument, EmbeddingFailed),
    "POST /v1/knowledge/query": (InvalidArgument, KnowledgeBaseNotFound, EmbeddingFailed),
}

# Operations that take a bearer credential or a signed link: either will do.
OPTIONAL_BEARER = frozenset({"GET /v1/files/{file_id}/content"})

_PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem. Extension members (e.g. `limit`, `checks`) may be present.",
    "type": "object",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string", "description": "`urn:workerbase:problem:<code>`."},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable, machine-readable."},
        "detail": {"type": "string"},
        "request_id": {"type": "string", "description": "Also in the `X-Request-Id` header."},
        "errors": {
            "type": "array",
            "description": "422 `validation_failed` only: the invalid fields.",
            "items": {"$ref": "#/components/schemas/FieldError"},
        },
    },
    "additionalProperties": True,
}
_FIELD_ERROR_SCHEMA: dict[str, Any] = {
    "title": "FieldError",
    "type": "object",
    "required": ["field", "message", "type"],
    "properties": {
        "field": {"type": "string", "description": "Where, dotted: `body.title`, `query.limit`."},
        "message": {"type": "string"},
        "type": {"type": "string", "description": "The kind of error (`missing`, `string_too_long`...)."},
    },
}
_FASTAPI_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install_openapi(app: FastAPI) -> None:
    """Replaces `app.openapi` with the corrected document (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in _FASTAPI_SCHEMAS:
        schemas.pop(name, None)
    schemas["Problem"] = _PROBLEM_SCHEMA
    schemas["FieldError"] = _FIELD_ERROR_SCHEMA
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An access token (JWT) or an API key (`wb_...`).",
        }
    }
    for route in _api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = document["paths"].get(route.path_format, {}).get(method.lower())
            if operation is not None:
                _correct(operation, route, f"{method} {route.path_format}")
    return document


def _correct(operation: dict[str, Any], route: Any, key: str) -> None:
    calls = {dependant.call for dependant in _dependants(route.dependant)}
    authenticated = get_principal in calls
    if authenticated:
        operation["security"] = [{BEARER: []}]
    elif key in OPTIONAL_BEARER:
        operation["security"] = [{BEARER: []}, {}]
    else:
        operation["security"] = []
    codes: dict[int, dict[str, str]] = {}

    def add(status: int, code: str, meaning: str) -> None:
        codes.setdefault(status, {}).setdefault(code, meaning)

    if authenticated or key in OPTIONAL_BEARER:
        add(401, "invalid_token", "missing, invalid or expired credentials")
        add(403, "insufficient_scope", "the credential may not do this")
    if route.dependant.path_params:
        add(404, "not_found", "no such object, or not the caller's")
    if any(_parameters(route.dependant)):
        add(422, "validation_failed", "invalid fields, listed in `errors`")
    if _takes_opaque_cursor(route.dependant):
        add(InvalidCursor.status, InvalidCursor.code, InvalidCursor.title)
    if route.body_field is not None:
        add(400, "malformed_json", "the body is not valid JSON")
        add(413, "payload_too_large", "the body is over the size limit")
        add(415, "unsupported_media_type", "the body is not UTF-8 `application/json`")
        add(422, "validation_failed", "invalid fields, listed in `errors`")
    for error in ROUTE_ERRORS.get(key, ()):
        add(error.status, error.code, error.title)
    add(BindingUnavailable.status, BindingUnavailable.code, BindingUnavailable.title)
    responses = operation.setdefault("responses", {})
    for status in sorted(codes):
        existing = responses.get(str(status), {})
        listed = "; ".join(f"`{code}`: {meaning}" for code, meaning in codes[status].items())
        description = existing.get("description") if status != 422 else None
        responses[str(status)] = {
            "description": f"{description} {listed}" if description else listed,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    for status, response in responses.items():
        # A problem FastAPI documented its own way (a route's `responses=`) gets our schema too.
        if status.startswith(("4", "5")) and PROBLEM_MEDIA_TYPE not in response.get("content", {}):
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _api_routes(app: FastAPI) -> list[Any]:
    """The app's routes as the document sees them (their paths with the routers' prefixes). FastAPI 0.165
    keeps included routers whole in `app.routes`; get_openapi walks them with these."""
    try:
        from fastapi.openapi.utils import _get_api_route_for_openapi
        from fastapi.routing import iter_route_contexts
    except ImportError:  # older FastAPI: included routes are copied into `app.routes`
        return [route for route in app.routes if isinstance(route, APIRoute)]
    # Each is an APIRoute-like context: the route's path_format, methods, dependant, body_field.
    routes = (_get_api_route_for_openapi(context) for context in iter_route_contexts(app.routes))
    return [route for route in routes if route is not None]


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _parameters(dependant: Dependant) -> Iterator[object]:
    """Every parameter a route validates, its dependencies' (paging's `limit`...) included."""
    for each in _dependants(dependant):
        yield from each.path_params
        yield from each.query_params
        yield from each.header_params


def _takes_opaque_cursor(dependant: Dependant) -> bool:
    """A `cursor` query parameter holding text: one a list returned (`pagination.py`), which it decodes
    and refuses if it is not. A numeric `cursor` (a document's versions) is just a number."""
    return any(
        param.alias == "cursor"
        and (param.field_info.annotation is str or str in get_args(param.field_info.annotation))
        for each in _dependants(dependant)
        for param in each.query_params
    )
