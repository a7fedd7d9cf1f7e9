"""What a request gets from the runtime: settings and the bound services, behind their ports.

`create_app` takes a `PlatformFactory`; the Workers entry builds a Platform from each request's `env`
(`workerbase.bindings.workers.platform`), the local runtime hands out one Platform it opened at start
(`workerbase.bindings.local.platform`).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from workerbase.config import Settings
from workerbase.durable.generation import ChatRoomClient
from workerbase.ports import Crypto, Database, KeyValue, ObjectStore


@dataclass(frozen=True, slots=True)
class Platform:
    settings: Settings
    db: Database
    cache: KeyValue
    files: ObjectStore
    crypto: Crypto
    chat_rooms: ChatRoomClient


# Called once per request with the ASGI scope (on Workers the scope carries `env`). May raise
# ConfigurationError, which becomes a 500 problem naming the bad setting.
PlatformFactory = Callable[[MutableMapping[str, Any]], Platform]
