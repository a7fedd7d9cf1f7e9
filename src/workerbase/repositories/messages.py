"""SQL for messages. A message belongs to a chat and, through it, to a user; every statement checks
that chain, so another user's chat or message is simply not found."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import MessageRecord
from workerbase.repositories.rows import RecordRows

MESSAGE = RecordRows(MessageRecord, parts=json.loads, metadata=json.loads)

# The f-strings below only put the record's column list into SQL (hence the noqa on S608).
_SELECT = f"SELECT {MESSAGE.columns()} FROM messages"  # noqa: S608
# The chat condition for readers: its owner, or anyone while it is public.
_OWNED_CHAT = "SELECT 1 AS found FROM chats WHERE id = ?1 AND user_id = ?2"
_PUBLIC_CHAT = "SELECT 1 AS found FROM chats WHERE id = ?1 AND visibility = 'public' AND ?2 IS NULL"
_INSERT = (
    "INSERT INTO messages (id, chat_id, user_id, seq, role, parts, metadata, content_text, created_at,"
    " updated_at) SELECT ?1, ?2, ?3, (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE chat_id = ?2),"
    " ?4, ?5, ?6, ?7, ?8, ?8 WHERE EXISTS (SELECT 1 FROM chats WHERE id = ?2 AND user_id = ?3)"
    " ON CONFLICT (id) DO NOTHING"
)
_SELECT_BY_IDS = (
    _SELECT + " WHERE chat_id = ?1 AND id IN (SELECT value FROM json_each(?2)) ORDER BY seq"  # noqa: S608
)
_ANCHOR = "SELECT seq FROM messages WHERE id = ?1 AND chat_id = ?2"
# Pages next to an anchor message (?2, NULL for the latest page), by the anchor's position in the chat.
_OLDER = (
    _SELECT + " WHERE chat_id = ?1"  # noqa: S608
    " AND seq < coalesce((SELECT seq FROM messages WHERE id = ?2 AND chat_id = ?1), 9007199254740991)"
    " ORDER BY seq DESC LIMIT ?3"
)
_NEWER = (
    _SELECT + " WHERE chat_id = ?1"  # noqa: S608
    " AND seq > (SELECT seq FROM messages WHERE id = ?2 AND chat_id = ?1) ORDER BY seq LIMIT ?3"
)
_UPDATE = (
    "UPDATE messages SET parts = coalesce(?1, parts), metadata = iif(?2 IS NULL, metadata, ?2),"  # noqa: S608
    " content_text = coalesce(?3, content_text), updated_at = ?4"
    f" WHERE id = ?5 AND chat_id = ?6 AND user_id = ?7 RETURNING {MESSAGE.columns()}"
)
_DELETE_AFTER = (
    "DELETE FROM messages WHERE chat_id = ?1 AND user_id = ?2"
    " AND seq > (SELECT seq FROM messages WHERE id = ?3 AND chat_id = ?1)"
)


def canonical_json(value: Any) -> str:
    """One spelling per value, so an identical re-post compares equal in SQL."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def text_of(parts: list[dict[str, Any]]) -> str:
    """What full-text search sees: the text of the `text` parts."""
    return "\n".join(str(part["text"]) for part in parts if part.get("type") == "text" and "text" in part)


def chat_check(chat_id: str, user_id: str | None) -> Statement:
    """One row if the reader may see the chat: its owner (user_id), or anyone if public (user_id None)."""
    return Statement(_OWNED_CHAT if user_id is not None else _PUBLIC_CHAT, [chat_id, user_id])


def insert_message(
    message_id: str,
    chat_id: str,
    user_id: str,
    role: str,
    parts: list[dict[str, Any]],
    metadata: dict[str, Any] | None,
    now: datetime,
) -> Statement:
    encoded_metadata = None if metadata is None else canonical_json(metadata)
    return Statement(
        _INSERT,
        [
            message_id,
            chat_id,
            user_id,
            role,
            canonical_json(parts),
            encoded_metadata,
            text_of(parts),
            iso(now),
        ],
    )


def touch_chat(chat_id: str, user_id: str, now: datetime) -> Statement:
    return Statement(
        "UPDATE chats SET last_activity_at = ?1, updated_at = ?1 WHERE id = ?2 AND user_id = ?3",
        [iso(now), chat_id, user_id],
    )


def select_by_ids(chat_id: str, ids: list[str]) -> Statement:
    # One JSON parameter instead of one per id: D1 allows 100 bound parameters per statement.
    return Statement(_SELECT_BY_IDS, [chat_id, json.dumps(ids)])


def anchor(message_id: str, chat_id: str) -> Statement:
    return Statement(_ANCHOR, [message_id, chat_id])


def select_older(chat_id: str, anchor_id: str | None, limit: int) -> Statement:
    """Newest first, before the anchor (the latest messages without one)."""
    return Statement(_OLDER, [chat_id, anchor_id, limit])


def select_newer(chat_id: str, anchor_id: str, limit: int) -> Statement:
    """Oldest first, after the anchor."""
    return Statement(_NEWER, [chat_id, anchor_id, limit])


def update_message(
    message_id: str,
    chat_id: str,
    user_id: str,
    *,
    parts: list[dict[str, Any]] | None,
    metadata: dict[str, Any] | None,
    now: datetime,
) -> Statement:
    return Statement(
        _UPDATE,
        [
            None if parts is None else canonical_json(parts),
            None if metadata is None else canonical_json(metadata),
            None if parts is None else text_of(parts),
            iso(now),
            message_id,
            chat_id,
            user_id,
        ],
    )


def delete_message(message_id: str, chat_id: str, user_id: str) -> Statement:
    return Statement(
        "DELETE FROM messages WHERE id = ? AND chat_id = ? AND user_id = ?", [message_id, chat_id, user_id]
    )


def delete_after(chat_id: str, user_id: str, message_id: str) -> Statement:
    return Statement(_DELETE_AFTER, [chat_id, user_id, message_id])
