"""Live chat: a user's message in, the model's reply streamed out through the chat's room.

Sending is two D1 round trips before the room takes over: (1) the daily count and the chat (created if
new, same rules as the conversations API), (2) the message (idempotent like POST /messages) with the
chat's recent history. The room stores the reply when it ends (`save_reply`). A reply that waits for the
client (a client-side tool's output, an approval) goes on when the client sends its answers
(`continue_reply`, `services/continuations.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from workerbase.clock import iso
from workerbase.config import Settings
from workerbase.errors import ConstraintViolation, InvalidArgument, WorkerbaseError
from workerbase.ports import BodyStream, ChatRoomClient, Database, GenerationJob, Outcome, ToolSpec, Turn, run
from workerbase.records import ChatRecord, MessageRecord
from workerbase.repositories import chats, daily_counts, knowledge_bases, messages
from workerbase.repositories.batches import run_batch
from workerbase.services.chats import ChatNotFound
from workerbase.services.continuations import NothingToContinue, answered
from workerbase.services.knowledge_bases import KnowledgeBaseNotFound
from workerbase.services.messages import MessageIdConflict, MessageService, NewMessage
from workerbase.services.titles import CHAT_TITLE_PART

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


@dataclass(slots=True)
class _Sending:
    """One send in progress: what it has changed so far, which `_take_back` undoes if it fails."""

    user_id: str
    chat_id: str
    day: str  # the UTC day whose count it takes
    counted: bool = False
    created_chat: bool = False  # this request made the chat (a send to a new id)
    system_prompt: str = ""  # the chat's own, read with it
    untitled: bool = False  # the chat has no title yet: its reply titles it
    knowledge_base_ids: Sequence[str] = ()  # what the reply retrieves from (checked to be the caller's)
    added_message_id: str | None = None  # set once this request (not an earlier one) stored the message


def _job(
    sending: _Sending,
    model: str,
    system_prompt: str | None,
    title_model: str | None,
    history: list[MessageRecord],
) -> GenerationJob:
    """What the room generates: a reply to the history, told the system prompt first, under a new message
    id, and the chat's title if it has none. The turns keep their parts (files are read when the model is
    called: `services/model_input.py`)."""
    return GenerationJob(
        chat_id=sending.chat_id,
        user_id=sending.user_id,
        reply_id=str(uuid.uuid4()),
        model=model,
        history=[Turn(m.role, m.parts) for m in history],
        counted_day=sending.day if sending.counted else None,
        system_prompt=system_prompt,
        title_model=(title_model or model) if sending.untitled else None,
    )


class LiveChatService:
    def __init__(self, db: Database, rooms: ChatRoomClient, settings: Settings, now: datetime) -> None:
        self._db = db
        self._rooms = rooms
        self._models = settings.models
        self._now = now

    def client_tools(self, declared: Sequence[tuple[str, str, dict[str, Any]]]) -> list[ToolSpec]:
        """The tools a request says its client runs (name, description, input schema); a name used twice,
        or one of the server's tools, is refused."""
        names = [name for name, _, _ in declared]
        taken = sorted({n for n in names if names.count(n) > 1 or n in self._models.tools})
        if taken:
            raise InvalidArgument(f"client tools must have names of their own: {', '.join(taken)}")
        return [ToolSpec(name, description, schema) for name, description, schema in declared]

    def model_for(self, requested: str | None) -> str:
        if requested is None:
            return self._models.allowed[0]
        if requested not in self._models.allowed:
            raise InvalidArgument(
                f"unknown model {requested!r} (available: {', '.join(self._models.allowed)})"
            )
        return requested

    async def send(
        self,
        user_id: str,
        role: str,
        chat_id: str,
        message: NewMessage,
        model: str,
        *,
        answer_again: bool = False,
        client_tools: Sequence[ToolSpec] = (),
        knowledge_base_ids: Sequence[str] = (),
    ) -> BodyStream:
        """Store the user's message and stream the reply. 429 past the day's limit (nothing stored);
        409 if a reply is being generated in the chat (the message is taken back, as when the room
        fails).

        `answer_again` is the AI SDK's regenerate and edit: the message may be one of the chat's already,
        and then it takes the new content, the messages after it are dropped and it is answered again, in
        the same batch that reads the history. That is not taken back if the room then refuses to start
        (a reply is running, or the room failed): the chat ends with the message, unanswered, and sending
        it again answers it."""
        if message.role != "user":
            raise InvalidArgument("the message to send must have the role `user`")
        sending = _Sending(
            user_id, chat_id, day=self._now.date().isoformat(), knowledge_base_ids=knowledge_base_ids
        )
        await self._count_and_open_chat(sending, self._models.daily_limit(role))
        history = await self._store_and_read_history(sending, message, answer_again)
        system_prompt = sending.system_prompt or self._models.system_prompt
        job = replace(
            _job(sending, model, system_prompt, self._models.title_model, history),
            client_tools=client_tools,
            knowledge_base_ids=list(knowledge_base_ids),
        )
        return await self._start_or_take_back(sending, job, history[-1])

    async def _count_and_open_chat(self, sending: _Sending, limit: int | None) -> None:
        """Round trip 1: the chat (created if new: ids are the caller's, so an existing one is theirs; read
        for its system prompt and whether it has a title) and the day's count. Past the day's limit it
        raises, leaving nothing changed."""
        user_id, chat_id = sending.user_id, sending.chat_id
        created = iso(self._now)
        insert = chats.insert_chat(
            ChatRecord(chat_id, user_id, "", "private", {}, False, False, created, created, created)
        )
        count = daily_counts.take_one(user_id, sending.day, limit) if limit is not None else None
        select = chats.select_owned(chat_id, user_id)
        owned = (
            knowledge_bases.count_owned(user_id, sending.knowledge_base_ids)
            if sending.knowledge_base_ids
            else None
        )
        extra = [statement for statement in (count, owned) if statement is not None]
        done = await run_batch(self._db, [insert, select, *extra])
        sending.created_chat = done[insert].meta.changes > 0
        chat = done[select].first()
        assert chat is not None  # inserted now, or there before (a deleted owner fails the insert)
        record = chats.CHAT.decode(chat)
        sending.system_prompt, sending.untitled = record.system_prompt, not record.title
        sending.counted = count is not None and done[count].meta.changes > 0
        if owned is not None and not knowledge_bases.owns_all(done[owned], sending.knowledge_base_ids):
            await self._take_back(sending)
            raise KnowledgeBaseNotFound("no such knowledge base")
        if limit is not None and not sending.counted:
            await self._take_back(sending)  # nothing may change: not even the chat this request made
            raise DailyLimitReached(limit, self._seconds_until_tomorrow())

    async def _store_and_read_history(
        self, sending: _Sending, message: NewMessage, answer_again: bool
    ) -> list[MessageRecord]:
        """Round trip 2: the message (idempotent like POST /messages) and the chat's recent history,
        oldest first, which must end with this message: otherwise the send is taken back and refused.
        To answer a message again, it first takes the new content and the messages after it go (then the
        insert finds it identical and does nothing, or adds it if it is new)."""
        user_id, chat_id = sending.user_id, sending.chat_id
        replace = (
            [
                messages.replace_message(
                    message.id, chat_id, user_id, "user", message.parts, message.metadata, self._now
                ),
                messages.delete_after(chat_id, user_id, message.id),
            ]
            if answer_again
            else []
        )
        insert = messages.insert_message(
            message.id, chat_id, user_id, "user", message.parts, message.metadata, self._now
        )
        select = messages.select_older(chat_id, user_id, None, HISTORY_MESSAGES)
        touch = messages.touch_chat(chat_id, user_id, self._now)
        try:
            done = await run_batch(self._db, [touch, *replace, insert, select])
        except ConstraintViolation as exc:
            await self._take_back(sending)
            if "message_id_conflict" in str(exc):
                raise MessageIdConflict("a message with this id exists with different content") from exc
            raise
        if done[insert].meta.changes > 0:
            sending.added_message_id = message.id
        history = messages.MESSAGE.decode_all(reversed(done[select].rows))
        if not history or history[-1].id != message.id:
            # The chat was deleted meanwhile, or this is a re-post of a message that was answered.
            await self._take_back(sending)
            if not history:
                raise ChatNotFound("no such chat")
            raise MessageAlreadyAnswered(f"message {message.id} is not the chat's newest")
        return history

    async def _start_or_take_back(
        self, sending: _Sending, job: GenerationJob, sent: MessageRecord
    ) -> BodyStream:
        """Hand the job to the chat's room, announcing the message just stored (or, on a retry, found)."""
        try:
            return await self._rooms.start(job, _announced(sent))
        except Exception:
            # Not sent after all (a reply is running, or the room failed): take the message back (if this
            # request added it) and the count, then say why.
            await self._take_back(sending)
            raise

    async def continue_reply(
        self, user_id: str, chat_id: str, sent: NewMessage, model: str, client_tools: Sequence[ToolSpec]
    ) -> BodyStream:
        """Go on with the chat's newest message, a reply whose waiting tool calls `sent` (the client's copy
        of it) answers: the answers are stored in it (only those: `services/continuations.py`) and the
        reply streams on under its id. No daily message is taken: the user sent none. Two D1 round trips
        (one when the answers are stored already: a retry), then the room; 409 nothing_to_continue when
        the newest message is not that reply, or a call of its last step is still unanswered."""
        select_chat = chats.select_owned(chat_id, user_id)
        select = messages.select_older(chat_id, user_id, None, HISTORY_MESSAGES)
        done = await run_batch(self._db, [select_chat, select])
        chat = done[select_chat].first()
        if chat is None:
            raise ChatNotFound("no such chat")
        history = messages.MESSAGE.decode_all(reversed(done[select].rows))
        reply = history[-1] if history else None
        if reply is None or reply.id != sent.id or reply.role != "assistant":
            raise NothingToContinue(f"message {sent.id} is not the chat's newest reply")
        parts = answered(reply.parts, sent.parts, self._models.tools)
        if parts != reply.parts:
            store = messages.replace_message(
                reply.id,
                chat_id,
                user_id,
                "assistant",
                parts,
                reply.metadata,
                self._now,
                unless_changed_from=reply.parts,
            )
            if (await run(self._db, store)).meta.changes == 0:  # another tab answered first
                raise NothingToContinue("the message changed meanwhile; reload the chat")
            reply = replace(reply, parts=parts, updated_at=iso(self._now))
        record = chats.CHAT.decode(chat)
        job = GenerationJob(
            chat_id=chat_id,
            user_id=user_id,
            reply_id=reply.id,
            model=model,
            history=[Turn(m.role, m.parts) for m in [*history[:-1], reply]],
            system_prompt=record.system_prompt or self._models.system_prompt,
            title_model=(self._models.title_model or model) if not record.title else None,
            continues=True,
            client_tools=client_tools,
        )
        return await self._rooms.start(job, _announced(reply))

    async def resume(self, owner_id: str, chat_id: str, offset: int) -> BodyStream | None:
        """The reply being generated in the chat (the caller checked it is theirs), from chunk `offset`."""
        return await self._rooms.resume(owner_id, chat_id, offset)

    async def stop(self, owner_id: str, chat_id: str) -> bool:
        return await self._rooms.stop(owner_id, chat_id)

    async def _take_back(self, sending: _Sending) -> None:
        """Undo what a send that fails did: the day's count, the message if this request added it, and the
        chat if this request made it (unless another tab's message reached it meanwhile)."""
        statements = [daily_counts.give_back(sending.user_id, sending.day)] if sending.counted else []
        if sending.added_message_id is not None:
            statements.append(
                messages.delete_message(sending.added_message_id, sending.chat_id, sending.user_id)
            )
        if sending.created_chat:
            statements.append(chats.delete_if_empty(sending.chat_id, sending.user_id))
        if statements:
            await self._db.batch(statements)

    def _seconds_until_tomorrow(self) -> int:
        tomorrow = datetime.combine(
            self._now.date() + timedelta(days=1), datetime.min.time(), self._now.tzinfo
        )
        return max(int((tomorrow - self._now).total_seconds()), 1)


