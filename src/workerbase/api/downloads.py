"""HTTP for downloads: Range and If-None-Match, the headers that make user content safe to serve, and a
response that streams an object's body without holding it in memory.

On Workers the body is not even read by Python: the Worker entry advertises the ASGI extension
`workerbase.native_body` (`workerbase.bindings.workers.native_body`), and the response hands the R2
body stream to it, to become the JS Response's body as it is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from workerbase.errors import WorkerbaseError
from workerbase.ports import BodyStream, ByteRange

# The name `bindings/workers/native_body.py` advertises the hand-over under (it cannot import this module).
NATIVE_BODY_EXTENSION = "workerbase.native_body"
# Shown inline by browsers; anything else downloads.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"})
# User content must never run as our origin: no scripts, no plugins, no forms, its own origin
# (`sandbox`). PDFs go without `sandbox`, which stops Chromium's PDF viewer; they cannot run scripts
# of ours either way.
_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"
_PDF_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'"
# Range units are case-insensitive; positions past 18 digits (an exabyte) are no range we serve.
_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})", re.IGNORECASE)


class RangeNotSatisfiable(WorkerbaseError):
    status = 416
    code = "range_not_satisfiable"
    title = "The requested range is not within the file"
    public_detail = True

    def __init__(self, size: int) -> None:
        super().__init__(f"the file is {size} bytes")
        self.size = size

    def response_headers(self) -> dict[str, str]:
        return {"Content-Range": f"bytes */{self.size}"}


def requested_range(range_header: str | None, if_range: str | None, etag: str, size: int) -> ByteRange | None:
    """The single byte range asked for, or None for the whole file (no Range; a unit, syntax or several
    ranges we do not serve, which RFC 9110 lets a server ignore; an If-Range that no longer matches).
    A range that starts past the end is 416."""
    if range_header is None or (if_range is not None and if_range.strip() != etag):
        return None
    match = _RANGE.fullmatch(range_header.strip().replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first:  # "-N": the last N bytes
        if not last:
            return None
        suffix = int(last)
        if suffix == 0:
            raise RangeNotSatisfiable(size)
        offset = max(size - suffix, 0)
        return ByteRange(offset=offset, length=size - offset)
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise RangeNotSatisfiable(size)
    end = int(last) if last else size - 1
    return ByteRange(offset=start, length=min(end, size - 1) - start + 1)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match (weak comparison, as RFC 9110 requires for it)."""
    if if_none_match is None:
        return False
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def content_headers(content_type: str, disposition: str, etag: str, cache_control: str) -> dict[str, str]:
    text = content_type.startswith("text/") or content_type == "application/json"
    return {
        "Content-Type": f"{content_type}; charset=utf-8" if text else content_type,
        "Content-Disposition": disposition,
        "ETag": etag,
        "Cache-Control": cache_control,
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": _PDF_CSP if content_type == "application/pdf" else _CSP,
        # Frontends on another origin may embed the file (`<img src>`), also under COEP.
        "Cross-Origin-Resource-Policy": "cross-origin",
    }


def sized(headers: Mapping[str, str], byte_range: ByteRange | None, size: int) -> tuple[int, dict[str, str]]:
    """The status (200, or 206 for a range) and the headers with the length of what is sent. Ranges
    are always an offset and a length here (see `requested_range`)."""
    if byte_range is None or byte_range.offset is None or byte_range.length is None:
        return 200, {**headers, "Content-Length": str(size)}
    offset, length = byte_range.offset, byte_range.length
    content_range = f"bytes {offset}-{offset + length - 1}/{size}"
    return 206, {**headers, "Content-Length": str(length), "Content-Range": content_range}


class StreamResponse(Response):
    """A body stream's bytes, a chunk at a time, or handed over unread on Workers: R2 objects (under
    `sized` headers) and the live chat's event streams."""

    def __init__(self, stream: BodyStream, status_code: int, headers: Mapping[str, str]) -> None:
        # Not Response.__init__: it would declare the length of an empty body. A length comes only from
        # `headers` (downloads know theirs; event streams have none).
        self.status_code = status_code
        self.background = None
        self.init_headers(headers)
        self._stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        handover = scope.get("extensions", {}).get(NATIVE_BODY_EXTENSION)
        if handover is not None and self._stream.native is not None:
            handover.attach(self._stream.native)
            await send(start)
            await send({"type": "http.response.body", "body": b""})
            return
        try:
            await send(start)
            async for chunk in self._stream.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await self._stream.aclose()  # also when the client went away half-way
