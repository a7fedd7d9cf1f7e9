"""`/v1/chats` (the caller's chats) and `/v1/public/chats/{id}` (public chats, no auth)."""

from typing import Annotated, Any, Literal

from fastapi import Query, Response, status
from pydantic import BaseModel, Field, StrictBool

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import ChatServiceDep, LiveEventsDep, PageDep, PrincipalDep
from workerbase.api.schemas import ClientId, Metadata, RecordOut

router = DeferredRouter(tags=["chats"])

MAX_TITLE_CHARS = 200
MAX_SYSTEM_PROMPT_CHARS = 16_000

SystemPrompt = Annotated[
    str,
    Field(
        max_length=MAX_SYSTEM_PROMPT_CHARS,
        description="What the model is told before this chat's messages; empty: the server's default.",
    ),
]


class ChatIn(BaseModel):
    id: ClientId | None = Field(
        default=None, description="The client's chat id (the AI SDK makes them); the server's UUID if none."
    )
    title: str = Field(default="", max_length=MAX_TITLE_CHARS)
    visibility: Literal["private", "public"] = "private"
    metadata: Metadata = Field(default_factory=dict, description="e.g. {source, channel_id, guild_id}")
    system_prompt: SystemPrompt = ""


class ChatPatch(BaseModel):
    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    visibility: Literal["private", "public"] | None = None
    metadata: Metadata | None = None
    system_prompt: SystemPrompt | None = None
    # Strict: the document says boolean, and pydantic's lax mode would take 0, 1, "yes" or "off" too.
    archived: StrictBool | None = None
    pinned: StrictBool | None = None


class PublicChatOut(RecordOut):
    """A chat as anyone may read it while it is public: without its owner's system prompt."""

    id: str
    title: str
    visibility: str
    metadata: dict[str, Any]
    archived: bool
    pinned: bool
    created_at: str
    updated_at: str
    last_activity_at: str


class ChatOut(PublicChatOut):
    system_prompt: str


class ChatPage(BaseModel):
    items: list[ChatOut]
    next_cursor: str | None


@router.post(
    "/chats",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Already created", "model": ChatOut}},
)
async def create_chat(
    body: ChatIn, response: Response, principal: PrincipalDep, service: ChatServiceDep
) -> ChatOut:
    """One D1 round trip. Re-posting an identical chat is a no-op 200; the same id with different content
    is 409."""
    chat, created = await service.create(
        principal.user_id,
        chat_id=body.id,
        title=body.title,
        visibility=body.visibility,
        metadata=body.metadata,
        system_prompt=body.system_prompt,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return ChatOut.of(chat)


@router.get("/chats")
async def list_chats(
    principal: PrincipalDep,
    service: ChatServiceDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="Filter: the title contains this.")] = None,
    archived: bool = False,
) -> ChatPage:
    """One D1 round trip; newest activity first."""
    items, next_cursor = await service.page(
        principal.user_id, archived=archived, title_contains=q, cursor=page.cursor, limit=page.limit
    )
    return ChatPage(items=[ChatOut.of(chat) for chat in items], next_cursor=next_cursor)


@router.get("/chats/{chat_id}")
async def get_chat(chat_id: ClientId, principal: PrincipalDep, service: ChatServiceDep) -> ChatOut:
    """One D1 round trip."""
    return ChatOut.of(await service.get(principal.user_id, chat_id))


@router.patch("/chats/{chat_id}")
async def update_chat(
    chat_id: ClientId,
    body: ChatPatch,
    principal: PrincipalDep,
    service: ChatServiceDep,
    events: LiveEventsDep,
) -> ChatOut:
    """One D1 round trip; only the fields sent change. Open tabs get a `chat` event."""
    updated = ChatOut.of(
        await service.update(principal.user_id, chat_id, **body.model_dump(exclude_none=True))
    )
    await events.publish(principal.user_id, chat_id, "chat", updated.model_dump(mode="json"))
    return updated


@router.delete("/chats/{chat_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_chat(
    chat_id: ClientId, principal: PrincipalDep, service: ChatServiceDep, events: LiveEventsDep
) -> Response:
    """One D1 round trip. Open tabs get a `chat-deleted` event; a reply being generated is stopped."""
    await service.delete(principal.user_id, chat_id)
    await events.chats_deleted(principal.user_id, [chat_id])
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/chats", status_code=status.HTTP_204_NO_CONTENT)
async def delete_all_chats(
    principal: PrincipalDep, service: ChatServiceDep, events: LiveEventsDep
) -> Response:
    """Deletes every chat of the caller. One D1 round trip; the open tabs of the chats active in the
    last hour get `chat-deleted`, and their replies are stopped."""
    await events.chats_deleted(principal.user_id, await service.delete_all(principal.user_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/public/chats/{chat_id}")
async def get_public_chat(chat_id: ClientId, service: ChatServiceDep) -> PublicChatOut:
    """No auth. 404 unless the chat is public right now. One D1 round trip."""
    return PublicChatOut.of(await service.get_public(chat_id))
