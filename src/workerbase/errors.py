"""The project's own exceptions, and how each one becomes an RFC 9457 problem.

Adapters translate binding-specific failures (a `sqlite3.IntegrityError`, a workerd `JsException` whose
message says `SQLITE_CONSTRAINT`) into these classes, so services and tests see one exception type per
failure in both runtimes. Each class carries its HTTP status and a stable machine-readable `code`; the
FastAPI handlers in `workerbase.api.problems` send them as `error_problem` makes them. This module
imports nothing from FastAPI, so the adapters that raise these errors also load in the Pyodide suite.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar


class WorkerbaseError(Exception):
    """Base class. Unexpected subclasses render as 500 without leaking their message."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal server error"
    # Whether `str(exc)` is safe and useful to show to API clients.
    public_detail: ClassVar[bool] = False

    def problem_extras(self) -> dict[str, Any]:
        """Extra members for the problem body (RFC 9457 extension members)."""
        return {}

    def response_headers(self) -> dict[str, str]:
        return {}


class BindingUnavailable(WorkerbaseError):
    """A binding (D1, KV, R2...) failed for reasons that are not the caller's fault."""

    status = 503
    code = "binding_unavailable"
    title = "A storage service is unavailable"

    def __init__(self, binding: str, message: str) -> None:
        super().__init__(f"{binding}: {message}")
        self.binding = binding

    def problem_extras(self) -> dict[str, Any]:
        return {"binding": self.binding}


class QueryError(WorkerbaseError):
    """The database refused a statement (syntax error, missing table...): a bug in our SQL."""

    code = "query_failed"


class ConstraintViolation(WorkerbaseError):
    """A UNIQUE, PRIMARY KEY, FOREIGN KEY, NOT NULL or CHECK constraint refused a write."""

    status = 409
    code = "conflict"
    title = "The request conflicts with existing data"

    KINDS: ClassVar[tuple[str, ...]] = ("unique", "primary_key", "foreign_key", "not_null", "check")

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind if kind in self.KINDS else "unknown"


class LimitExceeded(WorkerbaseError):
    """A platform limit (D1 parameters, KV value size, R2 metadata size...) would be exceeded."""

    status = 413
    code = "limit_exceeded"
    title = "A storage limit would be exceeded"
    public_detail = True

    def __init__(self, binding: str, limit: str, message: str) -> None:
        super().__init__(message)
        self.binding = binding
        self.limit = limit

    def problem_extras(self) -> dict[str, Any]:
        return {"limit": self.limit}


class UnsupportedValue(WorkerbaseError):
    """A value the binding cannot store faithfully (an integer past 2^53 in D1, a tuple...)."""

    status = 422
    code = "unsupported_value"
    title = "A value cannot be stored"
    public_detail = True


class InvalidArgument(WorkerbaseError):
    """A binding call with arguments the platform refuses (KV `expirationTtl` < 60, an empty key...)."""

    status = 422
    code = "invalid_argument"
    title = "Invalid argument"
    public_detail = True


class ConfigurationError(WorkerbaseError):
    """A required setting is missing or malformed. The message names the setting."""

    code = "misconfigured"
    title = "The server is misconfigured"
    public_detail = True


# --- errors as RFC 9457 problems (`application/problem+json`) ------------------------------------------

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_body(
    status: int,
    code: str,
    *,
    title: str | None = None,
    detail: str | None = None,
    request_id: str | None = None,
    **extras: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:workerbase:problem:{code}",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if request_id:
        body["request_id"] = request_id
    body.update(extras)
    return body


def error_problem(exc: WorkerbaseError, request_id: str | None = None) -> dict[str, Any]:
    """The problem body of one of our errors: its detail only when it is meant for the client."""
    return problem_body(
        exc.status,
        exc.code,
        title=exc.title,
        detail=str(exc) if exc.public_detail else None,
        request_id=request_id,
        **exc.problem_extras(),
    )
