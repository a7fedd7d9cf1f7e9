"""What a room generates and how the Worker reaches rooms: the job, its outcome, the UI message stream
chunks that open and close a reply, and the ChatRoomClient port."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from workerbase.errors import WorkerbaseError
from workerbase.ports import BodyStream, ModelMessage
from workerbase.services.ws_tickets import Ticket


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


@dataclass(frozen=True, slots=True)
class GenerationJob:
    chat_id: str
    user_id: str
    reply_id: str  # the assistant message's id, chosen before it exists
    model: str
    history: Sequence[ModelMessage] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "history": [asdict(m) for m in self.history]})

    @classmethod
    def from_json(cls, text: str) -> GenerationJob:
        data = json.loads(text)
        return cls(**{**data, "history": [ModelMessage(**m) for m in data["history"]]})


@dataclass(frozen=True, slots=True)
class Outcome:
    finish_reason: str  # stop | error | abort | interrupted
    error: str | None = None

    @property
    def incomplete(self) -> bool:
        return self.finish_reason != "stop"


# Stores the finished reply (D1 through the messages service); may raise, and is then retried by the alarm.
SaveReply = Callable[[GenerationJob, str, Outcome], Awaitable[None]]


def opening_chunks(job: GenerationJob, text_id: str) -> list[dict[str, Any]]:
    return [
        {"type": "start", "messageId": job.reply_id},
        {"type": "start-step"},
        {"type": "text-start", "id": text_id},
    ]


def closing_chunks(text_id: str, outcome: Outcome) -> list[dict[str, Any]]:
    """`finish` carries no finishReason: AI SDK clients before 5.0.92 refuse one."""
    chunks: list[dict[str, Any]] = [{"type": "text-end", "id": text_id}]
    if outcome.finish_reason == "error":
        chunks.append({"type": "error", "errorText": outcome.error or "the reply failed"})
    elif outcome.finish_reason in ("abort", "interrupted"):
        chunks.append({"type": "abort"})
    return [*chunks, {"type": "finish-step"}, {"type": "finish"}]


class ChatRoomClient(Protocol):
    """How the Worker reaches a chat's room (a Durable Object stub on Workers, the in-process object
    locally), one room per owner and chat (`room_name`). Streams are the UI message stream's SSE bytes
    (`durable/ui_stream.py`)."""

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

    async def join(self, ticket: Ticket, websocket: Any, after: int) -> None:
        """Serve a tab's WebSocket (an ASGI WebSocket) from the room until it closes, replaying what came
        after `after` first; InvalidTicket if the ticket was used. (On Workers the Worker hands the
        upgrade request to the room object itself, before the app: see `src/entry.py`.)"""
        ...
