"""Full-text search over the text parts of the caller's messages. One D1 round trip."""

from __future__ import annotations

import html
import math
import re

from workerbase.errors import InvalidArgument
from workerbase.frozen import Frozen
from workerbase.pagination import InvalidCursor, decode_cursor, encode_cursor
from workerbase.ports import Database, run
from workerbase.repositories import search
from workerbase.repositories.search import HIGHLIGHT_END, HIGHLIGHT_START

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 16


class SearchPosition(Frozen):
    """Where a walk stopped: the last hit shown, and its block (newest and oldest message rowid)."""

    block_newest: int
    block_oldest: int
    score: float
    message_id: str

    def cursor(self) -> str:
        return encode_cursor(
            str(self.block_newest), str(self.block_oldest), repr(self.score), self.message_id
        )

    @classmethod
    def from_cursor(cls, cursor: str) -> SearchPosition:
        newest, oldest, score, message_id = decode_cursor(cursor, 4)
        try:
            position = cls(int(newest), int(oldest), float(score), message_id)
        except ValueError:
            raise InvalidCursor("malformed cursor") from None
        # Only what a page hands out: rowids D1 can bind (below 2^53), in order, and a finite score.
        if not (
            0 <= position.block_oldest <= position.block_newest < 2**53 and math.isfinite(position.score)
        ):
            raise InvalidCursor("malformed cursor")
        return position


class SearchHit(Frozen):
    message_id: str
    chat_id: str
    role: str
    created_at: str
    snippet_html: str  # HTML-escaped text with <mark> around the matched terms
    score: float


def fts_phrases(text: str) -> list[str]:
    """The user's words as FTS5 phrases, all required: FTS5's own syntax (quotes, NEAR, column filters,
    `*`) never comes from the user, so no query can be malformed."""
    words = _WORD.findall(text)[:MAX_TERMS]
    if not words:
        raise InvalidArgument("the search needs at least one word")
    return [f'"{word}"' for word in words]


def snippet_html(snippet: str) -> str:
    escaped = html.escape(snippet)
    return escaped.replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_END, "</mark>")


class SearchService:
    def __init__(self, db: Database, block_size: int = search.BLOCK_SIZE) -> None:
        self._db = db
        self._block_size = block_size  # tests rank in small blocks to see several

    async def messages(
        self, user_id: str, text: str, cursor: str | None, limit: int
    ) -> tuple[list[SearchHit], str | None]:
        """Best match first within blocks of the newest matches (`repositories.search` says why)."""
        position = SearchPosition.from_cursor(cursor) if cursor else None
        query = search.search_messages(
            fts_phrases(text),
            user_id,
            (position.score, position.message_id) if position else None,
            limit + 1,
            (position.block_newest, position.block_oldest) if position else None,
            self._block_size,
        )
        rows = (await run(self._db, query)).rows
        hits = [
            SearchHit(
                message_id=str(row["id"]),
                chat_id=str(row["chat_id"]),
                role=str(row["role"]),
                created_at=str(row["created_at"]),
                snippet_html=snippet_html(str(row["snippet"])),
                score=float(row["score"] or 0.0),
            )
            for row in rows
        ]
        if len(hits) <= limit:
            return hits, None
        last, block = hits[limit - 1], rows[limit - 1]
        newest, oldest = int(block["block_newest"] or 0), int(block["block_oldest"] or 0)
        return hits[:limit], SearchPosition(newest, oldest, last.score, last.message_id).cursor()
