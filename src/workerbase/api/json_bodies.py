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
"""

from __future__ import annotations

import codecs

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
    head = b""
    media_type_ok: bool | None = None

    async def receive_checked() -> Message:
        nonlocal head, media_type_ok
        message = await receive()
        if message["type"] != "http.request":
            return message
        if len(head) < _HEAD_BYTES:
            head += message.get("body", b"")[: _HEAD_BYTES - len(head)]
        if head and not message.get("more_body", False) and _takes_json(scope):
            if media_type_ok is None:
                media_type_ok = _is_utf8_json(_content_type(scope))
            if not media_type_ok or head.startswith(_BOMS) or b"\x00" in head:
                raise HTTPException(415, _REFUSED)
        return message

    return receive_checked


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
