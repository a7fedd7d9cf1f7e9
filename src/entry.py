"""The Worker: HTTP to the FastAPI app (ASGI bridge), chat WebSockets to their ChatRoom Durable Object
(exported here: workerd looks for it), cron triggers (wrangler.toml) to the maintenance."""

import asgi
from workers import WorkerEntrypoint

from workerbase.app import create_app
from workerbase.bindings.workers.chat_room_object import ChatRoomObject
from workerbase.bindings.workers.chat_sockets import is_chat_socket, open_chat_socket
from workerbase.bindings.workers.native_body import NativeBodyHandover
from workerbase.bindings.workers.platform import platform_from_env, platform_from_scope
from workerbase.clock import utc_now
from workerbase.maintenance import run_maintenance

__all__ = ["ChatRoomObject", "Default"]
# Built once per isolate (and snapshotted at deploy): no env, time or randomness is read here.
app = create_app(platform_from_scope)


class Default(WorkerEntrypoint):
    async def fetch(self, request):  # type: ignore[no-untyped-def]
        if is_chat_socket(request):
            return await open_chat_socket(request, self.env)
        # Downloads and reply streams hand their JS body to the Response around the bridge (no copies).
        handover = NativeBodyHandover()
        response = await asgi.fetch(handover.wrap(app), request, self.env, self.ctx)
        return handover.finish(response)

    async def scheduled(self, controller, env=None, ctx=None):  # type: ignore[no-untyped-def]
        await run_maintenance(platform_from_env(self.env), utc_now())
