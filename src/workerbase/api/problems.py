"""Every error response is an RFC 9457 problem (`application/problem+json`) with a stable `code`.

Domain errors carry their status and code (`workerbase.errors`); HTTP and validation errors from
Starlette/FastAPI are mapped here. Internals (messages of unexpected errors, stack traces) never reach
the client; they go to the log with the request id the client also sees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.routing import Match

from workerbase.api.deps import account_gone_or
from workerbase.api.json_bodies import NonFiniteNumbers
from workerbase.api.schemas import FORM_TAGS
from workerbase.errors import (
    PROBLEM_MEDIA_TYPE,
    ConstraintViolation,
    WorkerbaseError,
    error_problem,
    problem_body,
)
from workerbase.logs import get_logger

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def problem_response(
    request: Request | None,
    status: int,
    code: str,
    *,
    headers: Mapping[str, str] | None = None,
    **fields: Any,
) -> JSONResponse:
    request_id = request.scope.get("state", {}).get("request_id") if request is not None else None
    return JSONResponse(
        problem_body(status, code, request_id=request_id, **fields),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def code_for_status(status: int) -> str:
    return _CODES_BY_STATUS.get(status, f"http_{status}")


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail != HTTPStatus(exc.status_code).phrase
        else None
    )
    headers = exc.headers
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": _methods_of_path(request) or (headers or {}).get("Allow", "")}
    return problem_response(
        request, exc.status_code, code_for_status(exc.status_code), detail=detail, headers=headers
    )


# The methods an `Allow` header may name, in the order it names them.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _methods_of_path(request: Request) -> str:
    """Every method the request's path answers. Starlette's 405 names only the methods of the first route
    whose path matched, and each method of a path is its own route; so the app's routes are asked again,
    once per method, with a scope of their own. Only 405s pay for this."""
    scope = request.scope
    routes = request.app.router.routes
    allowed = []
    for method in _METHODS:
        probe = {
            "type": "http",
            "method": method,
            "path": scope["path"],
            "root_path": scope.get("root_path", ""),
            "headers": scope["headers"],
        }
        if any(route.matches(probe)[0] is Match.FULL for route in routes):
            allowed.append(method)
    return ", ".join(allowed)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(error.get("type") == "json_invalid" for error in errors):
        return problem_response(request, 400, "malformed_json", detail="The request body is not valid JSON.")
    return problem_response(
        request,
        422,
        "validation_failed",
        detail="The request has invalid fields.",
        errors=[_field_error(error) for error in errors],
    )


async def _non_finite_numbers(request: Request, exc: Exception) -> JSONResponse:
    """Refused before the route's model saw the body (`api/json_bodies.py`); told as a 422 from it is."""
    assert isinstance(exc, NonFiniteNumbers)
    return problem_response(
        request,
        422,
        "validation_failed",
        detail="The request has invalid fields.",
        errors=[
            {"field": field, "message": "Input should be a finite number", "type": "finite_number"}
            for field in exc.fields
        ],
    )


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    location: Sequence[Any] = error.get("loc", ())
    return {
        "field": ".".join(str(part) for part in location if part not in FORM_TAGS),
        "message": error.get("msg", "invalid"),
        "type": error.get("type", "invalid"),
    }


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkerbaseError)
    if isinstance(exc, ConstraintViolation):
        exc = await account_gone_or(request, exc)
    if exc.status >= 500:
        get_logger().error(
            "request failed: %s",
            exc.code,
            exc_info=exc,
            extra={"fields": {"request_id": request.scope.get("state", {}).get("request_id")}},
        )
    request_id = request.scope.get("state", {}).get("request_id")
    return JSONResponse(
        error_problem(exc, request_id),
        status_code=exc.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=exc.response_headers() or None,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NonFiniteNumbers, _non_finite_numbers)
    app.add_exception_handler(WorkerbaseError, _domain_error)
