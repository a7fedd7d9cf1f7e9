"""Chat WebSocket upgrades on Workers, as `src/entry.py` handles them before the app: what the request
asks for, and the HTTP answer of a refused one. What is admitted, and how it is refused, is
`workerbase.api.chat_sockets` (the same for both runtimes); the room takes an admitted one
(`WorkersChatRooms.connect`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlparse

from workers import Response

from workerbase.bindings.workers.chat_rooms import WorkersChatRooms
from workerbase.bindings.workers.platform import platform_from_env
from workerbase.clock import utc_now
from workerbase.platform import Platform
from workerbase.ports import Ticket


def is_websocket_upgrade(request: Any) -> bool:
    upgrade = request.headers.get("upgrade")
    return isinstance(upgrade, str) and upgrade.lower() == "websocket"


class Refusal(Protocol):
    """`workerbase.api.chat_sockets.SocketRefusal`: an upgrade refused before the handshake."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> dict[str, str]: ...
    @property
    def body(self) -> bytes: ...


# `workerbase.api.chat_sockets.open_chat_socket`, handed over by `src/entry.py` (adapters do not import
# the layers above them).
OpenChatSocket = Callable[
    [
        Platform,
        str,
        str,
        datetime,
        Callable[[Ticket, int], Awaitable[Any]],
        Callable[[Refusal], Awaitable[Any]],
    ],
    Awaitable[Any],
]


async def answer_upgrade(request: Any, env: Any, open_chat_socket: OpenChatSocket) -> Any:
    """A tab's WebSocket upgrade: the chat's room answers 101 and keeps the socket; or a problem."""
    url = urlparse(str(request.url))
    rooms = WorkersChatRooms(env.CHAT_ROOM)
    platform = platform_from_env(env)
    return await open_chat_socket(platform, url.path, url.query, utc_now(), rooms.connect, _refusal)


async def _refusal(refusal: Refusal) -> Response:
    return Response(refusal.body.decode(), status=refusal.status, headers=refusal.headers)
