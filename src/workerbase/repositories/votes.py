"""SQL for votes on messages. A vote can only be cast on a message of a chat the voter owns."""

from __future__ import annotations

from datetime import datetime

from workerbase.clock import iso
from workerbase.ports import Statement

_UPSERT = (
    "INSERT INTO votes (message_id, user_id, chat_id, value, created_at, updated_at)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?5 WHERE EXISTS (SELECT 1 FROM messages WHERE user_id = ?2 AND id = ?1"
    " AND chat_id = ?3)"
    " ON CONFLICT (user_id, message_id) DO UPDATE SET value = excluded.value, updated_at = ?5"
)


def upsert_vote(message_id: str, user_id: str, chat_id: str, value: str, now: datetime) -> Statement:
    return Statement(_UPSERT, [message_id, user_id, chat_id, value, iso(now)])


def delete_vote(message_id: str, user_id: str, chat_id: str) -> Statement:
    return Statement(
        "DELETE FROM votes WHERE user_id = ? AND message_id = ? AND chat_id = ?",
        [user_id, message_id, chat_id],
    )


def select_chat_votes(chat_id: str, user_id: str) -> Statement:
    return Statement(
        "SELECT message_id, value, updated_at FROM votes WHERE user_id = ? AND chat_id = ?"
        " ORDER BY message_id",
        [user_id, chat_id],
    )
