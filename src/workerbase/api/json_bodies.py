"""JSON routes take JSON in UTF-8, and nothing else.

FastAPI hands a body that is not labelled JSON to the route's model as bytes (a 422 about the body's
fields), and decodes a JSON body with `json.loads(bytes)`, which accepts UTF-16, UTF-32 and a byte order
mark and ignores `charset`. RFC 8259 (8.1) says JSON between systems is UTF-8 without a BOM. So a route
that declares a JSON body refuses, with 415 `unsupported_media_type`, a body that is not
`application/json` (or `application/*+json`), carries a `charset` other than utf-8, or starts like
another encoding or a BOM. Before anything is decoded, so nothing is stored.

The check wraps `receive`, as the body limit does (`api/middleware.py`): the route is known once the
router has chosen it (FastAPI puts it in the scope), and the body is judged once it has arrived whole, so
a body over the size limit is a 413 first. Routes that read bodies of any type themselves (the upload)
declare no body field and are not concerned; a request without a body is left to the route (a required
body missing is a 422).

The same check refuses numbers JSON has no room for, anywhere in the body, with 422 `validation_failed`
naming each field (`NonFiniteNumbers`): `NaN`, `Infinity` and `-Infinity`, which Python's `json` (so
FastAPI) reads as floats, and literals too large for a double (`1e999`), which it reads as infinity. Route
models cannot see them where the body is free-form (metadata, message parts), and SQLite's JSON functions
refuse them (a CHECK failure) or store null in their place. The body is searched for such a number first
(one regular expression, in C); only a body that may hold one is decoded and walked here.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Iterator
from typing import Any

from fastapi import params
from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope

_REFUSED = (
    "This endpoint takes a JSON body in UTF-8: Content-Type: application/json, without a byte order mark."
)
_UTF8_CHARSETS = frozenset({"utf-8", "utf8"})
# How a UTF-8 JSON text cannot start: a byte order mark (UTF-8, UTF-16 or UTF-32), or a NUL among its first
# bytes (a JSON text has none unescaped, UTF-16 and UTF-32 have one in every ASCII character).
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_HEAD_BYTES = 4


def json_bodies_checked(scope: Scope, receive: Receive) -> Receive:
    chunks: list[bytes] = []
    media_type_ok: bool | None = None

    async def receive_checked() -> Message:
        nonlocal media_type_ok
        message = await receive()
        if message["type"] != "http.request" or not _takes_json(scope):
            return message
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return message
        body = b"".join(chunks)
        if body:
            if media_type_ok is None:
                media_type_ok = _is_utf8_json(_content_type(scope))
            if not media_type_ok or body.startswith(_BOMS) or b"\x00" in body[:_HEAD_BYTES]:
                raise HTTPException(415, _REFUSED)
            if fields := non_finite_fields(body):
                raise NonFiniteNumbers(fields)
        return message

    return receive_checked


class NonFiniteNumbers(HTTPException):
    """A JSON body with numbers that are not finite: a 422 naming each field (`api/problems.py`)."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__(422, "JSON numbers must be finite.")
        self.fields = fields


# Where a number that is not finite may start: a value (after `:`, `,`, `[` or at the start) that is NaN,
# Infinity, or a literal with an exponent of three digits or an integer part of 100 (a double ends near
# 1.8e308; an exponent of two digits needs over 200 digits before it). Matches in strings cost a decode.
_MAYBE_NON_FINITE = re.compile(
    rb"(?:^|[:,\[])\s*(?:NaN|-?Infinity|-?(?:[0-9]{100}|[0-9]+(?:\.[0-9]+)?[eE][+-]?[0-9]{3}))"
)


def non_finite_fields(body: bytes) -> list[str]:
    """The fields of a JSON body holding a number that is not finite, as `body.a.0.b`, in document order."""
    if not _MAYBE_NON_FINITE.search(body):
        return []
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return []  # not JSON: the route says so (400 malformed_json)
    return [".".join(path) for path in _non_finite_paths(value)]


def _non_finite_paths(value: Any) -> Iterator[tuple[str, ...]]:
    """Depth first without recursion: `json.loads` may have nested as deep as the stack allows."""
    pending: list[tuple[tuple[str, ...], Any]] = [(("body",), value)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, float) and not math.isfinite(value):
            yield path
        elif isinstance(value, dict):
            pending.extend(((*path, str(key)), item) for key, item in reversed(value.items()))
        elif isinstance(value, list):
            pending.extend(((*path, str(index)), item) for index, item in reversed(list(enumerate(value))))


def _takes_json(scope: Scope) -> bool:
    """Whether the route chosen for the request declares a JSON body."""
    body_field = getattr(scope.get("route"), "body_field", None)
    return body_field is not None and not isinstance(body_field.field_info, params.Form)


def _content_type(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return str(value.decode("latin-1"))
    return ""


def _is_utf8_json(content_type: str) -> bool:
    """`application/json` or `application/<anything>+json` (FastAPI's rule), with no charset but utf-8."""
    media_type, *parameters = content_type.split(";")
    kind, _, subtype = media_type.strip().lower().partition("/")
    if kind != "application" or not (subtype == "json" or subtype.endswith("+json")):
        return False
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in _UTF8_CHARSETS:
            return False
    return True