def _announced(message: MessageRecord) -> dict[str, Any]:
    """A message as the chat's open tabs are told of it (what GET /messages gives)."""
    return {
        "id": message.id,
        "role": message.role,
        "parts": message.parts,
        "metadata": message.metadata,
        "created_at": message.created_at,
        "updated_at": message.updated_at,
    }


async def store_reply(
    message_service: MessageService,
    job: GenerationJob,
    parts: list[dict[str, Any]],
    outcome: Outcome,
    now: datetime,
) -> None:
    """What a room does when a reply ends: store it as the chat's next assistant message, with the title
    it made for the chat. Idempotent (the reply's id is fixed), so the room's alarm may retry it. A reply
    the model failed to give (an error, or the room interrupted) does not spend the user's daily message:
    the count is given back with it."""
    metadata = outcome.reply_metadata(job.model)
    # A message has at least one part: a reply that failed before it said anything keeps an empty text.
    reply = NewMessage(job.reply_id, "assistant", parts or [{"type": "text", "text": ""}], metadata)
    also = [
        chats.title_untitled(job.chat_id, job.user_id, part["data"], now)
        for part in parts
        if part["type"] == CHAT_TITLE_PART
    ]
    if outcome.failed and job.counted_day is not None:
        also.append(daily_counts.give_back_unless_stored(job.user_id, job.counted_day, job.reply_id))
    try:
        if job.continues:  # the message exists: it takes the parts it had with the new ones
            await message_service.replace_reply(job.user_id, job.chat_id, reply, also=also)
        else:
            await message_service.add(job.user_id, job.chat_id, [reply], also=also)
    except ChatNotFound:
        return  # the chat (or its owner) was deleted: the reply has nowhere to go, nothing to retry
