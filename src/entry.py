"""The Cloudflare Worker: hands every request to the FastAPI app through the Workers ASGI bridge."""

import asgi
from workers import WorkerEntrypoint

from workerbase.app import create_app
from workerbase.bindings.workers.platform import platform_from_scope

# Built once per isolate (and snapshotted at deploy): no env, time or randomness is read here.
app = create_app(platform_from_scope)


class Default(WorkerEntrypoint):
    async def fetch(self, request):  # type: ignore[no-untyped-def]
        # `self.ctx` lets the bridge keep streaming the response body after `fetch` returns.
        return await asgi.fetch(app, request, self.env, self.ctx)
