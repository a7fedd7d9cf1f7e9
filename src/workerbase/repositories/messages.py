"""SQL for messages. A message belongs to a chat and, through it, to a user; ids are the owner's
(migration 0015), so every statement names the owner, and another user's chat or message is simply not
found. A public chat's messages are read by the chat's id alone: the owner is then the public chat's."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import MessageRecord
from workerbase.repositories.rows import RecordRows

MESSAGE = RecordRows(MessageRecord, parts=json.loads, metadata=json.loads)

# The f-strings below only put the record's column list and the fragments here into SQL (hence the noqa
# on S608).
_SELECT = f"SELECT {MESSAGE.columns()} FROM messages"  # noqa: S608
# Reads of a chat bind ?1 the chat, ?2 the reader: the owner, or NULL for anyone while the chat is public.
# The owner is then a constant of the statement (SQLite evaluates the subquery once), so the reads below
# are lookups in the (user_id, chat_id, seq) key.
_OWNER = "coalesce(?2, (SELECT user_id FROM chats WHERE id = ?1 AND visibility = 'public'))"
_OWNED_CHAT = "SELECT 1 AS found FROM chats WHERE user_id = ?2 AND id = ?1"
_PUBLIC_CHAT = "SELECT 1 AS found FROM chats WHERE id = ?1 AND visibility = 'public' AND ?2 IS NULL"
_ANCHOR = f"SELECT seq FROM messages WHERE user_id = {_OWNER} AND chat_id = ?1 AND id = ?3"  # noqa: S608
# Pages next to an anchor message (?3, NULL for the latest page), by the anchor's position; ?4 the limit.
_OLDER = (
    _SELECT + f" WHERE user_id = {_OWNER} AND chat_id = ?1"
    f" AND seq < coalesce(({_ANCHOR}), 9007199254740991) ORDER BY seq DESC LIMIT ?4"
)
_NEWER = _SELECT + f" WHERE user_id = {_OWNER} AND chat_id = ?1 AND seq > ({_ANCHOR}) ORDER BY seq LIMIT ?4"
# A message's rowid is in its owner's range (migration 0016): users.rowid * MESSAGE_ROWID_SPAN + n, n one
# past the owner's newest message, so rowid order is newest last within a user and a search reads one
# range of the index. Assigned here, in the INSERT itself (no extra round trip): a lookup of the user by
# id and one seek to the end of their range. Statements of a batch (an import) run in turn, each one past
# the last. Deleting a user's newest message frees its rowid for the next one: the index's delete
# trigger has already taken the old entry out, so the new message is indexed afresh under it.
MESSAGE_ROWID_SPAN = 1 << 24
_BASE = f"(SELECT rowid * {MESSAGE_ROWID_SPAN} FROM users WHERE id = ?3)"  # noqa: S608
_NEXT_ROWID = (
    f"coalesce((SELECT rowid FROM messages WHERE rowid BETWEEN {_BASE}"  # noqa: S608
    f" AND {_BASE} + {MESSAGE_ROWID_SPAN - 1} ORDER BY rowid DESC LIMIT 1), {_BASE}) + 1"
)
_INSERT = (
    "INSERT INTO messages (rowid, id, chat_id, user_id, seq, role, parts, metadata, content_text,"  # noqa: S608
    f" created_at, updated_at) SELECT {_NEXT_ROWID}, ?1, ?2, ?3,"
    " (SELECT coalesce(max(seq), 0) + 1 FROM messages WHERE user_id = ?3 AND chat_id = ?2),"
    " ?4, ?5, ?6, ?7, ?8, ?8 WHERE EXISTS (SELECT 1 FROM chats WHERE user_id = ?3 AND id = ?2)"
    " ON CONFLICT (user_id, id) DO NOTHING"
)
_SELECT_BY_IDS = (
    _SELECT + " WHERE user_id = ?1 AND chat_id = ?2"  # noqa: S608
    " AND id IN (SELECT value FROM json_each(?3)) ORDER BY seq"
)
_UPDATE = (
    "UPDATE messages SET parts = coalesce(?1, parts), metadata = iif(?2 IS NULL, metadata, ?2),"  # noqa: S608
    " content_text = coalesce(?3, content_text), updated_at = ?4"
    f" WHERE user_id = ?5 AND chat_id = ?6 AND id = ?7 RETURNING {MESSAGE.columns()}"
)
# A message's content as a whole: a user message's (regenerate and edit: metadata too, so a re-insert
# compares equal), or a reply's that went on after its tool calls were answered. ?8 the role it must have,
# ?9 the parts it must still have (NULL: any).
_REPLACE = (
    "UPDATE messages SET parts = ?1, metadata = ?2, content_text = ?3, updated_at = ?4"
    " WHERE user_id = ?5 AND chat_id = ?6 AND id = ?7 AND role = ?8 AND (?9 IS NULL OR parts = ?9)"
)
_DELETE_AFTER = (
    "DELETE FROM messages WHERE user_id = ?2 AND chat_id = ?1"  # noqa: S608
    f" AND seq > ({_ANCHOR})"
)


def canonical_json(value: Any) -> str:
    """One spelling per value, so an identical re-post compares equal in SQL."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def json_or_null(value: Any) -> str | None:
    """`canonical_json`, with None staying SQL NULL."""
    return None if value is None else canonical_json(value)


