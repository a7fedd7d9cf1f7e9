"""The local runtime's ChatRoom objects: in-process Durable Objects (one per owner and chat) with their
WebSockets served by the local server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from workerbase.bindings.local.durable import LocalDurableNamespace
from workerbase.durable import ui_stream
from workerbase.durable.chat_room import ChatRoom
from workerbase.ports import (
    DurableStorage,
    GenerationJob,
    InvalidTicket,
    RoomSocket,
    RoomSockets,
    Ticket,
    room_name,
)


class LocalChatRooms:
    """In-process ChatRoom objects, one per owner and chat. The rooms need the platform they belong to
    (to store replies), so the composition root hands over how to build one once the platform exists:
    `host(build)`, before the first request."""

    def __init__(self, root: Path, now: Callable[[], datetime]) -> None:
        self._sockets: dict[str, _Sockets] = {}
        self._build: Callable[[DurableStorage, RoomSockets], ChatRoom] | None = None

        def build(name: str, storage: DurableStorage) -> ChatRoom:
            if self._build is None:
                raise RuntimeError("LocalChatRooms.host() was not called: no way to build a room")
            return self._build(storage, self._sockets.setdefault(name, _Sockets()))

        self.rooms = LocalDurableNamespace(root, build, now)

    def host(self, build: Callable[[DurableStorage, RoomSockets], ChatRoom]) -> None:
        self._build = build

    async def start(self, job: GenerationJob, user_message: dict[str, Any]) -> _SseStream:
        room = self.rooms.get(room_name(job.user_id, job.chat_id))
        await room.start(job, user_message)
        return _SseStream(ui_stream.encode(room.read(0)))

    async def resume(self, owner_id: str, chat_id: str, offset: int) -> _SseStream | None:
        room = self.rooms.get(room_name(owner_id, chat_id))
        if not await room.generating():
            return None
        return _SseStream(ui_stream.encode(room.read(offset)))

    async def stop(self, owner_id: str, chat_id: str) -> bool:
        return await self.rooms.get(room_name(owner_id, chat_id)).stop()

    async def publish(self, owner_id: str, chat_id: str, kind: str, data: dict[str, Any]) -> None:
        self.rooms.get(room_name(owner_id, chat_id)).publish(kind, data)

    async def serve(self, ticket: Ticket, websocket: WebSocket, after: int) -> None:
        """Serve one tab's admitted WebSocket (`api/chat_sockets.py`) until it closes: what the room sends,
        in order. InvalidTicket, before the handshake, if the ticket was used already."""
        name = room_name(ticket.user_id, ticket.chat_id)
        room = self.rooms.get(name)
        if not room.admit(ticket.nonce, ticket.expires):
            raise InvalidTicket("the ticket was used already")
        await websocket.accept()
        socket = _Socket()
        sockets = self._sockets[name]
        sockets.members.add(socket)
        room.replay(socket, after)
        writer = asyncio.ensure_future(socket.pump(websocket))
        try:
            while True:  # clients only ping; anything else is ignored
                if await websocket.receive_text() == "ping":
                    socket.send('{"type":"pong"}')
        except WebSocketDisconnect:
            pass
        finally:
            sockets.members.discard(socket)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer


class _Sockets:
    def __init__(self) -> None:
        self.members: set[_Socket] = set()

    def all(self) -> list[RoomSocket]:
        return list(self.members)


class _Socket:
    """`send` is synchronous (as in workerd): frames queue here, in order, for the socket's writer."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[str] = asyncio.Queue()

    def send(self, text: str) -> None:
        self._queue.put_nowait(text)

    async def pump(self, websocket: WebSocket) -> None:
        while True:
            await websocket.send_text(await self._queue.get())


class _SseStream:
    native = None

    def __init__(self, chunks: AsyncGenerator[bytes, None]) -> None:
        self._chunks = chunks

    def chunks(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def aclose(self) -> None:
        await self._chunks.aclose()
