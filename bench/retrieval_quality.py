"""Retrieval quality on the labelled set of bench/retrieval_set.py (50 passages, 30 queries): recall@5 and
nDCG@10 of full-text search alone (BM25), vector search alone and the hybrid the service returns
(reciprocal rank fusion of the two, services/retrieval.py), each ranking made by the service's own
statements and functions, on the local runtime with its embedding model (WordLlama, offline) or, with
EMBEDDING_PROVIDER=openai and a key, another one.

Usage: uv run python -m bench.retrieval_quality
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
from pathlib import Path

from bench.retrieval_set import PASSAGES, QUERIES

from workerbase.clock import iso, utc_now
from workerbase.config import Settings
from workerbase.local import PROJECT_ROOT, open_local_runtime
from workerbase.platform import Platform
from workerbase.ports import MetadataValue, Statement, Vector, run
from workerbase.records import KnowledgeChunkRecord
from workerbase.repositories import knowledge_sources as sources
from workerbase.services.retrieval import CANDIDATES, fts_query, fused_scores, query_words

USER, KB = "00000000-0000-4000-8000-00000000000a", "kb-quality"


async def load(platform: Platform) -> None:
    """Each passage a ready source of one chunk, its vector in the user's namespace."""
    stamp = iso(utc_now())
    statements = [
        Statement(
            "INSERT INTO users (id, email, password_hash, created_at, updated_at)"
            " VALUES (?, 'q@x.org', 'x', ?, ?)",
            [USER, stamp, stamp],
        ),
        Statement(
            "INSERT INTO knowledge_bases (id, user_id, name, created_at, updated_at)"
            " VALUES (?, ?, 'q', ?, ?)",
            [KB, USER, stamp, stamp],
        ),
    ]
    for passage_id in PASSAGES:
        statements.append(
            Statement(
                "INSERT INTO knowledge_sources (id, user_id, knowledge_base_id, kind, ref_id, title, status,"
                " created_at, updated_at) VALUES (?, ?, ?, 'document', ?, ?, 'ready', ?, ?)",
                [passage_id, USER, KB, passage_id, passage_id, stamp, stamp],
            )
        )
    chunks = [KnowledgeChunkRecord(pid, USER, pid, KB, 0, text, stamp) for pid, text in PASSAGES.items()]
    await platform.db.batch([*statements, sources.insert_chunks(chunks)])
    vectors = await platform.embedder.embed(list(PASSAGES.values()))
    metadata: dict[str, MetadataValue] = {"kb": KB, "model": platform.embedder.model}
    await platform.vectors.upsert(
        [Vector(pid, v, USER, metadata) for pid, v in zip(PASSAGES, vectors, strict=True)]
    )


async def rankings(platform: Platform, query: str) -> dict[str, list[str]]:
    ranked = sources.select_ranked_chunks(USER, fts_query(query_words(query)), [KB], CANDIDATES)
    text = [str(row["id"]) for row in (await run(platform.db, ranked)).rows]
    (vector,) = await platform.embedder.embed([query])
    matches = await platform.vectors.query(vector, top_k=CANDIDATES, namespace=USER, filter={"kb": KB})
    nearest = [m.id for m in matches]
    fused = fused_scores({c: r for r, c in enumerate(text, 1)}, {c: r for r, c in enumerate(nearest, 1)})
    return {"BM25": text, "vector": nearest, "hybrid": sorted(fused, key=lambda c: (-fused[c], c))}


def recall_at(ranking: list[str], relevant: list[str], k: int) -> float:
    return len(set(ranking[:k]) & set(relevant)) / len(relevant)


def ndcg_at(ranking: list[str], relevant: list[str], k: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, c in enumerate(ranking[:k]) if c in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


async def main() -> None:
    env = {**os.environ, "ENVIRONMENT": "development", "JWT_SECRETS": "q" * 40}
    with tempfile.TemporaryDirectory() as state:
        platform, _ = open_local_runtime(Path(state), PROJECT_ROOT / "migrations", Settings.from_env(env.get))
        await load(platform)
        scores: dict[str, list[tuple[float, float]]] = {"BM25": [], "vector": [], "hybrid": []}
        for query, relevant in QUERIES:
            for method, ranking in (await rankings(platform, query)).items():
                scores[method].append((recall_at(ranking, relevant, 5), ndcg_at(ranking, relevant, 10)))
    print(f"{len(PASSAGES)} passages, {len(QUERIES)} queries, model {platform.embedder.model}")
    print(f"{'method':<8} {'recall@5':>9} {'nDCG@10':>9}")
    for method, values in scores.items():
        recall = sum(v[0] for v in values) / len(values)
        ndcg = sum(v[1] for v in values) / len(values)
        print(f"{method:<8} {recall:>9.3f} {ndcg:>9.3f}")


if __name__ == "__main__":
    asyncio.run(main())
