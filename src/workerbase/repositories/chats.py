"""SQL for chats. Every statement that reads or changes a chat names its owner: another user's chat is
simply not found."""

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
_SELECT_OWNED = _SELECT + " WHERE id = ? AND user_id = ?"
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
    f"INSERT INTO chats ({CHAT.columns()}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
    " ON CONFLICT (id) DO NOTHING"
)
# Only the fields given change (COALESCE keeps the others); returns the chat, or nothing if not owned.
_UPDATE = (
    "UPDATE chats SET title = coalesce(?1, title), visibility = coalesce(?2, visibility),"  # noqa: S608
    " metadata = coalesce(?3, metadata), archived = coalesce(?4, archived), pinned = coalesce(?5, pinned),"
    f" updated_at = ?6 WHERE id = ?7 AND user_id = ?8 RETURNING {CHAT.columns()}"
)


def encode_metadata(metadata: dict[str, Any]) -> str:
    return json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)


def insert_chat(chat: ChatRecord) -> Statement:
    """Inserts nothing if the id exists (whoever owns it); pair with `select_any` in the same batch."""
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
        ],
    )


def select_any(chat_id: str) -> Statement:
    return Statement(_SELECT + " WHERE id = ?", [chat_id])


def select_owned(chat_id: str, user_id: str) -> Statement:
    return Statement(_SELECT_OWNED, [chat_id, user_id])


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
) -> Statement:
    encoded = None if metadata is None else encode_metadata(metadata)
    return Statement(_UPDATE, [title, visibility, encoded, archived, pinned, iso(now), chat_id, user_id])


def delete_owned(chat_id: str, user_id: str) -> Statement:
    return Statement("DELETE FROM chats WHERE id = ? AND user_id = ?", [chat_id, user_id])


def delete_all_owned(user_id: str) -> Statement:
    return Statement("DELETE FROM chats WHERE user_id = ?", [user_id])


def select_recently_active(user_id: str, since: datetime, limit: int) -> Statement:
    """The ids of the user's chats active after `since`, newest first."""
    return Statement(
        "SELECT id FROM chats WHERE user_id = ? AND last_activity_at > ?"
        " ORDER BY last_activity_at DESC LIMIT ?",
        [user_id, iso(since), limit],
    )
