"""Votes on messages: one per message and user; each call one D1 round trip."""

from __future__ import annotations

from datetime import datetime

from workerbase.ports import Database, Statement, run
from workerbase.repositories import messages, votes
from workerbase.services.chats import ChatNotFound
from workerbase.services.messages import MessageNotFound


class VoteService:
    def __init__(self, db: Database, now: datetime) -> None:
        self._db = db
        self._now = now

    async def vote(self, user_id: str, chat_id: str, message_id: str, value: str) -> None:
        await self._changed_or_missing(votes.upsert_vote(message_id, user_id, chat_id, value, self._now))

    async def unvote(self, user_id: str, chat_id: str, message_id: str) -> None:
        await self._changed_or_missing(votes.delete_vote(message_id, user_id, chat_id))

    async def chat_votes(self, user_id: str, chat_id: str) -> list[tuple[str, str, str]]:
        """(message_id, value, updated_at) of the chat's votes; one batch with the ownership check."""
        check, found = await self._db.batch(
            [messages.chat_check(chat_id, user_id), votes.select_chat_votes(chat_id, user_id)]
        )
        if not check.rows:
            raise ChatNotFound("no such chat")
        return [(str(r["message_id"]), str(r["value"]), str(r["updated_at"])) for r in found.rows]

    async def _changed_or_missing(self, statement: Statement) -> None:
        if (await run(self._db, statement)).meta.changes == 0:
            raise MessageNotFound("no such message, or no vote on it")
