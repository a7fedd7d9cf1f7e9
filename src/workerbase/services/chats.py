"""Chats: create (client ids welcome, retries idempotent), list, read, update, delete. Every method is
one D1 round trip; another user's chat is "not found", never "forbidden", and its id never conflicts with
the caller's (ids are per owner)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from workerbase.clock import iso
from workerbase.errors import ConstraintViolation, WorkerbaseError
from workerbase.pagination import page_of, position_after
from workerbase.ports import Database, Statement, run
from workerbase.records import ChatRecord
from workerbase.repositories import chats
from workerbase.repositories.batches import run_batch

# A reply runs only in a chat that got a message lately (sending touches it): when all chats go at once,
# the rooms of those active this recently (newest first, at most this many) are told, and stop replies.
RECENTLY_ACTIVE = timedelta(hours=1)
MAX_RECENTLY_ACTIVE = 50


async def delete_listing_recent_chats(
    db: Database, user_id: str, now: datetime, delete: Statement
) -> list[str]:
    """Run `delete` (all of the user's chats, or the user) and return the ids of the user's chats active
    lately, read in the same batch: the only ones whose rooms may still be generating a reply."""
    recent = chats.select_recently_active(user_id, now - RECENTLY_ACTIVE, MAX_RECENTLY_ACTIVE)
    done = await run_batch(db, [recent, delete])
    return [str(row["id"]) for row in done[recent].rows]


class ChatNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such chat"


class ChatIdTaken(WorkerbaseError):
    status = 409
    code = "chat_id_taken"
    title = "You have a different chat with this id"


class PublicChatIdTaken(WorkerbaseError):
    status = 409
    code = "public_chat_id_taken"
    title = "Another public chat has this id"
    public_detail = True


@contextmanager
def _refusing_taken_public_ids() -> Iterator[None]:
    """Public chats are read by id alone (`/v1/public/chats/{id}`), so their ids are unique among public
    chats (migration 0015): the one unique key a write of the caller's own chat can hit."""
    try:
        yield
    except ConstraintViolation as exc:
        if exc.kind != "unique":
            raise
        raise PublicChatIdTaken(
            "a public chat with this id exists; public chats are found by id alone"
        ) from exc


class ChatService:
    def __init__(self, db: Database, now: datetime) -> None:
        self._db = db
        self._now = now

    async def create(
        self,
        user_id: str,
        *,
        chat_id: str | None,
        title: str,
        visibility: str,
        metadata: dict[str, Any],
        system_prompt: str = "",
    ) -> tuple[ChatRecord, bool]:
        """The chat, and whether it was created now. Re-posting the same chat (a retried request) returns
        it unchanged; one of the caller's ids with other content is a 409, as is a public chat under an id
        another public chat has."""
        created = iso(self._now)
        chat = ChatRecord(
            id=chat_id or str(uuid.uuid4()),
            user_id=user_id,
            title=title,
            visibility=visibility,
            metadata=metadata,
            archived=False,
            pinned=False,
            created_at=created,
            updated_at=created,
            last_activity_at=created,
            system_prompt=system_prompt,
        )
        with _refusing_taken_public_ids():
            inserted, stored = await self._db.batch(
                [chats.insert_chat(chat), chats.select_owned(chat.id, user_id)]
            )
        row = stored.first()
        assert row is not None  # inserted now, or there before
        existing = chats.CHAT.decode(row)
        if inserted.meta.changes == 1:
            return existing, True
        same = (existing.title, existing.visibility, existing.metadata, existing.system_prompt) == (
            title,
            visibility,
            metadata,
            system_prompt,
        )
        if not same:
            raise ChatIdTaken("a different chat already has this id")
        return existing, False

    async def get(self, user_id: str, chat_id: str) -> ChatRecord:
        select = chats.select_owned(chat_id, user_id)
        return self._found((await run(self._db, select)).first())

    async def get_public(self, chat_id: str) -> ChatRecord:
        select = chats.select_public(chat_id)
        return self._found((await run(self._db, select)).first())

    async def page(
        self, user_id: str, *, archived: bool, title_contains: str | None, cursor: str | None, limit: int
    ) -> tuple[list[ChatRecord], str | None]:
        select = chats.select_page(
            user_id,
            archived=archived,
            after=position_after(cursor),
            title_contains=title_contains,
            limit=limit + 1,
        )
        rows = (await run(self._db, select)).rows
        return page_of(chats.CHAT.decode_all(rows), limit, lambda c: (c.last_activity_at, c.id))

    async def update(self, user_id: str, chat_id: str, **changes: Any) -> ChatRecord:
        update = chats.update_chat(chat_id, user_id, now=self._now, **changes)
        with _refusing_taken_public_ids():
            return self._found((await run(self._db, update)).first())

    async def delete(self, user_id: str, chat_id: str) -> None:
        delete = chats.delete_owned(chat_id, user_id)
        if (await run(self._db, delete)).meta.changes == 0:
            raise ChatNotFound("no such chat")

    async def delete_all(self, user_id: str) -> list[str]:
        """Deletes every chat of the user (one batch); returns those whose replies may still run."""
        delete = chats.delete_all_owned(user_id)
        return await delete_listing_recent_chats(self._db, user_id, self._now, delete)

    @staticmethod
    def _found(row: Any) -> ChatRecord:
        if row is None:
            raise ChatNotFound("no such chat")
        return chats.CHAT.decode(row)
