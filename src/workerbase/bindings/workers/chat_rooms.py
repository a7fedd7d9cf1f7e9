"""How the Worker reaches chat rooms on Workers: the `CHAT_ROOM` Durable Object namespace, one object per
owner and chat (`getByName(room_name(...))`), over `fetch` with a small internal protocol (see
`chat_room_object.py`).
Streams come back as the room's JS body and are handed to the client's response unread."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.errors import BindingUnavailable
from workerbase.ports import START_REFUSALS, GenerationJob, InvalidTicket, Ticket, room_name

ROOM_URL = "https://chat-room"  # any URL: a stub's fetch goes to the object, not the network


class WorkersChatRooms:
    def __init__(self, namespace: Any) -> None:
        self._rooms = namespace

    async def start(self, job: GenerationJob, user_message: dict[str, Any]) -> JsBodyStream:
        body = json.dumps({"job": job.to_json(), "message": user_message})
        response = await self._call(room_name(job.user_id, job.chat_id), "start", method="POST", body=body)
        if response.status == 409:  # the room refused: {code, detail}
            refusal = json.loads(await response.text())
            raise START_REFUSALS[refusal["code"]](refusal["detail"])
        return self._stream(response)

    async def resume(self, owner_id: str, chat_id: str, offset: int) -> JsBodyStream | None:
        response = await self._call(room_name(owner_id, chat_id), f"resume?offset={offset}")
        return None if response.status == 204 else self._stream(response)

    async def stop(self, owner_id: str, chat_id: str) -> bool:
        response = await self._call(room_name(owner_id, chat_id), "stop", method="POST")
        return bool(json.loads(await response.text())["stopped"])

    async def publish(self, owner_id: str, chat_id: str, kind: str, data: dict[str, Any]) -> None:
        body = json.dumps({"kind": kind, "data": data})
        await self._call(room_name(owner_id, chat_id), "publish", method="POST", body=body)

    async def connect(self, ticket: Ticket, after: int) -> Any:
        """Hand an admitted WebSocket upgrade to the chat's room, which accepts the socket itself (so it
        can hibernate) and answers 101; InvalidTicket if the ticket was used already."""
        forward = urlencode(
            {"nonce": ticket.nonce, "expires": ticket.expires, "user": ticket.user_id, "after": after}
        )
        response = await self._call(
            room_name(ticket.user_id, ticket.chat_id), f"ws?{forward}", headers={"Upgrade": "websocket"}
        )
        if response.status == 403:
            raise InvalidTicket("the ticket was used already")
        return response

    async def _call(self, room: str, operation: str, **options: Any) -> Any:
        try:
            response = await self._rooms.getByName(room).fetch(f"{ROOM_URL}/{operation}", **options)
        except Exception as exc:
            raise BindingUnavailable("CHAT_ROOM", f"{operation}: {exc}") from exc
        if response.status >= 500:
            raise BindingUnavailable("CHAT_ROOM", f"{operation} answered {response.status}")
        return response

    def _stream(self, response: Any) -> JsBodyStream:
        if response.status != 200:
            raise BindingUnavailable("CHAT_ROOM", f"a stream answered {response.status}")
        return JsBodyStream(response.body, "CHAT_ROOM")