def text_of(parts: list[dict[str, Any]]) -> str:
    """What full-text search sees: the text of the `text` parts."""
    return "\n".join(str(part["text"]) for part in parts if part.get("type") == "text" and "text" in part)


def chat_check(chat_id: str, reader: str | None) -> Statement:
    """One row if the reader may see the chat: its owner (reader), or anyone if public (reader None)."""
    return Statement(_OWNED_CHAT if reader is not None else _PUBLIC_CHAT, [chat_id, reader])


def insert_message(
    message_id: str,
    chat_id: str,
    user_id: str,
    role: str,
    parts: list[dict[str, Any]],
    metadata: dict[str, Any] | None,
    now: datetime,
) -> Statement:
    return Statement(
        _INSERT,
        [
            message_id,
            chat_id,
            user_id,
            role,
            canonical_json(parts),
            json_or_null(metadata),
            text_of(parts),
            iso(now),
        ],
    )


def touch_chat(chat_id: str, user_id: str, now: datetime) -> Statement:
    return Statement(
        "UPDATE chats SET last_activity_at = ?1, updated_at = ?1 WHERE user_id = ?2 AND id = ?3",
        [iso(now), user_id, chat_id],
    )


def select_by_ids(chat_id: str, user_id: str, ids: list[str]) -> Statement:
    # One JSON parameter instead of one per id: D1 allows 100 bound parameters per statement.
    return Statement(_SELECT_BY_IDS, [user_id, chat_id, json.dumps(ids)])


def anchor(message_id: str, chat_id: str, reader: str | None) -> Statement:
    return Statement(_ANCHOR, [chat_id, reader, message_id])


def select_older(chat_id: str, reader: str | None, anchor_id: str | None, limit: int) -> Statement:
    """Newest first, before the anchor (the latest messages without one)."""
    return Statement(_OLDER, [chat_id, reader, anchor_id, limit])


def select_newer(chat_id: str, reader: str | None, anchor_id: str, limit: int) -> Statement:
    """Oldest first, after the anchor."""
    return Statement(_NEWER, [chat_id, reader, anchor_id, limit])


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
            json_or_null(parts),
            json_or_null(metadata),
            None if parts is None else text_of(parts),
            iso(now),
            user_id,
            chat_id,
            message_id,
        ],
    )


def replace_message(
    message_id: str,
    chat_id: str,
    user_id: str,
    role: str,
    parts: list[dict[str, Any]],
    metadata: dict[str, Any] | None,
    now: datetime,
    *,
    unless_changed_from: list[dict[str, Any]] | None = None,
) -> Statement:
    """Changes nothing if the message has another role, or (given `unless_changed_from`) other parts than
    those: a write that raced with another one."""
    expected = None if unless_changed_from is None else canonical_json(unless_changed_from)
    return Statement(
        _REPLACE,
        [
            canonical_json(parts),
            json_or_null(metadata),
            text_of(parts),
            iso(now),
            user_id,
            chat_id,
            message_id,
            role,
            expected,
        ],
    )


def delete_message(message_id: str, chat_id: str, user_id: str) -> Statement:
    return Statement(
        "DELETE FROM messages WHERE user_id = ? AND chat_id = ? AND id = ?", [user_id, chat_id, message_id]
    )


def delete_after(chat_id: str, user_id: str, message_id: str) -> Statement:
    return Statement(_DELETE_AFTER, [chat_id, user_id, message_id])
