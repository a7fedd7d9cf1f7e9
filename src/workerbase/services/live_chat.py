"""Live chat: a user's message in, the model's reply streamed out through the chat's room.

Sending is two D1 round trips before the room takes over: (1) the daily count and the chat (created if
new, same rules as the conversations API), (2) the message (idempotent like POST /messages) with the
chat's recent history. The room stores the reply when it ends (`save_reply`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from workerbase.clock import iso
from workerbase.config import Settings
from workerbase.durable.generation import ChatRoomClient, GenerationJob, Outcome, SaveReply
from workerbase.errors import ConstraintViolation, InvalidArgument, WorkerbaseError
from workerbase.ports import BodyStream, Database, ModelMessage
from workerbase.records import ChatRecord
from workerbase.repositories import chats, daily_counts, messages
from workerbase.services.chats import ChatNotFound
from workerbase.services.messages import MessageIdConflict, MessageService, NewMessage

# Messages of the chat the model sees with a new one (the newest; older ones are left out).
HISTORY_MESSAGES = 50


class DailyLimitReached(WorkerbaseError):
    status = 429
    code = "daily_message_limit"
    title = "You have sent as many messages as your plan allows today"
    public_detail = True

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(f"the limit is {limit} messages per day (UTC); it resets in {retry_after} s")
        self.limit = limit
        self.retry_after = retry_after

    def problem_extras(self) -> dict[str, Any]:
        return {"limit": self.limit}

    def response_headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class MessageAlreadyAnswered(WorkerbaseError):
    status = 409
    code = "message_already_answered"
    title = "This message is not the chat's newest: it was answered already"
    public_detail = True


class LiveChatService:
    def __init__(self, db: Database, rooms: ChatRoomClient, settings: Settings, now: datetime) -> None:
        self._db = db
        self._rooms = rooms
        self._models = settings.models
        self._now = now

    def model_for(self, requested: str | None) -> str:
        if requested is None:
            return self._models.allowed[0]
        if requested not in self._models.allowed:
            raise InvalidArgument(
                f"unknown model {requested!r} (available: {', '.join(self._models.allowed)})"
            )
        return requested

    async def send(
        self, user_id: str, role: str, chat_id: str, message: NewMessage, model: str
    ) -> BodyStream:
        """Store the user's message and stream the reply. 429 past the day's limit (nothing stored);
        409 if a reply is being generated in the chat (the message is taken back, as when the room
        fails)."""
        if message.role != "user":
            raise InvalidArgument("the message to send must have the role `user`")
        day = self._now.date().isoformat()
        limit = self._models.daily_limit(role)
        now = iso(self._now)
        new_chat = ChatRecord(chat_id, user_id, "", "private", {}, False, False, now, now, now)
        first = [chats.insert_chat(new_chat), chats.select_any(chat_id)]
        if limit is not None:
            first.append(daily_counts.take_one(user_id, day, limit))
        results = await self._db.batch(first)
        counted = limit is not None and results[2].meta.changes > 0
        owner = results[1].first()
        if owner is None or owner["user_id"] != user_id:
            await self._take_back(user_id, chat_id, day, counted=counted)
            raise ChatNotFound("no such chat")
        if limit is not None and not counted:
            if results[0].meta.changes > 0:  # nothing may change: not even the chat this request made
                await self._db.batch([chats.delete_owned(chat_id, user_id)])
            raise DailyLimitReached(limit, self._seconds_until_tomorrow())
        try:
            added = await self._db.batch(
                [
                    messages.touch_chat(chat_id, user_id, now),
                    messages.insert_message(
                        message.id, chat_id, user_id, "user", message.parts, message.metadata, now
                    ),
                    messages.select_older(chat_id, None, HISTORY_MESSAGES),
                ]
            )
        except ConstraintViolation as exc:
            await self._take_back(user_id, chat_id, day, counted=counted)
            if "message_id_conflict" in str(exc):
                raise MessageIdConflict("a message with this id exists with different content") from exc
            raise
        history = messages.MESSAGE.decode_all(reversed(added[2].rows))
        added_id = message.id if added[1].meta.changes > 0 else None
        if not history or history[-1].id != message.id:
            # The chat was deleted meanwhile, or this is a re-post of a message that was answered.
            await self._take_back(user_id, chat_id, day, counted=counted, message_id=added_id)
            if not history:
                raise ChatNotFound("no such chat")
            raise MessageAlreadyAnswered(f"message {message.id} is not the chat's newest")
        sent = history[-1]  # the message just stored (or, on a retry, found)
        job = GenerationJob(
            chat_id=chat_id,
            user_id=user_id,
            reply_id=str(uuid.uuid4()),
            model=model,
            history=[ModelMessage(m.role, text) for m in history if (text := messages.text_of(m.parts))],
        )
        announced = {
            "id": sent.id,
            "role": sent.role,
            "parts": sent.parts,
            "metadata": sent.metadata,
            "created_at": sent.created_at,
            "updated_at": sent.updated_at,
        }
        try:
            return await self._rooms.start(job, announced)
        except Exception:
            # Not sent after all (a reply is running, or the room failed): take the message back (if this
            # request added it) and the count, then say why.
            await self._take_back(user_id, chat_id, day, counted=counted, message_id=added_id)
            raise

    async def _take_back(
        self, user_id: str, chat_id: str, day: str, *, counted: bool, message_id: str | None = None
    ) -> None:
        """Undo what a send that fails did: the day's count, and the message if this request added it."""
        statements = [daily_counts.give_back(user_id, day)] if counted else []
        if message_id is not None:
            statements.append(messages.delete_message(message_id, chat_id, user_id))
        if statements:
            await self._db.batch(statements)

    def _seconds_until_tomorrow(self) -> int:
        tomorrow = datetime.combine(
            self._now.date() + timedelta(days=1), datetime.min.time(), self._now.tzinfo
        )
        return max(int((tomorrow - self._now).total_seconds()), 1)


def reply_saver(db: Database, now: Any) -> SaveReply:
    """What a room calls when a reply ends: store it as the chat's next assistant message. Idempotent
    (the reply's id is fixed), so the alarm may retry it."""

    async def save_reply(job: GenerationJob, text: str, outcome: Outcome) -> None:
        metadata: dict[str, Any] = {"model": job.model, "finishReason": outcome.finish_reason}
        if outcome.incomplete:
            metadata["incomplete"] = True
        if outcome.error:
            metadata["error"] = outcome.error
        reply = NewMessage(job.reply_id, "assistant", [{"type": "text", "text": text}], metadata)
        try:
            await MessageService(db, now()).add(job.user_id, job.chat_id, [reply])
        except ChatNotFound:
            return  # the chat (or its owner) was deleted: the reply has nowhere to go, nothing to retry

    return save_reply
