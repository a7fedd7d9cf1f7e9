"""The local runtime: the same app on CPython with embedded bindings, no Cloudflare account, no network.

    uv run workerbase-local [--host 127.0.0.1] [--port 8787] [--state-dir .workerbase]

Settings come from `.dev.vars` (the file `pywrangler dev` reads too) and the process environment, which
wins; in development a JWT secret is generated into the state directory if none is configured.
State (SQLite files, R2 objects) lives in the state directory; delete it to start over.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketState

from workerbase import bootstrap
from workerbase.api.chat_sockets import SocketRefusal, open_chat_socket
from workerbase.bindings.local.chat_rooms import LocalChatRooms
from workerbase.bindings.local.platform import open_local_platform
from workerbase.bindings.local.queues import SqliteQueue
from workerbase.clock import utc_now
from workerbase.config import Settings, settings_for_env
from workerbase.errors import ConfigurationError
from workerbase.logs import get_logger
from workerbase.platform import Platform
from workerbase.ports import QueueMessage, Ticket

if TYPE_CHECKING:
    import uvicorn

    from workerbase.local_server import ServerLimits

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCAL_DEFAULTS = {"ENVIRONMENT": "development"}
# Like the cron trigger in wrangler.toml.
MAINTENANCE_INTERVAL_SECONDS = 10 * 60


def read_dev_vars(path: Path) -> dict[str, str]:
    """Parse a `.dev.vars` file (dotenv syntax: KEY=value, # comments, optional quotes)."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        key, separator, value = stripped.removeprefix("export ").partition("=")
        if not separator or not key.strip().isidentifier():
            raise ConfigurationError(f"{path}:{number}: expected KEY=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def local_environment(dev_vars: Path, environ: Mapping[str, str], state_dir: Path) -> dict[str, str]:
    env = {**LOCAL_DEFAULTS, **read_dev_vars(dev_vars), **environ}
    if env.get("ENVIRONMENT") == "development" and not env.get("JWT_SECRETS"):
        env["JWT_SECRETS"] = development_jwt_secret(state_dir)
    return env


def development_jwt_secret(state_dir: Path) -> str:
    """A random JWT secret kept in the state directory, so `scripts/dev` works with no configuration and
    local sessions survive restarts. Only ever used with ENVIRONMENT=development."""
    path = state_dir / "development-jwt-secret"
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    state_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret


def open_local_runtime(
    state_dir: Path, migrations_dir: Path, settings: Settings
) -> tuple[Platform, list[str]]:
    """The local bindings, their chat rooms hosted as the composition root builds them; and the
    migrations just applied. A ConfigurationError if the settings cannot work locally."""
    platform, rooms, applied = open_local_platform(state_dir, migrations_dir, settings)
    rooms.host(bootstrap.chat_room_factory(platform))
    return platform, applied


class ChatSocketsFirst:
    """The local server's ASGI app: chat WebSockets go to their room before the app, as on Workers
    (`src/entry.py`), through the same admission (`api/chat_sockets.py`); everything else to the app."""

    def __init__(self, app: ASGIApp, platform: Platform) -> None:
        assert isinstance(platform.chat_rooms, LocalChatRooms)
        self.app = app
        self._platform = platform
        self._rooms = platform.chat_rooms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        websocket = WebSocket(scope, receive, send)

        async def serve(ticket: Ticket, after: int) -> None:
            await self._rooms.serve(ticket, websocket, after)

        async def refuse(refusal: SocketRefusal) -> None:
            if websocket.application_state is WebSocketState.CONNECTED:  # failed after the handshake
                await websocket.close(code=1011)
            elif "websocket.http.response" in scope.get("extensions", {}):
                await websocket.send_denial_response(Response(refusal.body, refusal.status, refusal.headers))
            else:  # a server without the denial extension: the client sees a 403 without the problem
                await websocket.close(code=1008)

        query = scope["query_string"].decode("latin-1")
        await open_chat_socket(self._platform, scope["path"], query, utc_now(), serve, refuse)


class _DeniedUpgradeNoise(logging.Filter):
    """uvicorn's websockets-sansio protocol logs "ASGI callable returned without completing handshake." at
    ERROR after every denial response, though the client got it. ChatSocketsFirst answers every upgrade
    (the room accepts it, or a denial carries the problem), so here that line is never a bug."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != "ASGI callable returned without completing handshake."


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="workerbase-local", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8787)
    parser.add_argument("--state-dir", type=Path, default=Path(".workerbase"))
    parser.add_argument("--migrations-dir", type=Path, default=PROJECT_ROOT / "migrations")
    parser.add_argument("--dev-vars", type=Path, default=Path(".dev.vars"))
    args = parser.parse_args(argv)

    # Imported here so `--help` stays fast and the module imports without uvicorn installed.
    import uvicorn

    from workerbase.app import create_app
    from workerbase.logs import configure_logging

    configure_logging(("workerbase", "uvicorn", "uvicorn.error"))
    logging.getLogger("uvicorn.error").addFilter(_DeniedUpgradeNoise())
    try:
        env = local_environment(args.dev_vars, os.environ, args.state_dir)
        settings = settings_for_env(env.get)  # logs the settings' warnings
        platform, applied = open_local_runtime(args.state_dir, args.migrations_dir, settings)
    except ConfigurationError as exc:
        sys.exit(f"workerbase-local: configuration error: {exc}")
    get_logger().info(
        "local runtime ready",
        extra={"fields": {"state_dir": str(args.state_dir.resolve()), "migrations_applied": applied}},
    )
    app = ChatSocketsFirst(create_app(lambda scope: platform), platform)
    config = server_config(app, args.host, args.port)
    asyncio.run(serve_with_maintenance(uvicorn.Server(config), platform))


def server_config(
    app: ASGIApp, host: str, port: int, limits: ServerLimits | None = None, **options: Any
) -> uvicorn.Config:
    """How `workerbase-local` runs uvicorn (tests serve through this too): the h11 protocol with the
    local server's limits (`local_server.py`: head, body and keep-alive timeouts, head size), problem+json
    refusals. `limits` defaults to `LOCAL_SERVER_LIMITS`; tests pass short ones."""
    import uvicorn

    from workerbase.local_server import LOCAL_SERVER_LIMITS, protocol_with

    limits = limits or LOCAL_SERVER_LIMITS
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=protocol_with(limits),
        timeout_keep_alive=limits.keep_alive_timeout,
        # Our middleware logs each request as JSON; uvicorn's own access log would duplicate it as text.
        log_config=None,
        access_log=False,
        **options,
    )


async def serve_with_maintenance(server: Any, platform: Platform) -> None:
    """Serve, running the maintenance the Worker's cron trigger runs: at start, then periodically."""

    async def maintain() -> None:
        while True:
            try:
                await bootstrap.run_maintenance(platform, utc_now())
                if isinstance(platform.chat_rooms, LocalChatRooms):  # alarms due while the server was down
                    await platform.chat_rooms.rooms.run_due_alarms()
            except Exception:
                get_logger().exception("maintenance failed; trying again later")
            await asyncio.sleep(MAINTENANCE_INTERVAL_SECONDS)

    maintenance = asyncio.create_task(maintain())
    consumer = asyncio.create_task(consume_queue(platform))
    try:
        await server.serve()
    finally:
        maintenance.cancel()
        consumer.cancel()


async def consume_queue(platform: Platform) -> None:
    """The ingest queue's consumer, as Queues runs the Worker's `queue` handler: whenever a message is
    sent or falls due (a retry after its back-off)."""
    queue = platform.ingest_queue
    if not isinstance(queue, SqliteQueue):
        return
    wake = asyncio.Event()
    queue.on_send = wake.set

    async def consume(message: QueueMessage) -> None:
        await bootstrap.consume_queue_message(platform, message, utc_now())

    while True:
        wake.clear()  # before delivering: a message sent meanwhile wakes the wait below at once
        try:
            while await queue.deliver_due(consume):
                pass
        except Exception:
            get_logger().exception("the queue consumer failed; trying again later")
        due = queue.next_due()
        with contextlib.suppress(TimeoutError):  # the next message falls due
            await asyncio.wait_for(wake.wait(), None if due is None else max(due - time.time(), 0.05))


if __name__ == "__main__":
    main()
