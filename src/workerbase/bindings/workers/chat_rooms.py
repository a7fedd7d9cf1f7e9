"""How the Worker reaches chat rooms on Workers: the `CHAT_ROOM` Durable Object namespace, one object per
chat (`getByName(chat_id)`), over `fetch` with a small internal protocol (see `chat_room_object.py`).
Streams come back as the room's JS body and are handed to the client's response unread."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from workers import Response

from workerbase.bindings.workers.platform import platform_from_env
from workerbase.bindings.workers.streams import JsBodyStream
from workerbase.clock import utc_now
from workerbase.durable.generation import GenerationJob, GenerationRunning
from workerbase.errors import BindingUnavailable
from workerbase.services.ws_tickets import InvalidTicket, Ticket, TicketSigner

_ROOM = "https://chat-room"  # any URL: a stub's fetch goes to the object, not the network
_SOCKET_PATH = re.compile(r"^/v1/chats/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/ws$")


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
            response = await self._rooms.getByName(chat_id).fetch(f"{_ROOM}/{operation}", **options)
        except Exception as exc:
            raise BindingUnavailable("CHAT_ROOM", f"{operation}: {exc}") from exc
        if response.status >= 500:
            raise BindingUnavailable("CHAT_ROOM", f"{operation} answered {response.status}")
        return response

    def _stream(self, response: Any) -> JsBodyStream:
        return JsBodyStream(response.body, "CHAT_ROOM")


def is_chat_socket(request: Any) -> bool:
    upgrade = request.headers.get("upgrade")
    return isinstance(upgrade, str) and upgrade.lower() == "websocket"


async def open_chat_socket(request: Any, env: Any) -> Any:
    """A tab's WebSocket upgrade: the ticket is checked here, then the request goes to the chat's room,
    which accepts the socket itself (hibernatable sockets must belong to the object)."""
    url = urlparse(str(request.url))
    match = _SOCKET_PATH.match(url.path)
    if match is None:
        return _problem(404, "not_found", "no WebSocket here")
    query = {name: values[0] for name, values in parse_qs(url.query).items()}
    platform = platform_from_env(env)
    try:
        after = max(int(query.get("after", "0")), 0)
        signer = TicketSigner(platform.crypto, platform.settings.auth.jwt_secrets)
        ticket = signer.verify(query.get("ticket", ""), match.group(1), int(utc_now().timestamp()))
    except (InvalidTicket, ValueError) as exc:
        return _problem(403, "invalid_ticket", str(exc))
    forward = urlencode(
        {"nonce": ticket.nonce, "expires": ticket.expires, "user": ticket.user_id, "after": after}
    )
    return await env.CHAT_ROOM.getByName(ticket.chat_id).fetch(
        f"{_ROOM}/ws?{forward}", headers={"Upgrade": "websocket"}
    )


def _problem(status: int, code: str, detail: str) -> Response:
    body = {
        "type": "about:blank",
        "title": "WebSocket refused",
        "status": status,
        "code": code,
        "detail": detail,
    }
    return Response(json.dumps(body), status=status, headers={"Content-Type": "application/problem+json"})
