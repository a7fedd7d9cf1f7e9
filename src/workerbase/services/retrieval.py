"""Retrieval over a user's knowledge: hybrid search, full-text (FTS5's BM25 over the chunks' text) and
vector (the query's embedding against the index), fused by reciprocal rank fusion.

A query costs one embedding call, one vector query and one D1 round trip: the vector query first (it
needs the embedding), then a single D1 batch that runs the BM25 ranking and reads the rows of the vector
matches. Only chunks of the caller's `ready` sources are returned: a vector match whose chunk D1 no
longer has (deleted, Vectorize not caught up yet) or whose source is being re-ingested is dropped, so
nothing deleted is ever shown. Isolation is twofold: the vector query reads the caller's namespace only,
and every SQL statement names the caller.

Fusion: each list ranks up to CANDIDATES chunks; a chunk's score is the sum over the lists it is in of
1 / (RRF_K + rank), rank from 1. RRF_K = 60, the value of the original paper (Cormack et al., 2009): a
chunk high in both lists beats one first in only one of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workerbase.errors import InvalidArgument
from workerbase.frozen import Frozen
from workerbase.ports import Database, Embedder, VectorFilter, VectorIndex
from workerbase.repositories import knowledge_bases
from workerbase.repositories import knowledge_sources as sources
from workerbase.repositories.batches import run_batch
from workerbase.services.knowledge_bases import KnowledgeBaseNotFound

RRF_K = 60
CANDIDATES = 50  # ranked by each list before fusion
MAX_TOP_K = 20
MAX_QUERY_TERMS = 20
_WORD = re.compile(r"[\w]+", re.UNICODE)


class Passage(Frozen):
    chunk_id: str
    source_id: str
    knowledge_base_id: str
    source_title: str
    source_kind: str
    source_ref_id: str
    position: int
    text: str
    # Where the query's words are in `text`: [start, end) character offsets, for the client to mark (no
    # markup in the text, so nothing to escape).
    highlights: list[tuple[int, int]]
    score: float  # the fused score
    text_rank: int | None  # its rank in the full-text list (1 = best), if it is there
    vector_rank: int | None
    vector_score: float | None  # cosine similarity to the query


class RetrievalService:
    def __init__(self, db: Database, embedder: Embedder, vectors: VectorIndex) -> None:
        self._db = db
        self._embedder = embedder
        self._vectors = vectors

    async def search(
        self, user_id: str, query: str, *, top_k: int = 5, knowledge_base_ids: Sequence[str] | None = None
    ) -> list[Passage]:
        """The `top_k` best passages for `query` among the user's knowledge (or those knowledge bases)."""
        if not 1 <= top_k <= MAX_TOP_K:
            raise InvalidArgument(f"top_k is 1 to {MAX_TOP_K}")
        words = query_words(query)
        if not words:
            raise InvalidArgument("the query has no words to search for")
        (vector,) = await self._embedder.embed([query])
        vector_filter: VectorFilter = {"model": self._embedder.model}
        if knowledge_base_ids is not None:
            vector_filter["kb"] = {"$in": list(knowledge_base_ids)}
        matches = await self._vectors.query(vector, top_k=CANDIDATES, namespace=user_id, filter=vector_filter)
        ranked = sources.select_ranked_chunks(user_id, fts_query(words), knowledge_base_ids, CANDIDATES)
        rows = sources.select_ready_chunks(user_id, [m.id for m in matches], knowledge_base_ids)
        if knowledge_base_ids is None:
            done = await run_batch(self._db, [ranked, rows])
        else:
            owned = knowledge_bases.count_owned(user_id, knowledge_base_ids)
            done = await run_batch(self._db, [owned, ranked, rows])
            if not knowledge_bases.owns_all(done[owned], knowledge_base_ids):
                raise KnowledgeBaseNotFound("no such knowledge base")
        text_ranks = {str(row["id"]): rank for rank, row in enumerate(done[ranked].rows, 1)}
        by_id = {str(row["id"]): row for row in [*done[ranked].rows, *done[rows].rows]}
        vector_hits = [m for m in matches if m.id in by_id]  # deleted since, or not ready: not shown
        vector_ranks = {m.id: rank for rank, m in enumerate(vector_hits, 1)}
        vector_scores = {m.id: m.score for m in vector_hits}
        fused = fused_scores(text_ranks, vector_ranks)
        best = sorted(fused, key=lambda chunk_id: (-fused[chunk_id], chunk_id))[:top_k]
        return [
            Passage(
                chunk_id,
                str(by_id[chunk_id]["source_id"]),
                str(by_id[chunk_id]["knowledge_base_id"]),
                str(by_id[chunk_id]["title"]),
                str(by_id[chunk_id]["kind"]),
                str(by_id[chunk_id]["ref_id"]),
                int(by_id[chunk_id]["position"] or 0),
                str(by_id[chunk_id]["text"]),
                highlights_of(str(by_id[chunk_id]["text"]), words),
                fused[chunk_id],
                text_ranks.get(chunk_id),
                vector_ranks.get(chunk_id),
                vector_scores.get(chunk_id),
            )
            for chunk_id in best
        ]


def query_words(query: str) -> list[str]:
    """The words a query is searched by (at most MAX_QUERY_TERMS), lower-cased."""
    return _WORD.findall(query.lower())[:MAX_QUERY_TERMS]


def fts_query(words: Sequence[str]) -> str:
    """An FTS5 query matching any of the words, each quoted (so no word is read as an FTS5 operator)."""
    return " OR ".join(f'"{word}"' for word in dict.fromkeys(words))


def fused_scores(*rankings: dict[str, int]) -> dict[str, float]:
    """Reciprocal rank fusion: each id's sum of 1 / (RRF_K + rank) over the rankings it is in."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for chunk_id, rank in ranking.items():
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1 / (RRF_K + rank)
    return scores


def highlights_of(text: str, words: Sequence[str]) -> list[tuple[int, int]]:
    """The spans of `text` that are one of the query's words (whole words, any case)."""
    wanted = set(words)
    return [(m.start(), m.end()) for m in _WORD.finditer(text) if m.group().lower() in wanted]
