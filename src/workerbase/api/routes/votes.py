"""Votes on messages: `/v1/chats/{id}/messages/{mid}/vote` and `/v1/chats/{id}/votes`."""

from typing import Literal

from fastapi import Response, status
from pydantic import BaseModel

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import PrincipalDep, VoteServiceDep
from workerbase.api.schemas import ClientId

router = DeferredRouter(tags=["votes"])


class VoteIn(BaseModel):
    value: Literal["up", "down"]


class VoteOut(BaseModel):
    message_id: str
    value: str
    updated_at: str


class VoteList(BaseModel):
    items: list[VoteOut]


@router.put("/chats/{chat_id}/messages/{message_id}/vote", status_code=status.HTTP_204_NO_CONTENT)
async def vote(
    chat_id: ClientId, message_id: ClientId, body: VoteIn, principal: PrincipalDep, service: VoteServiceDep
) -> Response:
    """Sets (or changes) the caller's vote. One D1 round trip."""
    await service.vote(principal.user_id, chat_id, message_id, body.value)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/chats/{chat_id}/messages/{message_id}/vote", status_code=status.HTTP_204_NO_CONTENT)
async def unvote(
    chat_id: ClientId, message_id: ClientId, principal: PrincipalDep, service: VoteServiceDep
) -> Response:
    """One D1 round trip; 404 when there is no vote."""
    await service.unvote(principal.user_id, chat_id, message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/chats/{chat_id}/votes")
async def chat_votes(chat_id: ClientId, principal: PrincipalDep, service: VoteServiceDep) -> VoteList:
    """All of the caller's votes in a chat. One D1 round trip."""
    found = await service.chat_votes(principal.user_id, chat_id)
    return VoteList(items=[VoteOut(message_id=m, value=v, updated_at=u) for m, v, u in found])
