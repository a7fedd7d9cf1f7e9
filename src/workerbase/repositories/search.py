"""SQL for full-text search over the caller's messages (SQLite FTS5, which D1 supports).

Ranking every match does not scale: `bm25()` counts, once per query, every row of the whole index that
holds each query word (its IDF), and sorting by it reads every match, so a common
two-word query took ~0.9 s of CPU at 1M messages, and a D1 database runs one query at a time. So
matches are ranked in blocks:

* FTS5 walks the caller's matches newest first (rowid descending) and SQLite stops after `BLOCK_SIZE`
  of them: a block. Within a block, best match first; blocks follow each other newest first, so every
  match stays reachable and a page costs one block (two where it crosses into the next), whatever the
  length of the history.
* The score has BM25's shape over one term and is computed from the message alone: the number of
  matched words in it (`highlight()` marks each), saturating, normalised by the text's length. Every
  query word counts alike (no IDF). Lower is better, as with `bm25()`.
* The cursor pins its block by rowid bounds and the score depends only on the message, so a walk never
  shows a message twice or skips one while messages are added (they belong to a newer search) or
  deleted; an edited message may move.
* Each user's messages have their own range of rowids (migration 0016: users.rowid * 2^24 + n), so the
  walk is bounded to the caller's range and FTS5 seeks straight into the caller's part of each word's
  list (kept in rowid order): other users' matches are never read, whatever their number, and the query
  names no owner. A word rare in the caller's messages costs as little as a word rare for everyone
  (bench/search_at_scale.py measures it). What still grows is within the caller's own history: a deeper
  block seeks further from the newest end of the caller's range. (A cursor handed out before 0016 holds
  rowids below every range: its walk ends, with an empty page.)
"""

from __future__ import annotations

from workerbase.ports import Statement
from workerbase.repositories.messages import MESSAGE_ROWID_SPAN

# Control characters mark the highlighted terms, so the service can HTML-escape the text around them.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_END = "\x03"

# Matches ranked together. A page costs a walk over one block and a highlight() and snippet() of each of
# its matches, two blocks where the page crosses into the next (bench/search_at_scale.py). At least the
# largest page (100), so no page crosses two block boundaries.
BLOCK_SIZE = 300

# The caller's range of message rowids (migration 0016), read once per statement (a users lookup by id):
# every walk over the index is bounded by it. No range (an unknown user) matches nothing.
_LOW = "(SELECT low FROM owner_range)"
_HIGH = "(SELECT high FROM owner_range)"
_OWNER_RANGE = (
    f"owner_range AS MATERIALIZED (SELECT rowid * {MESSAGE_ROWID_SPAN} AS low,"  # noqa: S608
    f" rowid * {MESSAGE_ROWID_SPAN} + {MESSAGE_ROWID_SPAN - 1} AS high FROM users WHERE id = ?2)"
)


# The helpers below only put this module's constants into SQL (hence the noqa on S608).


def _block(where: str, limit: str) -> str:
    """The caller's newest matches within `where` (rowid bounds): the text with every match marked (for
    the score) and the snippet, read in the one walk over the index that finds them. Materialized, so
    `highlight()` and `snippet()` run once per match however often the block is read. The user_id test
    repeats what the owner token already ensures (see `search_messages`)."""
    return (
        "SELECT messages_fts.rowid AS message_rowid, messages.id AS id, messages.chat_id AS chat_id,"  # noqa: S608
        " messages.role AS role, messages.created_at AS created_at,"
        " highlight(messages_fts, 0, char(2), char(3)) AS marked,"
        " snippet(messages_fts, 0, char(2), char(3), '…', 16) AS snippet"
        " FROM messages_fts JOIN messages ON messages.rowid = messages_fts.rowid"
        f" WHERE messages_fts MATCH ?1 AND {where} AND messages.user_id = ?2"
        f" ORDER BY messages_fts.rowid DESC LIMIT {limit}"
    )


