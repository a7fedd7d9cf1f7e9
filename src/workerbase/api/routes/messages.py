"""`/v1/chats/{chat_id}/messages` (AI SDK UIMessage shape) and the public chat's messages."""

from typing import Annotated, Any, Literal, Self

from fastapi import Query, Response, status
from pydantic import BaseModel, Discriminator, Field, Tag, model_validator

from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import FileUrlsDep, LiveEventsDep, MessageServiceDep, PrincipalDep
from workerbase.api.file_urls import FileUrls
from workerbase.api.schemas import (
    LIST_FORM,
    ONE_FORM,
    ClientId,
    Metadata,
    RecordOut,
    form_of,
    json_response,
    json_size,
)
from workerbase.errors import InvalidArgument
from workerbase.pagination import MAX_LIMIT
from workerbase.records import MessageRecord
from workerbase.services.messages import MessageService, NewMessage

router = DeferredRouter(tags=["messages"])

MAX_MESSAGE_BYTES = 1024 * 1024  # of JSON; D1 caps a row at 2 MB
MAX_PARTS = 100
MAX_MESSAGES_PER_POST = 100
DEFAULT_PAGE = 50


class Part(BaseModel, extra="allow"):
    """One UIMessage part: `type` plus whatever that type carries (text, reasoning, tool-*, file...)."""

    type: str = Field(min_length=1, max_length=100)


class MessageBody(BaseModel):
    parts: list[Part] = Field(min_length=1, max_length=MAX_PARTS)
    metadata: Metadata | None = None

    @model_validator(mode="after")
    def _message_size(self) -> Self:
        if json_size(self.model_dump(mode="json")) > MAX_MESSAGE_BYTES:
            raise ValueError(f"a message is limited to {MAX_MESSAGE_BYTES} bytes of JSON")
        return self


class MessageIn(MessageBody):
    id: ClientId = Field(description="The client's id (the AI SDK generates them).")
    role: Literal["system", "user", "assistant"]


class MessagePatch(BaseModel):
    parts: list[Part] | None = Field(default=None, min_length=1, max_length=MAX_PARTS)
    metadata: Metadata | None = None


class MessageOut(RecordOut):
    id: str
    role: str
    parts: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str

    @classmethod
    def resolved(cls, message: MessageRecord, urls: FileUrls) -> Self:
        """With a fresh signed `url` on each `file` part that names a file by `fileId`."""
        out = cls.of(message)
        out.parts = urls.resolve_parts(message.user_id, message.parts)
        return out


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None = Field(
        description="Pass as the same `before`/`after` parameter for the next page."
    )


MessagesIn = Annotated[
    Annotated[MessageIn, Tag(ONE_FORM)]
    | Annotated[list[MessageIn], Field(min_length=1, max_length=MAX_MESSAGES_PER_POST), Tag(LIST_FORM)],
    Discriminator(form_of),
    Field(description=f"One message or up to {MAX_MESSAGES_PER_POST}."),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Anchor = Annotated[ClientId | None, Query()]


def new_message(message: MessageIn) -> NewMessage:
    return NewMessage(
        id=message.id,
        role=message.role,
        parts=[part.model_dump(mode="json") for part in message.parts],
        metadata=message.metadata,
    )


@router.post(
    "/chats/{chat_id}/messages",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"description": "Every message was already there (a retry)", "model": list[MessageOut]}},
)
async def add_messages(
    chat_id: ClientId,
    body: MessagesIn,
    response: Response,
    principal: PrincipalDep,
    service: MessageServiceDep,
    urls: FileUrlsDep,
    events: LiveEventsDep,
) -> list[MessageOut]:
    """One D1 round trip, all or nothing. 200 when every message was already there (a retry); 409
    `message_id_conflict` when an id exists with different content."""
    batch = body if isinstance(body, list) else [body]
    if len({m.id for m in batch}) != len(batch):  # the body's schema bounds the count
        raise InvalidArgument("send messages with distinct ids")
    stored, created = await service.add(principal.user_id, chat_id, [new_message(m) for m in batch])
    if not created:
        response.status_code = status.HTTP_200_OK
    out = [MessageOut.resolved(m, urls) for m in stored]
    if created:
        for message in out:
            await events.publish(principal.user_id, chat_id, "message", message.model_dump(mode="json"))
    return out


