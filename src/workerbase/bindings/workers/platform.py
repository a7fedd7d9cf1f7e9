"""Builds a Platform from the Worker's `env` (for requests, the one the ASGI bridge puts in the scope)."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from workerbase.bindings.workers.ai import DEFAULT_EMBEDDING_MODEL, WorkersAiEmbedder, WorkersAiModel
from workerbase.bindings.workers.chat_rooms import WorkersChatRooms
from workerbase.bindings.workers.crypto import WorkersCrypto
from workerbase.bindings.workers.d1 import WorkersDatabase
from workerbase.bindings.workers.http import WorkersHttpClient
from workerbase.bindings.workers.kv import WorkersKeyValue
from workerbase.bindings.workers.queues import WorkersQueue
from workerbase.bindings.workers.r2 import WorkersObjectStore
from workerbase.bindings.workers.vectorize import WorkersVectorIndex
from workerbase.config import settings_for_env
from workerbase.platform import Platform
from workerbase.providers.openai_embeddings import chosen_embedder


def platform_from_scope(scope: MutableMapping[str, Any]) -> Platform:
    return platform_from_env(scope["env"])


def platform_from_env(env: Any) -> Platform:
    """Also for handlers without a request (`scheduled`) and for Durable Objects."""
    settings = settings_for_env(lambda name: getattr(env, name, None))
    models = settings.models
    http = WorkersHttpClient()
    embedder = chosen_embedder(
        settings,
        http,
        lambda: WorkersAiEmbedder(
            getattr(env, "AI", None),
            settings.embeddings.model or DEFAULT_EMBEDDING_MODEL,
            timeout_seconds=models.timeout_seconds,
        ),
    )
    return Platform(
        settings=settings,
        db=WorkersDatabase(env.DB),
        files=WorkersObjectStore(env.FILES),
        kv=WorkersKeyValue(env.CACHE),
        crypto=WorkersCrypto(),
        http=http,
        chat_rooms=WorkersChatRooms(env.CHAT_ROOM),
        embedder=embedder,
        # Bindings read only when used: an env without them (a Worker not using knowledge) still serves.
        vectors=WorkersVectorIndex(getattr(env, "VECTORIZE", None), embedder.dimensions),
        ingest_queue=WorkersQueue(getattr(env, "INGEST_QUEUE", None)),
        # Only read when chosen: `AI` is bound in wrangler.toml, but an env without it must still serve.
        workers_ai=(
            WorkersAiModel(env.AI, timeout_seconds=models.timeout_seconds)
            if models.provider == "workers-ai"
            else None
        ),
    )
