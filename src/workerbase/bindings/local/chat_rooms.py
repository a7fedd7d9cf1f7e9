"""The local runtime's way to its in-process ChatRoom objects (one per chat)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

from workerbase.bindings.local.durable import LocalDurableNamespace
from workerbase.durable import ui_stream
from workerbase.durable.chat_room import ChatRoom, GenerationJob


class LocalChatRooms:
    def __init__(self, rooms: LocalDurableNamespace[ChatRoom]) -> None:
        self.rooms = rooms

    async def start(self, job: GenerationJob) -> _SseStream:
        room = self.rooms.get(job.chat_id)
        await room.start(job)
        return _SseStream(ui_stream.encode(room.read(0)))

    async def resume(self, chat_id: str, offset: int) -> _SseStream | None:
        room = self.rooms.get(chat_id)
        if not await room.generating():
            return None
        return _SseStream(ui_stream.encode(room.read(offset)))

    async def stop(self, chat_id: str) -> bool:
        return await self.rooms.get(chat_id).stop()


class _SseStream:
    native = None

    def __init__(self, chunks: AsyncGenerator[bytes, None]) -> None:
        self._chunks = chunks

    def chunks(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def aclose(self) -> None:
        await self._chunks.aclose()
