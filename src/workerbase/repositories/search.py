"""SQL for full-text search over the caller's messages (SQLite FTS5, which D1 supports)."""

from __future__ import annotations

from workerbase.ports import Statement

# Control characters mark the highlighted terms, so the service can HTML-escape the text around them.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

# ?1 FTS query, ?2 user, ?3/?4 position after (score, id) or NULLs, ?5 limit. Best match first
# (bm25: lower is better), the message id breaking ties.
_SEARCH = (
    "SELECT messages.id AS id, messages.chat_id AS chat_id, messages.role AS role,"
    " messages.created_at AS created_at,"
    " snippet(messages_fts, 0, char(2), char(3), '…', 16) AS snippet, bm25(messages_fts) AS score"
    " FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
    " WHERE messages_fts MATCH ?1 AND messages.user_id = ?2"
    " AND (?3 IS NULL OR (bm25(messages_fts), messages.id) > (?3, ?4))"
    " ORDER BY score, messages.id LIMIT ?5"
)


def search_messages(fts_query: str, user_id: str, after: tuple[float, str] | None, limit: int) -> Statement:
    score, message_id = after if after is not None else (None, None)
    return Statement(_SEARCH, [fts_query, user_id, score, message_id, limit])
