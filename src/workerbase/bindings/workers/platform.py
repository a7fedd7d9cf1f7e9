"""Builds a Platform from the Worker's `env` (for requests, the one the ASGI bridge puts in the scope)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from workerbase.bindings.workers.chat_rooms import WorkersChatRooms
from workerbase.bindings.workers.crypto import WorkersCrypto
from workerbase.bindings.workers.d1 import WorkersDatabase
from workerbase.bindings.workers.kv import WorkersKeyValue
from workerbase.bindings.workers.r2 import WorkersObjectStore
from workerbase.config import settings_for_env
from workerbase.platform import Platform


def platform_from_scope(scope: MutableMapping[str, Any]) -> Platform:
    return platform_from_env(scope["env"])


def platform_from_env(env: Any) -> Platform:
    """Also for handlers without a request (`scheduled`)."""
    return Platform(
        settings=settings_for_env(lambda name: getattr(env, name, None)),
        db=WorkersDatabase(env.DB),
        cache=WorkersKeyValue(env.CACHE),
        files=WorkersObjectStore(env.FILES),
        crypto=WorkersCrypto(),
        chat_rooms=WorkersChatRooms(env.CHAT_ROOM),
    )
