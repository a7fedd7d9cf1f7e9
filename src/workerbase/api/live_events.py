"""Changes made through the REST API, told to the chat's open tabs (its room's WebSockets)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from workerbase.api.deps import PlatformDep
from workerbase.logs import get_logger
from workerbase.platform import Platform


class LiveEvents:
    def __init__(self, platform: Platform) -> None:
        self._rooms = platform.chat_rooms

    async def publish(self, chat_id: str, kind: str, data: dict[str, Any]) -> None:
        """Best effort: the change is made already, and a tab that misses it reloads on `gap`."""
        try:
            await self._rooms.publish(chat_id, kind, data)
        except Exception:
            get_logger().warning(
                "could not tell the chat's tabs", exc_info=True, extra={"fields": {"chat_id": chat_id}}
            )


async def get_live_events(platform: PlatformDep) -> LiveEvents:
    return LiveEvents(platform)


LiveEventsDep = Annotated[LiveEvents, Depends(get_live_events)]
