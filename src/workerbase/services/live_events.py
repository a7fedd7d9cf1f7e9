"""Changes made through the REST API, told to the chat's open tabs (its room's WebSockets)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from workerbase.logs import get_logger
from workerbase.ports import ChatRoomClient


class LiveEvents:
    def __init__(self, rooms: ChatRoomClient) -> None:
        self._rooms = rooms

    async def publish(self, owner_id: str, chat_id: str, kind: str, data: dict[str, Any]) -> None:
        """Best effort: the change is made already, and a tab that misses it reloads on `gap`."""
        publishing = self._rooms.publish(owner_id, chat_id, kind, data)
        await _best_effort("tell the chat's tabs", chat_id, publishing)

    async def chats_deleted(self, owner_id: str, chat_ids: list[str]) -> None:
        """Tell each chat's tabs, and stop a reply being generated for it (it has nowhere to go)."""
        await asyncio.gather(*(self._chat_deleted(owner_id, chat_id) for chat_id in chat_ids))

    async def _chat_deleted(self, owner_id: str, chat_id: str) -> None:
        await self.publish(owner_id, chat_id, "chat-deleted", {"id": chat_id})
        await _best_effort("stop the deleted chat's reply", chat_id, self._rooms.stop(owner_id, chat_id))


async def _best_effort(what: str, chat_id: str, call: Awaitable[Any]) -> None:
    try:
        await call
    except Exception:
        get_logger().warning(f"could not {what}", exc_info=True, extra={"fields": {"chat_id": chat_id}})
