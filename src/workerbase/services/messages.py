"""Messages of a chat (AI SDK UIMessage shape). Each method is one D1 round trip (a read or a batch)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from workerbase.errors import ConstraintViolation, WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.ports import Database, Statement, run
from workerbase.records import MessageRecord
from workerbase.repositories import messages
from workerbase.repositories.batches import run_batch
from workerbase.services.chats import ChatNotFound


class MessageNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such message"


class MessageIdConflict(WorkerbaseError):
    status = 409
    code = "message_id_conflict"
    title = "A message with this id exists with different content"
    public_detail = True


class NewMessage(Frozen):
    id: str
    role: str
    parts: list[dict[str, Any]]
    metadata: dict[str, Any] | None


class MessageService:
    def __init__(self, db: Database, now: datetime) -> None:
        self._db = db
        self._now = now

    async def add(
        self, user_id: str, chat_id: str, new: list[NewMessage], also: Sequence[Statement] = ()
    ) -> tuple[list[MessageRecord], bool]:
        """Append messages in order, all or nothing; returns them and whether any was new. Re-posting a
        message with the same id and content changes nothing (a retried request); the same id with other
        content makes the whole request a 409 (the schema's trigger aborts the batch). `also` runs first
        in the same batch (what must happen with the messages, or not at all)."""
        touch = messages.touch_chat(chat_id, user_id, self._now)
        inserts = [
            messages.insert_message(m.id, chat_id, user_id, m.role, m.parts, m.metadata, self._now)
            for m in new
        ]
        select = messages.select_by_ids(chat_id, user_id, [m.id for m in new])
        try:
            done = await run_batch(self._db, [*also, touch, *inserts, select])
        except ConstraintViolation as exc:
            if "message_id_conflict" in str(exc):
                raise MessageIdConflict("a message id in the request exists with different content") from exc
            raise
        if done[touch].meta.changes == 0:
            raise ChatNotFound("no such chat")
        created = any(done[insert].meta.changes > 0 for insert in inserts)
        stored = {record.id: record for record in messages.MESSAGE.decode_all(done[select].rows)}
        return [stored[m.id] for m in new], created

    async def replace_reply(
        self, user_id: str, chat_id: str, reply: NewMessage, also: Sequence[Statement] = ()
    ) -> None:
        """A reply that went on (its tool calls answered) takes its whole content; `also` runs first in
        the same batch. Idempotent, like `add`."""
        touch = messages.touch_chat(chat_id, user_id, self._now)
        store = messages.replace_message(
            reply.id, chat_id, user_id, "assistant", reply.parts, reply.metadata, self._now
        )
        done = await run_batch(self._db, [*also, touch, store])
        if done[touch].meta.changes == 0:
            raise ChatNotFound("no such chat")

    async def page(
        self,
        chat_id: str,
        *,
        reader: str | None,
        direction: Literal["before", "after"],
        anchor_id: str | None,
        limit: int,
    ) -> tuple[list[MessageRecord], str | None]:
        """Chronological messages next to `anchor_id`: older with "before" (the latest without an anchor),
        newer with "after"; and the anchor for the next page in the same direction. `reader` is the
        caller's user id, or None to read a public chat. One batch: the chat check, the page, and the
        anchor if there is one."""
        newer = direction == "after" and anchor_id is not None
        page = (
            messages.select_newer(chat_id, reader, anchor_id, limit + 1)
            if newer and anchor_id is not None
            else messages.select_older(chat_id, reader, anchor_id, limit + 1)
        )
        statements = [messages.chat_check(chat_id, reader), page]
        if anchor_id is not None:  # the anchor must be a message of this chat
            statements.append(messages.anchor(anchor_id, chat_id, reader))
        check, rows, *anchor = await self._db.batch(statements)
        if not check.rows:
            raise ChatNotFound("no such chat")
        if anchor and not anchor[0].rows:
            raise MessageNotFound("no such message in this chat")
        records = messages.MESSAGE.decode_all(rows.rows)
        if not newer:
            records.reverse()
        if len(records) <= limit:
            return records, None
        if newer:
            return records[:limit], records[limit - 1].id
        return records[-limit:], records[-limit].id

    async def update(
        self,
        user_id: str,
        chat_id: str,
        message_id: str,
        *,
        parts: list[dict[str, Any]] | None,
        metadata: dict[str, Any] | None,
    ) -> MessageRecord:
        update = messages.update_message(
            message_id, chat_id, user_id, parts=parts, metadata=metadata, now=self._now
        )
        row = (await run(self._db, update)).first()
        if row is None:
            raise MessageNotFound("no such message")
        return messages.MESSAGE.decode(row)

    async def delete(self, user_id: str, chat_id: str, message_id: str) -> None:
        delete = messages.delete_message(message_id, chat_id, user_id)
        if (await run(self._db, delete)).meta.changes == 0:
            raise MessageNotFound("no such message")

    async def delete_after(self, user_id: str, chat_id: str, message_id: str) -> None:
        """Remove the messages after `message_id` (edit and regenerate)."""
        anchor = messages.anchor(message_id, chat_id, user_id)
        check = messages.chat_check(chat_id, user_id)
        done = await run_batch(self._db, [anchor, check, messages.delete_after(chat_id, user_id, message_id)])
        if not done[check].rows:
            raise ChatNotFound("no such chat")
        if not done[anchor].rows:
            raise MessageNotFound("no such message in this chat")
