"""`/v1/knowledge-bases/{id}/query` and `/v1/knowledge/query`: hybrid search over the caller's knowledge
(`services/retrieval.py`): full-text and vector rankings fused, each passage with its source."""

from typing import Self

from pydantic import BaseModel, Field

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import PrincipalDep, RetrievalServiceDep
from workerbase.services.retrieval import MAX_TOP_K, Passage

router = DeferredRouter(tags=["knowledge bases"])


class QueryIn(BaseModel):
    query: str = Field(min_length=1, max_length=2000)
    top_k: int = Field(default=5, ge=1, le=MAX_TOP_K)


class KnowledgeQueryIn(QueryIn):
    knowledge_base_ids: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Search these only (default: all the caller's).",
    )


class PassageOut(BaseModel):
    chunk_id: str
    source_id: str
    knowledge_base_id: str
    source_title: str
    source_kind: str = Field(description="`file`, `document` or `chat`.")
    source_ref_id: str = Field(description="The file's, document's or chat's id.")
    position: int = Field(description="The chunk's place in its source, from 0.")
    text: str
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) offsets of the query's words in `text`."
    )
    score: float = Field(description="The fused score (reciprocal rank fusion): higher is better.")
    text_rank: int | None = Field(
        description="Its rank by full-text search (BM25), 1 the best, if it matched."
    )
    vector_rank: int | None = Field(description="Its rank by vector similarity, if it was among the nearest.")
    vector_score: float | None = Field(description="Cosine similarity of its vector to the query's.")

    @classmethod
    def of(cls, passage: Passage) -> Self:
        return cls(**{name: getattr(passage, name) for name in cls.model_fields})


class PassagesOut(BaseModel):
    items: list[PassageOut]


@router.post("/knowledge-bases/{knowledge_base_id}/query")
async def query_knowledge_base(
    knowledge_base_id: str, body: QueryIn, principal: PrincipalDep, retrieval: RetrievalServiceDep
) -> PassagesOut:
    """The best passages of one knowledge base for the query. One embedding call, one vector query, one
    D1 round trip; 404 for another user's knowledge base."""
    found = await retrieval.search(
        principal.user_id, body.query, top_k=body.top_k, knowledge_base_ids=[knowledge_base_id]
    )
    return PassagesOut(items=[PassageOut.of(p) for p in found])


@router.post("/knowledge/query")
async def query_knowledge(
    body: KnowledgeQueryIn, principal: PrincipalDep, retrieval: RetrievalServiceDep
) -> PassagesOut:
    """The best passages among all the caller's knowledge bases (or those named)."""
    found = await retrieval.search(
        principal.user_id, body.query, top_k=body.top_k, knowledge_base_ids=body.knowledge_base_ids
    )
    return PassagesOut(items=[PassageOut.of(p) for p in found])
