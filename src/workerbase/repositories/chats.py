"""SQL for chats. A chat's id is its owner's (migration 0015: two users may use one id), so every
statement that reads or changes a chat names its owner: another user's chat is simply not found. Public
chats are the exception, read by id alone: their ids are unique among public chats."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from workerbase.clock import iso
from workerbase.ports import Statement
from workerbase.records import ChatRecord
from workerbase.repositories.rows import RecordRows

CHAT = RecordRows(ChatRecord, metadata=json.loads)

# The f-strings below only put the record's column list into SQL (hence the noqa on S608).
_SELECT = f"SELECT {CHAT.columns()} FROM chats"  # noqa: S608
_SELECT_OWNED = _SELECT + " WHERE user_id = ? AND id = ?"
_SELECT_PUBLIC = _SELECT + " WHERE id = ? AND visibility = 'public'"
# ?1 user, ?2 archived, ?3/?4 position after (last_activity_at, id) or NULLs, ?5 title filter or NULL,
# ?6 limit. Newest activity first; the LIKE pattern escapes % and _ with backslash.
_SELECT_PAGE = (
    _SELECT + " WHERE user_id = ?1 AND archived = ?2"
    " AND (?3 IS NULL OR (last_activity_at, id) < (?3, ?4))"
    " AND (?5 IS NULL OR title LIKE '%' || ?5 || '%' ESCAPE '\\')"
    " ORDER BY last_activity_at DESC, id DESC LIMIT ?6"
)
_INSERT = (
    f"INSERT INTO chats ({CHAT.columns()}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (user_id, id) DO NOTHING"
)
# Only the fields given change (COALESCE keeps the others); returns the chat, or nothing if not owned.
_UPDATE = (
    "UPDATE chats SET title = coalesce(?1, title), visibility = coalesce(?2, visibility),"  # noqa: S608
    " metadata = coalesce(?3, metadata), archived = coalesce(?4, archived), pinned = coalesce(?5, pinned),"
    " system_prompt = coalesce(?9, system_prompt),"
    f" updated_at = ?6 WHERE user_id = ?7 AND id = ?8 RETURNING {CHAT.columns()}"
)


def encode_metadata(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)


def insert_chat(chat: ChatRecord) -> Statement:
    """Inserts nothing if the owner has a chat with this id; pair with `select_owned` in the same batch.
    A public chat under an id another user's public chat has is a unique violation."""
    return Statement(
        _INSERT,
        [
            chat.id,
            chat.user_id,
            chat.title,
            chat.visibility,
            encode_metadata(chat.metadata),
            chat.archived,
            chat.pinned,
            chat.created_at,
            chat.updated_at,
            chat.last_activity_at,
            chat.system_prompt,
        ],
    )


def select_owned(chat_id: str, user_id: str) -> Statement:
    return Statement(_SELECT_OWNED, [user_id, chat_id])


def select_public(chat_id: str) -> Statement:
    return Statement(_SELECT_PUBLIC, [chat_id])


def select_page(
    user_id: str, *, archived: bool, after: tuple[str, str] | None, title_contains: str | None, limit: int
) -> Statement:
    activity, chat_id = after if after is not None else (None, None)
    pattern = None
    if title_contains:
        pattern = title_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Statement(_SELECT_PAGE, [user_id, archived, activity, chat_id, pattern, limit])


def update_chat(
    chat_id: str,
    user_id: str,
    *,
    now: datetime,
    title: str | None = None,
    visibility: str | None = None,
    metadata: dict[str, Any] | None = None,
    archived: bool | None = None,
    pinned: bool | None = None,
    system_prompt: str | None = None,
) -> Statement:
    encoded = None if metadata is None else encode_metadata(metadata)
    return Statement(
        _UPDATE, [title, visibility, encoded, archived, pinned, iso(now), user_id, chat_id, system_prompt]
    )


def title_untitled(chat_id: str, user_id: str, title: str, now: datetime) -> Statement:
    """The title a reply made, unless the chat has one by now (its owner named it meanwhile)."""
    return Statement(
        "UPDATE chats SET title = ?, updated_at = ? WHERE user_id = ? AND id = ? AND title = ''",
        [title, iso(now), user_id, chat_id],
    )


def delete_owned(chat_id: str, user_id: str) -> Statement:
    return Statement("DELETE FROM chats WHERE user_id = ? AND id = ?", [user_id, chat_id])


def delete_if_empty(chat_id: str, user_id: str) -> Statement:
    """For a chat a request created and then could not use: gone unless a message reached it meanwhile."""
    return Statement(
        "DELETE FROM chats WHERE user_id = ?1 AND id = ?2"
        " AND NOT EXISTS (SELECT 1 FROM messages WHERE user_id = ?1 AND chat_id = ?2)",
        [user_id, chat_id],
    )


def delete_all_owned(user_id: str) -> Statement:
    return Statement("DELETE FROM chats WHERE user_id = ?", [user_id])


def select_recently_active(user_id: str, since: datetime, limit: int) -> Statement:
    """The ids of the user's chats active after `since`, newest first."""
    return Statement(
        "SELECT id FROM chats WHERE user_id = ? AND last_activity_at > ?"
        " ORDER BY last_activity_at DESC LIMIT ?",
        [user_id, iso(since), limit],
    )
