"""`/v1/chats/{id}/stream`: send a message and get the reply streamed (AI SDK UI message stream), resume
it, stop it. What `useChat` with `DefaultChatTransport({api})` calls."""

from typing import Annotated, Any, Literal, Self

from fastapi import Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from workerbase.api.chat_sockets import chat_socket_url
from workerbase.api.deferred_router import DeferredRouter
from workerbase.api.deps import (
    ChatServiceDep,
    LiveChatDep,
    NowDep,
    PrincipalDep,
    TicketSignerDep,
)
from workerbase.api.downloads import StreamResponse
from workerbase.api.routes.messages import MessageIn, new_message
from workerbase.api.schemas import ClientId, json_size
from workerbase.durable import ui_stream
from workerbase.errors import InvalidArgument

router = DeferredRouter(tags=["live chat"])
MAX_CLIENT_TOOLS = 32
MAX_TOOL_SCHEMA_BYTES = 16 * 1024


class ClientToolIn(BaseModel):
    """A tool the client runs: the model may call it, the reply then waits for the client's
    `addToolOutput`."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
    description: str = Field(default="", max_length=1_000)
    input_schema: dict[str, Any] = Field(
        alias="inputSchema", description="The input's JSON schema: an object schema."
    )

    @model_validator(mode="after")
    def _object_schema(self) -> Self:
        if self.input_schema.get("type") != "object":
            raise ValueError('inputSchema must be a JSON schema with "type": "object"')
        if json_size(self.input_schema) > MAX_TOOL_SCHEMA_BYTES:
            raise ValueError(f"inputSchema is limited to {MAX_TOOL_SCHEMA_BYTES} bytes of JSON")
        return self


class StreamIn(BaseModel):
    """`message` (the user's new message, what the ai-chatbot sends), or `messages` as `useChat`'s
    default transport sends them (the whole conversation; the last one is the new message).

    The transport's `trigger` and `messageId` say how: `regenerate-message` (`chat.regenerate()`: the last
    message is the user's message to answer again) or `submit-message` with the `messageId` of the last
    message (`chat.sendMessage({text, messageId})`: an edit). Either way the server gives that message the
    content sent, drops the messages after it and answers again, atomically.

    A last message that is the chat's newest reply, its waiting tool calls answered (`addToolOutput`,
    `addToolApprovalResponse`), makes that reply go on under its id (README: Client-side tools and
    approvals)."""

    model_config = ConfigDict(extra="ignore")  # the transport also sends the chat's `id`

    message: MessageIn | None = None
    messages: list[MessageIn] | None = Field(default=None, min_length=1)
    model: str | None = Field(default=None, max_length=200)
    selected_chat_model: str | None = Field(
        default=None, alias="selectedChatModel", max_length=200, description="The ai-chatbot's `model`."
    )
    trigger: Literal["submit-message", "regenerate-message"] | None = None
    message_id: ClientId | None = Field(default=None, alias="messageId")
    client_tools: list[ClientToolIn] = Field(default=[], alias="clientTools", max_length=MAX_CLIENT_TOOLS)
    knowledge_base_ids: list[str] = Field(
        default=[],
        alias="knowledgeBaseIds",
        max_length=20,
        description="Knowledge bases the reply retrieves from first (their passages stream as source-document"
        " parts).",
    )


_EVENT_STREAM = {
    "description": "Server-Sent Events in the AI SDK's UI message stream protocol (header "
    "`x-vercel-ai-ui-message-stream: v1`): each event is `data: <JSON chunk>` (`start`, `start-step`, "
    "`text-*`, `reasoning-*`, `tool-input-*`, `tool-output-*`, `data-*`, `finish-step`, `finish`, `error`, "
    "`abort`), the last `data: [DONE]`. What `useChat` reads.",
    "content": {
        "text/event-stream": {
            # Each event, as OpenAPI 3.2 describes the items of a stream (`itemSchema`). No `schema`: 3.1
            # readers take it for each event, 3.2 readers for the array of all events.
            "itemSchema": {
                "type": "object",
                "required": ["data"],
                "properties": {
                    "data": {"type": "string", "description": "A UI message chunk as JSON, or `[DONE]`."},
                    "event": {"type": "string"},
                    "id": {"type": "string"},
                },
            },
        }
    },
}


@router.post("/chats/{chat_id}/stream", response_class=Response, responses={200: _EVENT_STREAM})
async def send_and_stream(
    chat_id: ClientId, body: StreamIn, principal: PrincipalDep, live: LiveChatDep
) -> Response:
    """Stores the message (creating the chat if new) and streams the reply as Server-Sent Events
    (`x-vercel-ai-ui-message-stream: v1`). The reply is stored when it ends, also if the client went away.
    429 past the daily limit, 409 while another reply is being generated. Two D1 round trips, then the
    chat's room. A reply whose tool calls the last message answers goes on instead (409
    `nothing_to_continue` if it waits for no such answer)."""
    message = body.message or (body.messages[-1] if body.messages else None)
    if message is None:
        raise InvalidArgument("send `message` (or `messages`, the last being the new one)")
    model = live.model_for(body.model or body.selected_chat_model)
    tools = live.client_tools([(t.name, t.description, t.input_schema) for t in body.client_tools])
    if message.role == "assistant":
        stream = await live.continue_reply(principal.user_id, chat_id, new_message(message), model, tools)
        return StreamResponse(stream, 200, ui_stream.HEADERS)
    answer_again = body.trigger == "regenerate-message" or body.message_id == message.id
    stream = await live.send(
        principal.user_id,
        principal.role,
        chat_id,
        new_message(message),
        model,
        answer_again=answer_again,
        client_tools=tools,
        knowledge_base_ids=body.knowledge_base_ids,
    )
    return StreamResponse(stream, 200, ui_stream.HEADERS)


@router.get(
    "/chats/{chat_id}/stream",
    response_class=Response,
    responses={200: _EVENT_STREAM, 204: {"description": "No reply is being generated."}},
)
async def resume_stream(
    chat_id: ClientId,
    principal: PrincipalDep,
    chats: ChatServiceDep,
    live: LiveChatDep,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """The reply being generated, from its first chunk (or chunk `offset`); 204 when none is. One D1
    round trip (the chat is the caller's), then the room."""
    await chats.get(principal.user_id, chat_id)
    stream = await live.resume(principal.user_id, chat_id, offset)
    if stream is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return StreamResponse(stream, 200, ui_stream.HEADERS)


@router.post("/chats/{chat_id}/stream/stop", status_code=status.HTTP_204_NO_CONTENT)
async def stop_stream(
    chat_id: ClientId, principal: PrincipalDep, chats: ChatServiceDep, live: LiveChatDep
) -> Response:
    """Stops the reply being generated (the partial reply is stored, marked incomplete); nothing to stop
    is fine too. One D1 round trip, then the room."""
    await chats.get(principal.user_id, chat_id)
    await live.stop(principal.user_id, chat_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class TicketOut(BaseModel):
    ticket: str
    expires_at: int = Field(description="Unix seconds; the ticket opens one connection before then.")
    url: str = Field(description="The WebSocket URL with the ticket; add `&after=<seq>` to catch up.")


@router.post("/chats/{chat_id}/ws-ticket", status_code=status.HTTP_201_CREATED)
async def websocket_ticket(
    chat_id: ClientId,
    request: Request,
    principal: PrincipalDep,
    chats: ChatServiceDep,
    tickets: TicketSignerDep,
    now: NowDep,
) -> TicketOut:
    """A ticket for one WebSocket connection to the chat (`GET /v1/chats/{id}/ws?ticket=&after=`, see
    `api/chat_sockets.py`), valid 60 s: browsers cannot send headers on a WebSocket, and a long-lived
    token must not go into a URL. One D1 round trip."""
    await chats.get(principal.user_id, chat_id)
    text, ticket = tickets.issue(chat_id, principal.user_id, int(now.timestamp()))
    url = chat_socket_url(str(request.base_url), chat_id, text)
    return TicketOut(ticket=text, expires_at=ticket.expires, url=url)
