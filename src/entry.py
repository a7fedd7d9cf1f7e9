"""The Cloudflare Worker: HTTP requests go to the FastAPI app through the Workers ASGI bridge, cron
triggers (wrangler.toml) to the maintenance the local runtime runs on a timer."""

import asgi
from workers import WorkerEntrypoint

from workerbase.app import create_app
from workerbase.bindings.workers.native_body import NativeBodyHandover
from workerbase.bindings.workers.platform import platform_from_env, platform_from_scope
from workerbase.clock import utc_now
from workerbase.maintenance import run_maintenance

# Built once per isolate (and snapshotted at deploy): no env, time or randomness is read here.
app = create_app(platform_from_scope)


class Default(WorkerEntrypoint):
    async def fetch(self, request):  # type: ignore[no-untyped-def]
        # Downloads hand their R2 stream to the Response around the bridge, which would copy it into Python.
        handover = NativeBodyHandover()
        # `self.ctx` lets the bridge keep streaming the response body after `fetch` returns.
        response = await asgi.fetch(handover.wrap(app), request, self.env, self.ctx)
        return handover.finish(response)

    async def scheduled(self, controller, env=None, ctx=None):  # type: ignore[no-untyped-def]
        await run_maintenance(platform_from_env(self.env), utc_now())
