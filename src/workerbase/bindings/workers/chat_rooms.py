"""How the Worker reaches chat rooms on Workers: the `CHAT_ROOM` Durable Object namespace, one object per
chat (`getByName(chat_id)`), over `fetch` with a small internal protocol (see `chat_room_object.py`).
Streams come back as the room's JS body and are handed to the client's response unread."""

from __future__ import annotations

import json
from typing import Any

from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.durable.generation import GenerationJob, GenerationRunning
from workerbase.errors import BindingUnavailable
from workerbase.services.ws_tickets import Ticket

ROOM_URL = "https://chat-room"  # any URL: a stub's fetch goes to the object, not the network


class WorkersChatRooms:
    def __init__(self, namespace: Any) -> None:
        self._rooms = namespace

    async def start(self, job: GenerationJob, user_message: dict[str, Any]) -> JsBodyStream:
        body = json.dumps({"job": job.to_json(), "message": user_message})
        response = await self._call(job.chat_id, "start", method="POST", body=body)
        if response.status == 409:
            raise GenerationRunning("a reply is being generated in this chat")
        return self._stream(response)

    async def resume(self, chat_id: str, offset: int) -> JsBodyStream | None:
        response = await self._call(chat_id, f"resume?offset={offset}")
        return None if response.status == 204 else self._stream(response)

    async def stop(self, chat_id: str) -> bool:
        response = await self._call(chat_id, "stop", method="POST")
        return bool(json.loads(await response.text())["stopped"])

    async def publish(self, chat_id: str, kind: str, data: dict[str, Any]) -> None:
        await self._call(chat_id, "publish", method="POST", body=json.dumps({"kind": kind, "data": data}))

    async def join(self, ticket: Ticket, websocket: Any, after: int) -> None:
        raise RuntimeError("on Workers, WebSocket upgrades go to the room before the app: see src/entry.py")

    async def _call(self, chat_id: str, operation: str, **options: Any) -> Any:
        try:
            response = await self._rooms.getByName(chat_id).fetch(f"{ROOM_URL}/{operation}", **options)
        except Exception as exc:
            raise BindingUnavailable("CHAT_ROOM", f"{operation}: {exc}") from exc
        if response.status >= 500:
            raise BindingUnavailable("CHAT_ROOM", f"{operation} answered {response.status}")
        return response

    def _stream(self, response: Any) -> JsBodyStream:
        return JsBodyStream(response.body, "CHAT_ROOM")
