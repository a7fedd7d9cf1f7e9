"""What a unit of work gets from the runtime: settings and the bindings, behind their ports, each named
by what it is for.

`create_app` takes a `PlatformFactory`; the Workers entry builds a Platform from each request's `env`
(`workerbase.bindings.workers.platform`), the local runtime hands out one Platform it opened at start
(`workerbase.local`). Services are built from it by the composition root, `workerbase.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from workerbase.config import Settings
from workerbase.frozen import Frozen
from workerbase.ports import (
    ChatModel,
    ChatRoomClient,
    Crypto,
    Database,
    Embedder,
    HttpClient,
    KeyValue,
    ObjectStore,
    Queue,
    VectorIndex,
)


class Platform(Frozen):
    settings: Settings
    db: Database  # D1: every relational row; the source of truth
    files: ObjectStore  # R2: the bytes of uploaded files
    # KV (the CACHE binding): eventually consistent, so only ever for caches, never state. Nothing caches
    # in it yet (the health check reads it): each cache will be a service over it with a key prefix.
    kv: KeyValue
    crypto: Crypto
    http: HttpClient  # outbound requests (model providers)
    chat_rooms: ChatRoomClient  # one Durable Object per chat: live replies and WebSockets
    embedder: Embedder  # the EMBEDDING_PROVIDER's model: the knowledge's vectors
    vectors: VectorIndex  # Vectorize: those vectors, of the embedder's dimensions, a namespace per user
    ingest_queue: Queue  # Queues: knowledge sources to ingest (bootstrap.consume_queue_message)
    workers_ai: ChatModel | None = None  # the Workers AI binding, where the runtime has one


# Called once per request with the ASGI scope (on Workers the scope carries `env`). May raise
# ConfigurationError, which becomes a 500 problem naming the bad setting.
PlatformFactory = Callable[[MutableMapping[str, Any]], Platform]