def _scored(block: str, block_number: int, newest: str, oldest: str) -> str:
    """A block's matches with their score and the block's bounds. `hits` counts the opening marks; the
    length of the text (without the marks) is normalised by 400 characters; k1 = 1.2, b = 0.75."""
    return (
        f"SELECT {block_number} AS block, message_rowid, id, chat_id, role, created_at, snippet,"  # noqa: S608
        " -(2.2 * hits) / (hits + 1.2 * (0.25 + 0.75 * (length(marked) - 2 * hits) / 400.0)) AS score,"
        f" {newest} AS block_newest, {oldest} AS block_oldest"
        " FROM (SELECT *, length(marked) - length(replace(marked, char(2), '')) AS hits"
        f" FROM {block})"
    )


# ?1 FTS query (the words), ?2 user, ?3/?4 position after (score, id) in the block
# ?5/?6 (newest, oldest rowid; all NULL on the first page), ?7 rows wanted, ?8 block size. D1 binds
# numbers as REAL: FTS5 walks a rowid range with REAL bounds ~10x slower (bench/search_at_scale.py,
# 128 vs 12 ms a page past the first), hence the casts.
_SEARCH = (
    f"WITH {_OWNER_RANGE}, current_block AS MATERIALIZED ("  # noqa: S608
    + _block(
        f"messages_fts.rowid BETWEEN max(coalesce(CAST(?6 AS INTEGER), {_LOW}), {_LOW})"
        f" AND min(coalesce(CAST(?5 AS INTEGER), {_HIGH}), {_HIGH})",
        "?8",
    )
    + "), current_bounds AS MATERIALIZED ("
    " SELECT coalesce(CAST(?5 AS INTEGER), max(message_rowid)) AS newest,"
    " coalesce(CAST(?6 AS INTEGER), min(message_rowid)) AS oldest,"
    " count(*) AS found FROM current_block"
    "), remaining AS MATERIALIZED ("
    + _scored(
        "current_block", 0, "(SELECT newest FROM current_bounds)", "(SELECT oldest FROM current_bounds)"
    )
    + " WHERE ?3 IS NULL OR (score, id) > (?3, ?4) ORDER BY score, id LIMIT ?7"
    # The next block is read only as far as the page needs: not at all when the rest of this one fills
    # it, or when this is the first block and it is short (there are no older matches: no need to walk
    # the index again); one match when only the look-ahead row is missing (it tells that more follow
    # and is not shown); the whole block otherwise, to rank it.
    "), next_block AS MATERIALIZED ("
    + _block(
        f"messages_fts.rowid BETWEEN {_LOW} AND (SELECT oldest FROM current_bounds) - 1",  # noqa: S608
        "(SELECT CASE WHEN missing <= 0 OR (?6 IS NULL AND found < ?8) THEN 0 WHEN missing = 1 THEN 1"
        " ELSE ?8 END FROM current_bounds, (SELECT ?7 - count(*) AS missing FROM remaining))",
    )
    + ") SELECT * FROM remaining UNION ALL SELECT * FROM ("
    + _scored(
        "next_block",
        1,
        "(SELECT max(message_rowid) FROM next_block)",
        "(SELECT min(message_rowid) FROM next_block)",
    )
    + ") ORDER BY block, score, id LIMIT ?7"
)


def search_messages(
    phrases: list[str],
    user_id: str,
    after: tuple[float, str] | None,
    limit: int,
    block: tuple[int, int] | None = None,
    block_size: int = BLOCK_SIZE,
) -> Statement:
    """`phrases` are FTS5 string literals (already quoted); all must appear in the message's text.
    `after` is the last hit seen and `block` its block's (newest, oldest) rowids, from the last row of
    the previous page; without `block`, `after` is a position in the newest block."""
    query = " ".join(phrases)
    score, message_id = after if after is not None else (None, None)
    newest, oldest = block if block is not None else (None, None)
    return Statement(_SEARCH, [query, user_id, score, message_id, newest, oldest, limit, block_size])
