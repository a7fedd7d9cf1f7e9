"""Knowledge on the local runtime: ingestion throughput and what it costs, and hybrid query latency at
scale (services/ingestion.py, services/retrieval.py), with the offline WordLlama model and the exact
SQLite + numpy index.

1. Ingestion: documents of generated prose (about 100 chunks each) added as sources and ingested by the
   queue's consumer, as the local runtime runs it. Prints chunks/s and, per 100 chunks, the embedding
   calls, D1 round trips and vector index calls.
2. Queries: one user with `--chunks` chunks, and `--users` users with `--total` chunks in all; 40
   two-word queries of words of middling frequency (the text is drawn from a Zipf vocabulary), p50/p95
   of the retrieval service in milliseconds, and the D1 round trips per query (the goal: 1 D1 round
   trip + 1 embedding call + 1 vector query).

Usage: uv run python bench/knowledge_local.py [--chunks 20000] [--users 50] [--total 200000]
       (the defaults are the issue's sizes: a few minutes on 2 cores; --total 20000 for a quick look)
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from workerbase import bootstrap
from workerbase.bindings.local.queues import SqliteQueue
from workerbase.clock import iso, utc_now
from workerbase.config import Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime
from workerbase.platform import Platform
from workerbase.ports import (
    Database,
    Embedder,
    QueryResult,
    QueueMessage,
    SqlParam,
    Statement,
    Vector,
    VectorIndex,
)
from workerbase.services.retrieval import RetrievalService

CHUNKS_PER_SOURCE = 100
# A vocabulary of 5,000 made-up words drawn with Zipf's law (a word's share is 1/rank), as words are in
# prose: a few are in nearly every chunk, most in few. Queries take two words of middling rank.
_SYLLABLES = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "za", "pe", "du"]
VOCABULARY = [a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES][:5000]
WEIGHTS = [1 / rank for rank in range(1, len(VOCABULARY) + 1)]
QUERY_WORDS = VOCABULARY[20:1000]


class Counting:
    """Counts the calls made through a port (D1 round trips, embedding calls, index calls)."""

    def __init__(self) -> None:
        self.d1 = self.embeds = self.vector_calls = 0


class CountingDatabase:
    def __init__(self, inner: Database, counts: Counting) -> None:
        self.inner, self.counts = inner, counts

    async def query(self, sql: str, params: Sequence[SqlParam] = ()) -> QueryResult:
        self.counts.d1 += 1
        return await self.inner.query(sql, params)

    async def batch(self, statements: Sequence[Statement]) -> list[QueryResult]:
        self.counts.d1 += 1
        return await self.inner.batch(statements)


class CountingEmbedder:
    def __init__(self, inner: Embedder, counts: Counting) -> None:
        self.inner, self.counts = inner, counts
        self.model, self.dimensions = inner.model, inner.dimensions

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        self.counts.embeds += 1
        return await self.inner.embed(texts)


class CountingIndex:
    def __init__(self, inner: VectorIndex, counts: Counting) -> None:
        self.inner, self.counts = inner, counts

    async def upsert(self, vectors: Sequence[Vector]) -> str:
        self.counts.vector_calls += 1
        return await self.inner.upsert(vectors)

    async def query(self, values: Sequence[float], **options: Any) -> Any:
        self.counts.vector_calls += 1
        return await self.inner.query(values, **options)

    async def get(self, ids: Sequence[str]) -> Any:
        return await self.inner.get(ids)

    async def delete(self, ids: Sequence[str]) -> str:
        self.counts.vector_calls += 1
        return await self.inner.delete(ids)

    async def info(self) -> Any:
        return await self.inner.info()


def prose(rng: random.Random, chars: int) -> str:
    paragraphs, length = [], 0
    while length < chars:
        sentences = [
            " ".join(rng.choices(VOCABULARY, WEIGHTS, k=rng.randint(8, 16))).capitalize() + "."
            for _ in range(5)
        ]
        paragraphs.append(" ".join(sentences))
        length += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs)


async def users_with_documents(
    platform: Platform, users: int, documents_each: int, rng: random.Random
) -> dict[str, tuple[str, list[str]]]:
    """Each user (id -> (knowledge base, documents)) with documents of about CHUNKS_PER_SOURCE chunks."""
    stamp = iso(utc_now())
    made: dict[str, tuple[str, list[str]]] = {}
    chars = platform.settings.knowledge.chunk_chars - platform.settings.knowledge.overlap_chars
    for _ in range(users):
        user, kb = str(uuid.uuid4()), str(uuid.uuid4())
        statements = [
            Statement(
                "INSERT INTO users (id, email, password_hash, role, created_at, updated_at)"
                " VALUES (?, ?, 'x', 'user', ?, ?)",
                [user, f"{user}@example.com", stamp, stamp],
            ),
            Statement(
                "INSERT INTO knowledge_bases (id, user_id, name, created_at, updated_at)"
                " VALUES (?, ?, 'k', ?, ?)",
                [kb, user, stamp, stamp],
            ),
        ]
        documents = [str(uuid.uuid4()) for _ in range(documents_each)]
        statements += [
            Statement(
                "INSERT INTO documents (id, version, user_id, kind, title, content, created_at)"
                " VALUES (?, 1, ?, 'text', ?, ?, ?)",
                [doc, user, f"Notes {n}", prose(rng, CHUNKS_PER_SOURCE * chars), stamp],
            )
            for n, doc in enumerate(documents)
        ]
        await platform.db.batch(statements)
        made[user] = (kb, documents)
    return made


async def ingest_all(platform: Platform, made: dict[str, tuple[str, list[str]]]) -> int:
    service = bootstrap.Services(platform, utc_now()).ingestion
    for user, (kb, documents) in made.items():
        for doc in documents:
            await service.add(user, kb, "document", doc)
    queue = platform.ingest_queue
    assert isinstance(queue, SqliteQueue)

    async def consume(message: QueueMessage) -> None:
        await bootstrap.consume_queue_message(platform, message, utc_now())

    while await queue.deliver_due(consume, batch_size=100):
        pass
    (row,) = (await platform.db.query("SELECT count(*) AS n FROM knowledge_chunks")).rows
    return int(row["n"] or 0)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


async def time_queries(platform: Platform, counts: Counting, user: str, rng: random.Random) -> None:
    retrieval = RetrievalService(platform.db, platform.embedder, platform.vectors)
    times, trips, embeds, vector_calls = [], [], [], []
    for _ in range(40):
        query = f"{rng.choice(QUERY_WORDS)} {rng.choice(QUERY_WORDS)}"
        before = (counts.d1, counts.embeds, counts.vector_calls)
        started = time.perf_counter()
        found = await retrieval.search(user, query, top_k=5)
        times.append((time.perf_counter() - started) * 1000)
        trips.append(counts.d1 - before[0])
        embeds.append(counts.embeds - before[1])
        vector_calls.append(counts.vector_calls - before[2])
        assert found
    print(
        f"  p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms;"
        f" per query at most: {max(trips)} D1 round trip, {max(embeds)} embedding call,"
        f" {max(vector_calls)} vector query"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=20_000, help="the single user's chunks")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--total", type=int, default=200_000, help="chunks across --users users")
    args = parser.parse_args()
    rng = random.Random(7)
    env = {"ENVIRONMENT": "development", "JWT_SECRETS": "b" * 40}
    with tempfile.TemporaryDirectory() as state:
        platform, _ = open_local_runtime(Path(state), PROJECT_ROOT / "migrations", Settings.from_env(env.get))
        counts = Counting()
        platform = replace(
            platform,
            db=CountingDatabase(platform.db, counts),
            embedder=CountingEmbedder(platform.embedder, counts),
            vectors=CountingIndex(platform.vectors, counts),
        )
        await platform.embedder.embed(["warm up"])  # the model loads on first use
        counts.__init__()  # type: ignore[misc]

        print(f"Ingestion ({platform.embedder.model}, {platform.embedder.dimensions} dimensions):")
        made = await users_with_documents(platform, 1, 10, rng)
        setup_trips = counts.d1
        started = time.perf_counter()
        chunks = await ingest_all(platform, made)
        elapsed = time.perf_counter() - started
        per = 100 / chunks
        print(
            f"  {chunks} chunks in {elapsed:.2f} s: {chunks / elapsed:,.0f} chunks/s; per 100 chunks:"
            f" {counts.embeds * per:.1f} embedding calls,"
            f" {(counts.d1 - setup_trips) * per:.1f} D1 round trips"
            f" (adding the sources included), {counts.vector_calls * per:.1f} vector index calls"
        )

        single = await users_with_documents(platform, 1, max(args.chunks // CHUNKS_PER_SOURCE, 1), rng)
        await ingest_all(platform, single)
        (user,) = single
        print(f"Queries, one user with about {args.chunks:,} chunks:")
        await time_queries(platform, counts, user, rng)

        each = max(args.total // args.users // CHUNKS_PER_SOURCE, 1)
        many = await users_with_documents(platform, args.users - 1, each, rng)
        started = time.perf_counter()
        total = await ingest_all(platform, many)
        print(f"  (ingested {total:,} chunks in all, {time.perf_counter() - started:.0f} s)")
        print(f"Queries, {args.users} users, {total:,} chunks in all:")
        await time_queries(platform, counts, next(iter(many)), rng)


if __name__ == "__main__":
    asyncio.run(main())
