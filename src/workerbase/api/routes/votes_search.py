"""Votes on messages (`/v1/chats/{id}/messages/{mid}/vote`, `/v1/chats/{id}/votes`) and full-text
search (`/v1/search/messages`)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field

from workerbase.api.deps import NowDep, PageDep, PlatformDep, PrincipalDep
from workerbase.services.search import SearchService
from workerbase.services.votes import VoteService

router = APIRouter()


async def get_vote_service(platform: PlatformDep, now: NowDep) -> VoteService:
    return VoteService(platform.db, now)


async def get_search_service(platform: PlatformDep) -> SearchService:
    return SearchService(platform.db)


VoteServiceDep = Annotated[VoteService, Depends(get_vote_service)]
SearchServiceDep = Annotated[SearchService, Depends(get_search_service)]


class VoteIn(BaseModel):
    value: Literal["up", "down"]


class VoteOut(BaseModel):
    message_id: str
    value: str
    updated_at: str


class VoteList(BaseModel):
    items: list[VoteOut]


class SearchHitOut(BaseModel):
    message_id: str
    chat_id: str
    role: str
    created_at: str
    snippet_html: str = Field(description="HTML-escaped text around the match, terms in <mark>.")
    score: float = Field(description="bm25: lower is a better match.")


class SearchPage(BaseModel):
    items: list[SearchHitOut]
    next_cursor: str | None


@router.put(
    "/chats/{chat_id}/messages/{message_id}/vote", status_code=status.HTTP_204_NO_CONTENT, tags=["votes"]
)
async def vote(
    chat_id: str, message_id: str, body: VoteIn, principal: PrincipalDep, service: VoteServiceDep
) -> Response:
    """Sets (or changes) the caller's vote. One D1 round trip."""
    await service.vote(principal.user_id, chat_id, message_id, body.value)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/chats/{chat_id}/messages/{message_id}/vote", status_code=status.HTTP_204_NO_CONTENT, tags=["votes"]
)
async def unvote(chat_id: str, message_id: str, principal: PrincipalDep, service: VoteServiceDep) -> Response:
    """One D1 round trip; 404 when there is no vote."""
    await service.unvote(principal.user_id, chat_id, message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/chats/{chat_id}/votes", tags=["votes"])
async def chat_votes(chat_id: str, principal: PrincipalDep, service: VoteServiceDep) -> VoteList:
    """All of the caller's votes in a chat. One D1 round trip."""
    found = await service.chat_votes(principal.user_id, chat_id)
    return VoteList(items=[VoteOut(message_id=m, value=v, updated_at=u) for m, v, u in found])


@router.get("/search/messages", tags=["search"])
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
