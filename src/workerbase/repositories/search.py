"""SQL for full-text search over the caller's messages (SQLite FTS5, which D1 supports)."""

from __future__ import annotations

from workerbase.ports import Statement

# Control characters mark the highlighted terms, so the service can HTML-escape the text around them.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

# ?1 FTS query (owner token AND words), ?2 user, ?3/?4 position after (score, id) or NULLs, ?5 limit.
# Best match first (bm25: lower is better; weights per index column: the words count, the owner token of
# migration 0009 does not), the message id breaking ties. The user_id test repeats
# what the owner token already ensures, so no index mistake can ever show another user's message.
_SEARCH = (
    "SELECT messages.id AS id, messages.chat_id AS chat_id, messages.role AS role,"
    " messages.created_at AS created_at,"
    " snippet(messages_fts, 0, char(2), char(3), '…', 16) AS snippet,"
    " bm25(messages_fts, 1.0, 0.0) AS score"
    " FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
    " WHERE messages_fts MATCH ?1 AND messages.user_id = ?2"
    " AND (?3 IS NULL OR (bm25(messages_fts, 1.0, 0.0), messages.id) > (?3, ?4))"
    " ORDER BY score, messages.id LIMIT ?5"
)


def owner_token(user_id: str) -> str:
    """The single index token of a user's messages: `search_owner` in migration 0009."""
    return user_id.replace("-", "")


def search_messages(
    phrases: list[str], user_id: str, after: tuple[float, str] | None, limit: int
) -> Statement:
    """`phrases` are FTS5 string literals (already quoted); all must appear in the message's text."""
    query = f'search_owner : "{owner_token(user_id)}" AND content_text : ({" ".join(phrases)})'
    score, message_id = after if after is not None else (None, None)
    return Statement(_SEARCH, [query, user_id, score, message_id, limit])
