"""Full-text search over the caller's messages: `/v1/search/messages`."""

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import PageDep, PrincipalDep, SearchServiceDep

router = DeferredRouter(tags=["search"])


class SearchHitOut(BaseModel):
    message_id: str
    chat_id: str
    role: str
    created_at: str
    snippet_html: str = Field(description="HTML-escaped text around the match, terms in <mark>.")
    score: float = Field(description="Lower is a better match (ranked within blocks of the newest matches).")


class SearchPage(BaseModel):
    items: list[SearchHitOut]
    next_cursor: str | None


@router.get("/search/messages")
async def search_messages(
    principal: PrincipalDep,
    service: SearchServiceDep,
    page: PageDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
) -> SearchPage:
    """Full-text search over the text of the caller's messages, best match first. One D1 round trip."""
    hits, next_cursor = await service.messages(principal.user_id, q, page.cursor, page.limit)
    return SearchPage(
        items=[
            SearchHitOut(
                message_id=h.message_id,
                chat_id=h.chat_id,
                role=h.role,
                created_at=h.created_at,
                snippet_html=h.snippet_html,
                score=h.score,
            )
            for h in hits
        ],
        next_cursor=next_cursor,
    )
