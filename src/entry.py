"""The Worker: HTTP to the FastAPI app (ASGI bridge), chat WebSockets to their ChatRoom Durable Object
(exported here: workerd looks for it), cron triggers (wrangler.toml) to the maintenance."""

import asgi
from workers import WorkerEntrypoint

from workerbase import bootstrap
from workerbase.api.chat_sockets import open_chat_socket
from workerbase.app import create_app
from workerbase.bindings.workers import chat_sockets
from workerbase.bindings.workers.chat_room_object import ChatRoomDurableObject
from workerbase.bindings.workers.native_body import NativeBodyHandover
from workerbase.bindings.workers.platform import platform_from_env, platform_from_scope
from workerbase.clock import utc_now

__all__ = ["ChatRoomObject", "Default"]
# Built once per isolate (and snapshotted at deploy): no env, time or randomness is read here.
app = create_app(platform_from_scope)


class ChatRoomObject(ChatRoomDurableObject):
    room_factory = staticmethod(bootstrap.chat_room_factory)


class Default(WorkerEntrypoint):
    async def fetch(self, request):  # type: ignore[no-untyped-def]
        if chat_sockets.is_websocket_upgrade(request):  # the chat's room keeps the socket, not the app
            return await chat_sockets.answer_upgrade(request, self.env, open_chat_socket)
        # Downloads and reply streams hand their JS body to the Response around the bridge (no copies).
        handover = NativeBodyHandover()
        return handover.finish(await asgi.fetch(handover.wrap(app), request, self.env, self.ctx))

    async def scheduled(self, controller, env=None, ctx=None):  # type: ignore[no-untyped-def]
        await bootstrap.run_maintenance(platform_from_env(self.env), utc_now())