@router.get("/chats/{chat_id}/messages", response_model=MessagePage)
async def list_messages(
    chat_id: ClientId,
    principal: PrincipalDep,
    service: MessageServiceDep,
    urls: FileUrlsDep,
    limit: Limit = DEFAULT_PAGE,
    before: Anchor = None,
    after: Anchor = None,
) -> Response:
    """Chronological. Without `before`/`after`: the latest messages; `before=<id>` pages back in time,
    `after=<id>` forward. One D1 round trip."""
    return await _page(service, urls, chat_id, principal.user_id, limit, before, after)


@router.get("/public/chats/{chat_id}/messages", response_model=MessagePage)
async def list_public_messages(
    chat_id: ClientId,
    service: MessageServiceDep,
    urls: FileUrlsDep,
    limit: Limit = DEFAULT_PAGE,
    before: Anchor = None,
    after: Anchor = None,
) -> Response:
    """No auth; 404 unless the chat is public. One D1 round trip."""
    return await _page(service, urls, chat_id, None, limit, before, after)


async def _page(
    service: MessageService,
    urls: FileUrls,
    chat_id: str,
    reader: str | None,
    limit: int,
    before: str | None,
    after: str | None,
) -> Response:
    if before is not None and after is not None:
        raise InvalidArgument("pass `before` or `after`, not both")
    direction: Literal["before", "after"] = "after" if after is not None else "before"
    items, next_cursor = await service.page(
        chat_id, reader=reader, direction=direction, anchor_id=after or before, limit=limit
    )
    page = [{**MessageOut.fields_of(m), "parts": urls.resolve_parts(m.user_id, m.parts)} for m in items]
    return json_response({"items": page, "next_cursor": next_cursor})


@router.patch("/chats/{chat_id}/messages/{message_id}")
async def update_message(
    chat_id: ClientId,
    message_id: ClientId,
    body: MessagePatch,
    principal: PrincipalDep,
    service: MessageServiceDep,
    urls: FileUrlsDep,
    events: LiveEventsDep,
) -> MessageOut:
    """One D1 round trip; the search index follows. Open tabs get a `message` event."""
    parts = None if body.parts is None else [part.model_dump(mode="json") for part in body.parts]
    updated = await service.update(
        principal.user_id, chat_id, message_id, parts=parts, metadata=body.metadata
    )
    out = MessageOut.resolved(updated, urls)
    await events.publish(principal.user_id, chat_id, "message", out.model_dump(mode="json"))
    return out


@router.delete("/chats/{chat_id}/messages/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_message(
    chat_id: ClientId,
    message_id: ClientId,
    principal: PrincipalDep,
    service: MessageServiceDep,
    events: LiveEventsDep,
) -> Response:
    """One D1 round trip. Open tabs get a `messages-deleted` event."""
    await service.delete(principal.user_id, chat_id, message_id)
    await events.publish(principal.user_id, chat_id, "messages-deleted", {"ids": [message_id]})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/chats/{chat_id}/messages", status_code=status.HTTP_204_NO_CONTENT)
async def delete_messages_after(
    chat_id: ClientId,
    principal: PrincipalDep,
    service: MessageServiceDep,
    events: LiveEventsDep,
    after: Annotated[ClientId, Query(description="Keep this message; drop the rest.")],
) -> Response:
    """Removes the messages after `after` (edit and regenerate). One D1 round trip. Open tabs get a
    `messages-deleted` event."""
    await service.delete_after(principal.user_id, chat_id, after)
    await events.publish(principal.user_id, chat_id, "messages-deleted", {"after": after})
    return Response(status_code=status.HTTP_204_NO_CONTENT)
