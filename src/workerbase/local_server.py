"""The local server's HTTP protocol: uvicorn's h11 protocol with the limits uvicorn lacks.

uvicorn (h11) drops an idle kept-alive connection (`timeout_keep_alive`) and refuses a request head over
`h11_max_incomplete_event_size`, but nothing else is timed: a connection that never sends a request, a
head that never ends, a body that stops before its Content-Length all hold the connection (and the app's
task) forever; and its refusals are `text/plain`. `LimitedH11Protocol` adds, like nginx's
`client_header_timeout` and `client_body_timeout`:

* a head timeout: a request's complete head must arrive within `head_timeout` of the connection opening
  (or of the first byte of a later request on it). Nothing sent yet: the connection is closed without a
  word, as an idle one; part of a head: 408 `request_timeout`, then closed.
* a body timeout: while a request's body is due, at most `body_timeout` between two reads. The app has
  the request by then, so the client gets 408 `request_timeout` (if no response has started) and the app
  sees the client disconnect; then the connection is closed.
* an oversized head (over `max_head_bytes`) is 431 `request_header_fields_too_large`, a malformed one
  400 `bad_request`, both problem+json instead of uvicorn's text.

After a refusal the connection is closed the lingering way (writes shut, what the client still sends
read and dropped for a moment), so the client reads the answer rather than a reset.

CPython only (the local runtime's server); the Worker never imports it: Cloudflare's edge times and
limits connections there. It subclasses uvicorn's `H11Protocol` (pinned by uv.lock); `tests/api/
test_local_server_limits.py` drives each limit over a real socket, so an uvicorn change that breaks it fails
there.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from workerbase.errors import PROBLEM_MEDIA_TYPE, problem_body


@dataclass(frozen=True)
class ServerLimits:
    head_timeout: float
    body_timeout: float
    # uvicorn's own timer, which takes whole seconds.
    keep_alive_timeout: int
    max_head_bytes: int
    # How long the lingering close reads what a refused client still sends.
    linger: float = 2.0


# For development and self-hosting; constants, as nothing about them differs between deployments. Generous
# for a person on a slow link, short enough that stalled clients do not pile up.
LOCAL_SERVER_LIMITS = ServerLimits(
    head_timeout=10.0,
    body_timeout=30.0,  # between two reads of the body, so a long upload is fine while it moves
    keep_alive_timeout=5,  # uvicorn's default
    max_head_bytes=16 * 1024,  # h11's default; larger than any browser's head
)


class _RememberingConnection(h11.Connection):
    """An h11 connection that keeps the last error it raised on input, so the refusal can tell a head too
    large (h11's hint: 431) from a malformed one (400): uvicorn catches it and only says "invalid"."""

    last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.last_error = exc
            raise


class LimitedH11Protocol(H11Protocol):
    """Build with `protocol_with(limits)`, which sets `limits`."""

    limits: ClassVar[ServerLimits]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _RememberingConnection(h11.SERVER, self.limits.max_head_bytes)
        self._deadline: asyncio.TimerHandle | None = None
        self._lingering = False

    # --- timers ---------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.limits.head_timeout, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # what a refused client still sends: read so its close is clean, and dropped
        head_pending = self._deadline is not None and self.conn.their_state is h11.IDLE
        super().data_received(data)
        self._rearm(head_pending)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # uvicorn's keep-alive timer waits for the next request; a head started on a kept-alive
        # connection gets its own head timeout when its first bytes arrive (`_rearm`).
        self._rearm(head_pending=False)

    def _rearm(self, head_pending: bool) -> None:
        upgraded = self.transport.get_protocol() is not self  # a WebSocket now: its protocol times it
        if upgraded or self.transport.is_closing() or self._lingering:
            self._disarm()
        elif self.conn.their_state is h11.SEND_BODY:
            self._arm(self.limits.body_timeout, self._body_timed_out)  # from this read on
        elif self.conn.their_state is h11.IDLE and self._has_partial_head():
            if not head_pending:  # the head's clock runs from its first byte, not its latest
                self._arm(self.limits.head_timeout, self._head_timed_out)
        else:
            self._disarm()

    def _has_partial_head(self) -> bool:
        return bool(self.conn.trailing_data[0])

    def _arm(self, seconds: float, callback: Any) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, callback)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _head_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if not self._has_partial_head():
            self.shutdown()  # idle: nothing was asked, nothing to answer
            return
        self.logger.info("Request head not received in time; connection closed.")
        self._refuse(408, "request_timeout", "The request head did not arrive in time.", request_id=None)

    def _body_timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        if self.flow.read_paused or self.cycle.waiting_for_100_continue:
            # We are the slow one: we stopped reading until the app reads the body, or the client waits for
            # the "100 Continue" uvicorn sends when the app first reads.
            self._arm(self.limits.body_timeout, self._body_timed_out)
            return
        self.logger.info("Request body not received in time; connection closed.")
        cycle = self.cycle
        cycle.disconnected = True  # the app's receive() now says http.disconnect; its sends are dropped
        cycle.message_event.set()
        if cycle.response_started:
            self.transport.close()
            return
        request_id = cycle.scope.get("state", {}).get("request_id")
        self._refuse(
            408, "request_timeout", "The request body did not arrive in time.", request_id=request_id
        )

    # --- refusals -------------------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to input h11 cannot parse, as a problem (h11 hints 431 for a head too large)."""
        error = self.conn.last_error if isinstance(self.conn, _RememberingConnection) else None
        if error is not None and error.error_status_hint == 431:
            detail = f"The request head is larger than {self.limits.max_head_bytes} bytes."
            self._refuse(431, "request_header_fields_too_large", detail, request_id=None)
        else:
            self._refuse(400, "bad_request", "The request is not valid HTTP/1.1.", request_id=None)

    def _refuse(self, status: int, code: str, detail: str, request_id: str | None) -> None:
        """Answer a problem and close. Written raw: h11 may be in a state where it cannot send a response
        (a head never parsed, or a parse error), and nothing else is sent on this connection after it."""
        problem = problem_body(status, code, detail=detail, request_id=request_id)
        body = json.dumps(problem, separators=(",", ":")).encode()  # as the app's JSON responses
        head = [
            f"HTTP/1.1 {status} {STATUS_PHRASES[status].decode()}",
            f"content-type: {PROBLEM_MEDIA_TYPE}",
            f"content-length: {len(body)}",
            "connection: close",
        ]
        if request_id is not None:
            head.append(f"x-request-id: {request_id}")
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        self._close_lingering()

    def _close_lingering(self) -> None:
        """Shut our side, then drop what the client still sends for a moment before closing: closing with
        unread input makes the kernel send a reset, which can destroy the answer before the client reads
        it (a client still writing a large head would see ECONNRESET instead of the 431)."""
        self._lingering = True
        self._disarm()
        self.flow.resume_reading()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(self.limits.linger, self.transport.close)


def protocol_with(limits: ServerLimits) -> type[LimitedH11Protocol]:
    """The protocol class for uvicorn's `Config(http=...)`: uvicorn builds it with no room for settings."""
    return type("LocalH11Protocol", (LimitedH11Protocol,), {"limits": limits})
