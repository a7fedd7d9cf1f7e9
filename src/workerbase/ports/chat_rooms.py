"""The chat room port: how the Worker reaches a chat's room (its Durable Object), and the values that
cross it: the generation job, its outcome, WebSocket tickets, and the refusals of a start."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, field
from typing import Any, Protocol

from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.ports.chat_models import ToolSpec
from workerbase.ports.streams import BodyStream


class GenerationRunning(WorkerbaseError):
    status = 409
    code = "generation_running"
    title = "A reply is being generated in this chat; stop it or wait for it"
    public_detail = True


class ReplyNotStored(WorkerbaseError):
    """The chat's last reply could not be stored in D1 yet; a new one would replace it in the room."""

    status = 503
    code = "reply_not_stored"
    title = "The chat's last reply is not stored yet; try again shortly"
    public_detail = True

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": "30"}


# What a room refuses a start with, by code: the Workers room answers 409 with the code.
START_REFUSALS: dict[str, type[WorkerbaseError]] = {e.code: e for e in (GenerationRunning, ReplyNotStored)}


def room_name(owner_id: str, chat_id: str) -> str:
    """A chat's room, per owner: a chat id deleted by one user and taken by another (ids are the
    client's) must never reach the first one's room, its log or its open tabs."""
    return f"{owner_id}:{chat_id}"


class Turn(Frozen):
    """A message of the chat the reply answers, as stored: its role and its UI message parts."""

    role: str  # system | user | assistant
    parts: list[dict[str, Any]]

    @property
    def text(self) -> str:
        """Its text parts' text, joined by spaces."""
        return " ".join(p["text"] for p in self.parts if p.get("type") == "text" and p.get("text"))


class GenerationJob(Frozen):
    chat_id: str
    user_id: str
    reply_id: str  # the assistant message's id, chosen before it exists
    model: str
    history: Sequence[Turn] = field(default_factory=list)
    # The UTC day whose daily message count the send took (None: no limit counted it): given back if the
    # model fails. Jobs stored before this field existed read as None.
    counted_day: str | None = None
    system_prompt: str | None = None  # the chat's, or the settings' default
    # The model that titles the chat once the reply is written (`data-chat-title`); None: the chat has a
    # title (or the job was stored before titles existed).
    title_model: str | None = None
    # The reply goes on with the history's last message, an assistant message whose tool calls the user
    # answered (a client-side tool's output, an approval): `reply_id` is that message's id, and what is
    # stored is its parts with the new ones after them.
    continues: bool = False
    # Tools the client runs (`addToolOutput`), offered to the model beside the server's: declared by the
    # request, as the client knows them.
    client_tools: Sequence[ToolSpec] = ()
    # The knowledge bases the reply retrieves from first (RAG): their best passages go to the model and
    # stream as `source-document` parts.
    knowledge_base_ids: Sequence[str] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> GenerationJob:
        data = json.loads(text)
        data["history"] = [_turn(item) for item in data["history"]]
        data["client_tools"] = [ToolSpec(**item) for item in data.get("client_tools", ())]
        return cls(**data)


def _turn(item: dict[str, Any]) -> Turn:
    if "content" in item:  # a job stored before turns kept their parts: its text alone
        return Turn(item["role"], [{"type": "text", "text": item["content"]}])
    return Turn(item["role"], item["parts"])


# How a reply ends: `stop`, `length`, `content-filter`, `tool-calls` (a client-side tool's result is
# awaited, or the steps ran out) come from the model; `error`, `abort` (stopped) and `interrupted` (the
# room was evicted) leave it incomplete.
INCOMPLETE = ("error", "abort", "interrupted")


class Outcome(Frozen):
    finish_reason: str
    error: str | None = None
    input_tokens: int | None = None  # over every step, when the provider said
    output_tokens: int | None = None

    @property
    def incomplete(self) -> bool:
        return self.finish_reason in INCOMPLETE

    def reply_metadata(self, model: str) -> dict[str, Any]:
        """The reply's message metadata: stored with it, and sent on `finish` so the client's copy of the
        message has the same."""
        metadata: dict[str, Any] = {"model": model, "finishReason": self.finish_reason}
        if self.input_tokens is not None and self.output_tokens is not None:
            metadata["usage"] = {
                "inputTokens": self.input_tokens,
                "outputTokens": self.output_tokens,
                "totalTokens": self.input_tokens + self.output_tokens,
            }
        if self.incomplete:
            metadata["incomplete"] = True
        if self.error:
            metadata["error"] = self.error
        return metadata

    @property
    def failed(self) -> bool:
        """The model (or the room running it) failed: not the user's doing, unlike a stop."""
        return self.finish_reason in ("error", "interrupted")


# A UI message stream chunk (`durable/ui_stream.py`), and what the room gives a reply to write them with:
# each is logged, sent to every reader at once, and the stored reply is made of them.
Chunk = dict[str, Any]
Emit = Callable[[Chunk], None]
# Writes a job's reply (`services/replies.py`): the chunks between `start` and the closing ones, which
# the room writes. Returns how the reply ended; may raise (the room ends it as an error) or be cancelled
# (stopped).
Respond = Callable[[GenerationJob, Emit], Awaitable[Outcome]]
# Stores the finished reply's parts (D1 through the messages service); may raise, and is then retried by
# the alarm.
SaveReply = Callable[[GenerationJob, list[dict[str, Any]], Outcome], Awaitable[None]]


class InvalidTicket(WorkerbaseError):
    """A WebSocket ticket that is forged, expired, for another chat, or used already (the room says)."""

    status = 403
    code = "invalid_ticket"
    title = "This WebSocket ticket is not valid"
    public_detail = True


class Ticket(Frozen):
    """A signed, single-use WebSocket ticket's claims (`services/ws_tickets.py` signs and verifies)."""

    chat_id: str
    user_id: str
    expires: int  # Unix seconds
    nonce: str


class ChatRoomClient(Protocol):
    """How the Worker reaches a chat's room (a Durable Object stub on Workers, the in-process object
    locally), one room per owner and chat (`room_name`). Streams are the UI message stream's SSE bytes
    (`durable/ui_stream.py`). A tab's WebSocket is not a method here: each runtime hands the upgrade to
    the room its own way, after `api/chat_sockets.py` admitted it."""

    async def start(self, job: GenerationJob, user_message: dict[str, Any]) -> BodyStream:
        """Announce the message, start the reply and stream it from its first chunk; GenerationRunning
        if one is running, ReplyNotStored if the last reply could not be stored yet."""
        ...

    async def resume(self, owner_id: str, chat_id: str, offset: int) -> BodyStream | None:
        """The running reply's stream from chunk `offset`; None when no reply is being generated."""
        ...

    async def stop(self, owner_id: str, chat_id: str) -> bool: ...

    async def publish(self, owner_id: str, chat_id: str, kind: str, data: dict[str, Any]) -> None:
        """Tell the chat's open tabs about a change (kind `chat`, `message`, ...)."""
        ...
