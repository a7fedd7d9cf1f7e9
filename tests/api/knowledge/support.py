"""What the knowledge tests share: a platform whose queue retries at once and whose embedder can fail,
the queue's deliveries as the local runtime makes them, and small API helpers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from workerbase import bootstrap
from workerbase.bindings.local.queues import SqliteQueue
from workerbase.clock import utc_now
from workerbase.platform import Platform
from workerbase.ports import Embedder, EmbeddingFailed, QueueMessage

HARBORS = "\n\n".join(
    f"Paragraph {i}. Harbors shelter ships from waves; a breakwater and a quay make a port. " * 6
    for i in range(12)
)


class FlakyEmbedder:
    """The platform's embedder, failing as a provider does (EmbeddingFailed) while `failures` lasts."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.failures = 0
        self.calls = 0

    @property
    def model(self) -> str:
        return self.inner.model

    @property
    def dimensions(self) -> int:
        return self.inner.dimensions

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise EmbeddingFailed("the embedding provider answered 503: overloaded")
        return await self.inner.embed(texts)


async def deliver(platform: Platform) -> int:
    """Every delivery that is due, as the local runtime's consumer makes them; returns how many."""
    queue = platform.ingest_queue
    assert isinstance(queue, SqliteQueue)

    async def consume(message: QueueMessage) -> None:
        await bootstrap.consume_queue_message(platform, message, utc_now())

    delivered = 0
    while count := await queue.deliver_due(consume):
        delivered += count
    return delivered


async def knowledge_base(api: httpx.AsyncClient, who: dict[str, str]) -> str:
    created = await api.post("/v1/knowledge-bases", json={"name": "Harbors"}, headers=who)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def upload(api: httpx.AsyncClient, who: dict[str, str], data: bytes, name: str, kind: str) -> str:
    uploaded = await api.post("/v1/files", files={"file": (name, data, kind)}, headers=who)
    assert uploaded.status_code == 201, uploaded.text
    return str(uploaded.json()["id"])


async def add(api: httpx.AsyncClient, who: dict[str, str], kb: str, **ref: str) -> dict[str, Any]:
    added = await api.post(f"/v1/knowledge-bases/{kb}/sources", json=ref, headers=who)
    assert added.status_code == 202, added.text
    source: dict[str, Any] = added.json()
    return source


async def polled(api: httpx.AsyncClient, who: dict[str, str], source: dict[str, Any]) -> dict[str, Any]:
    response = await api.get(
        f"/v1/knowledge-bases/{source['knowledge_base_id']}/sources/{source['id']}", headers=who
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def chunks_of(platform: Platform, source_id: str) -> list[dict[str, Any]]:
    result = await platform.db.query(
        "SELECT id, position, text FROM knowledge_chunks WHERE source_id = ? ORDER BY position", [source_id]
    )
    return [dict(row) for row in result.rows]


async def user_id(api: httpx.AsyncClient, who: dict[str, str]) -> str:
    return str((await api.get("/v1/me", headers=who)).json()["id"])
