"""The ChatRoom Durable Object on Workers (SQLite-backed, hibernatable WebSockets): a thin shell around
`workerbase.durable.chat_room.ChatRoom`. The Worker talks to it over `fetch` with the small protocol of
`bindings/workers/chat_rooms.py` (start, resume, stop, publish, ws). `src/entry.py` exports a subclass
that says how to build the room (`room_factory`, from the composition root)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

from js import WebSocketPair, WebSocketRequestResponsePair
from workers import DurableObject, Response

from workerbase.bindings.workers.durable import WorkersDurableStorage
from workerbase.bindings.workers.platform import platform_from_env
from workerbase.bindings.workers.streams import js_stream_of
from workerbase.durable import ui_stream
from workerbase.durable.chat_room import ChatRoom
from workerbase.ports import START_REFUSALS, DurableStorage, GenerationJob, RoomSocket, RoomSockets


class ChatRoomDurableObject(DurableObject):  # type: ignore[misc]  # the SDK is untyped
    # Builds the room of this object's platform over its storage and sockets: `bootstrap.chat_room_factory`.
    room_factory: ClassVar[Callable[..., Callable[[DurableStorage, RoomSockets], ChatRoom]]]

    def __init__(self, ctx: Any, env: Any) -> None:
        super().__init__(ctx, env)
        # The runtime answers pings itself: a tab's keep-alive never wakes a hibernating room.
        ctx.setWebSocketAutoResponse(WebSocketRequestResponsePair.new("ping", '{"type":"pong"}'))
        build_room = self.room_factory(platform_from_env(env))
        self.room = build_room(WorkersDurableStorage(ctx.storage), _HibernatableSockets(ctx))

    async def fetch(self, request: Any) -> Response:
        url = urlparse(str(request.url))
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        operation = url.path.strip("/")
        if operation == "start":
            body = json.loads(await request.text())
            try:
                await self.room.start(GenerationJob.from_json(body["job"]), body["message"])
            except tuple(START_REFUSALS.values()) as exc:  # the client raises them again by code
                return Response(json.dumps({"code": exc.code, "detail": str(exc)}), status=409)
            return _sse(self.room.read(0))
        if operation == "resume":
            if not await self.room.generating():
                return Response(None, status=204)
            return _sse(self.room.read(int(query.get("offset", "0"))))
        if operation == "stop":
            return Response(json.dumps({"stopped": await self.room.stop()}))
        if operation == "publish":
            body = json.loads(await request.text())
            self.room.publish(body["kind"], body["data"])
            return Response(None, status=204)
        if operation == "ws":
            return self._accept_socket(query)
        return Response(None, status=404)

    def _accept_socket(self, query: dict[str, str]) -> Response:
        """The Worker verified the ticket's signature; the room checks it was not used before."""
        if not self.room.admit(query["nonce"], int(query["expires"])):
            return Response(json.dumps({"code": "invalid_ticket"}), status=403)
        client, server = WebSocketPair.new().object_values()
        self.ctx.acceptWebSocket(server)  # hibernatable: it survives the object sleeping between events
        # Per-socket data lives in the attachment (16 KiB at most), which survives hibernation too.
        server.serializeAttachment(json.dumps({"user_id": query["user"], "expires": int(query["expires"])}))
        self.room.replay(_JsSocket(server), int(query.get("after", "0")))
        return Response(None, status=101, web_socket=client)

    async def webSocketMessage(self, ws: Any, message: Any) -> None:
        """Clients only ping (answered by the runtime, see __init__); anything else is ignored."""

    async def webSocketClose(self, ws: Any, code: int, reason: str, was_clean: bool) -> None:
        with contextlib.suppress(Exception):  # already closed: nothing to complete
            ws.close(code, reason)  # completes the closing handshake

    async def alarm(self, alarm_info: Any = None) -> None:
        await self.room.alarm()


def _sse(chunks: Any) -> Response:
    return Response(js_stream_of(ui_stream.encode(chunks)), headers=ui_stream.HEADERS)


class _JsSocket:
    def __init__(self, ws: Any) -> None:
        self._ws = ws

    def send(self, text: str) -> None:
        self._ws.send(text)


class _HibernatableSockets:
    def __init__(self, ctx: Any) -> None:
        self._ctx = ctx

    def all(self) -> list[RoomSocket]:
        return [_JsSocket(ws) for ws in self._ctx.getWebSockets()]
