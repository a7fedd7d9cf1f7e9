"""A chat's WebSocket, `GET /v1/chats/{id}/ws?ticket=&after=`: the one definition of its path, its ticket
check and its refusals, for both runtimes. Each runtime takes the upgrade before the app (on Workers the
socket must belong to the chat's Durable Object, so it can hibernate) and hands an admitted one to the
room its own way: `src/entry.py` to the room object, `workerbase.local` to the in-process room.

The room then checks the ticket was not used before (tickets are single use) and raises InvalidTicket if
it was. Every change of the chat comes in order, `{"seq", "type": "message" | "chunk" | "chat" | ...,
"data"}`; reconnect with `after=<last seq>` for what was missed (`{"type": "gap"}`: reload the chat).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar
from urllib.parse import parse_qs

from workerbase.api.paths import CHAT_SOCKET_PATH
from workerbase.bootstrap import Services
from workerbase.errors import PROBLEM_MEDIA_TYPE, WorkerbaseError, error_problem
from workerbase.frozen import Frozen
from workerbase.ids import is_client_id
from workerbase.platform import Platform
from workerbase.ports import Ticket

_PATH = re.compile("^" + CHAT_SOCKET_PATH.replace("{chat_id}", "(?P<chat_id>[^/]+)") + "$")
MAX_TICKET_CHARS = 512
T = TypeVar("T")


class NoSuchSocket(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No WebSocket here"


class BadSocketQuery(WorkerbaseError):
    status = 400
    code = "invalid_argument"
    title = "The WebSocket's query is not valid"
    public_detail = True


class SocketAdmission(Frozen):
    ticket: Ticket
    after: int  # the last event seq the tab has; it gets what came after


class SocketRefusal(Frozen):
    """An upgrade refused before the handshake: an HTTP answer with a problem body."""

    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def of(cls, exc: WorkerbaseError) -> SocketRefusal:
        body = json.dumps(error_problem(exc)).encode()
        return cls(exc.status, {"Content-Type": PROBLEM_MEDIA_TYPE, **exc.response_headers()}, body)


def chat_socket_url(base_url: str, chat_id: str, ticket: str) -> str:
    """The socket's URL for a ticket, on the host the ticket was asked from (`ws:` or `wss:`)."""
    url = base_url.rstrip("/") + CHAT_SOCKET_PATH.format(chat_id=chat_id)
    return f"{url.replace('http', 'ws', 1)}?ticket={ticket}"


def admit_chat_socket(platform: Platform, path: str, query: str, now: datetime) -> SocketAdmission:
    """The ticket and `after` of an upgrade to `path?query`: NoSuchSocket (404) for another path,
    BadSocketQuery (400) for a bad `after`, InvalidTicket (403) unless the ticket is ours, for this chat
    and unexpired."""
    match = _PATH.match(path)
    chat_id = match.group("chat_id") if match else None
    if chat_id is None or not is_client_id(chat_id):
        raise NoSuchSocket("no WebSocket here")
    values = {name: found[0] for name, found in parse_qs(query).items()}
    after_text = values.get("after", "0")
    if not (after_text.isascii() and after_text.isdigit()):
        raise BadSocketQuery("`after` must be a sequence number (0 or more)")
    ticket = Services(platform, now).tickets.verify(
        values.get("ticket", "")[:MAX_TICKET_CHARS], chat_id, int(now.timestamp())
    )
    return SocketAdmission(ticket, int(after_text))


async def open_chat_socket(
    platform: Platform,
    path: str,
    query: str,
    now: datetime,
    connect: Callable[[Ticket, int], Awaitable[T]],
    refuse: Callable[[SocketRefusal], Awaitable[T]],
) -> T:
    """Admit an upgrade and hand it to the chat's room (`connect`, the runtime's way); a refusal, by us or
    by the room (a used ticket), is answered with its problem (`refuse`, the runtime's way)."""
    try:
        admission = admit_chat_socket(platform, path, query, now)
        return await connect(admission.ticket, admission.after)
    except WorkerbaseError as exc:
        return await refuse(SocketRefusal.of(exc))
