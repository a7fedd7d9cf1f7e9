"""The Worker: HTTP to the app, chat WebSockets to their room (ChatRoomObject), cron to the maintenance,
queue batches (knowledge ingestion) to their consumer."""

import asgi
from workers import WorkerEntrypoint

from workerbase import bootstrap
from workerbase.api.chat_sockets import open_chat_socket
from workerbase.app import create_app
from workerbase.bindings.workers import chat_sockets
from workerbase.bindings.workers.chat_room_object import ChatRoomDurableObject
from workerbase.bindings.workers.native_body import NativeBodyHandover
from workerbase.bindings.workers.platform import platform_from_env, platform_from_scope
from workerbase.bindings.workers.queues import deliver_batch
from workerbase.clock import utc_now

app = create_app(platform_from_scope)  # once per isolate, snapshotted at deploy: no env, time, randomness


class ChatRoomObject(ChatRoomDurableObject):
    room_factory = staticmethod(bootstrap.chat_room_factory)


class Default(WorkerEntrypoint):
    async def fetch(self, request):  # type: ignore[no-untyped-def]
        if chat_sockets.is_websocket_upgrade(request):  # the chat's room keeps the socket, not the app
            return await chat_sockets.answer_upgrade(request, self.env, open_chat_socket)
        handover = NativeBodyHandover()  # downloads and reply streams: their JS body, not copied
        return handover.finish(await asgi.fetch(handover.wrap(app), request, self.env, self.ctx))

    async def scheduled(self, controller, env=None, ctx=None):  # type: ignore[no-untyped-def]
        await bootstrap.run_maintenance(platform_from_env(self.env), utc_now())

    async def queue(self, batch, env=None, ctx=None):  # type: ignore[no-untyped-def]
        platform = platform_from_env(self.env)
        await deliver_batch(
            batch, lambda message: bootstrap.consume_queue_message(platform, message, utc_now())
        )
