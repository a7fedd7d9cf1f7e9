-- Knowledge sources and their chunks (issue 14). A source is a file, a document or a chat added to a
-- knowledge base; ingestion (a queue consumer) reads its text, splits it into chunks and embeds them.
-- D1 holds the chunks' text (the source of truth, and what full-text search reads); the vector index
-- holds their vectors under the same ids. Ids are the server's.
CREATE TABLE knowledge_sources (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    knowledge_base_id TEXT NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('file', 'document', 'chat')),
    ref_id TEXT NOT NULL, -- the file's, document's or chat's id (the owner's)
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'ready', 'failed')),
    error TEXT, -- why it failed
    progress REAL NOT NULL DEFAULT 0, -- 0 .. 1 while processing
    chunk_count INTEGER NOT NULL DEFAULT 0,
    -- Each ingestion of the source: a message of an older one (a redelivery after a re-ingest) is ignored.
    generation INTEGER NOT NULL DEFAULT 1,
    embedding_model TEXT, -- the model of its vectors, once ready
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (knowledge_base_id, kind, ref_id)
);

-- A knowledge base's sources, newest first; the user's (deleting a user, and the sources of a file or
-- chat when it is deleted).
CREATE INDEX knowledge_sources_by_base ON knowledge_sources (knowledge_base_id, created_at, id);
CREATE INDEX knowledge_sources_by_user ON knowledge_sources (user_id, kind, ref_id);

CREATE TABLE knowledge_chunks (
    id TEXT PRIMARY KEY NOT NULL, -- deterministic: the source, its generation and the chunk's position
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_id TEXT NOT NULL REFERENCES knowledge_sources (id) ON DELETE CASCADE,
    knowledge_base_id TEXT NOT NULL,
    position INTEGER NOT NULL, -- 0, 1, 2... in the source
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX knowledge_chunks_by_source ON knowledge_chunks (source_id, position);

-- Each user's chunks get their own range of rowids, as their messages do (migration 0016): users.rowid *
-- 2^24 + n, assigned by the INSERT (`repositories/knowledge_sources.py`). Full-text search then reads
-- only the caller's part of each word's list in the index. A chunk outside its owner's range is refused.
CREATE TRIGGER knowledge_chunks_rowid_in_owner_range BEFORE INSERT ON knowledge_chunks
WHEN NOT coalesce(
    (SELECT NEW.rowid > rowid * 16777216 AND NEW.rowid < rowid * 16777216 + 16777216
        AND NEW.rowid < 9007199254740992 FROM users WHERE id = NEW.user_id),
    1
)
BEGIN
    SELECT RAISE(ABORT, 'chunk_rowid_out_of_range');
END;
CREATE INDEX knowledge_chunks_by_user ON knowledge_chunks (user_id);

CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5 (
    text, content = 'knowledge_chunks', content_rowid = 'rowid', tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER knowledge_chunks_fts_insert AFTER INSERT ON knowledge_chunks BEGIN
    INSERT INTO knowledge_chunks_fts (rowid, text) VALUES (NEW.rowid, NEW.text);
END;

-- A chunk written again with new text (a redelivered ingestion of a changed source).
CREATE TRIGGER knowledge_chunks_fts_update AFTER UPDATE OF text ON knowledge_chunks BEGIN
    INSERT INTO knowledge_chunks_fts (knowledge_chunks_fts, rowid, text) VALUES ('delete', OLD.rowid, OLD.text);
    INSERT INTO knowledge_chunks_fts (rowid, text) VALUES (NEW.rowid, NEW.text);
END;

-- A chunk deleted by any path (its source removed, its knowledge base, file, chat or user deleted, a
-- re-ingest) leaves its id for the vector index's clean-up: Vectorize is not in D1's transaction.
CREATE TABLE vector_deletions (
    chunk_id TEXT PRIMARY KEY NOT NULL,
    queued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TRIGGER knowledge_chunks_deleted AFTER DELETE ON knowledge_chunks BEGIN
    INSERT INTO knowledge_chunks_fts (knowledge_chunks_fts, rowid, text) VALUES ('delete', OLD.rowid, OLD.text);
    INSERT OR IGNORE INTO vector_deletions (chunk_id) VALUES (OLD.id);
END;

-- A chunk written again under its id (a redelivered ingestion) is no longer to be deleted.
CREATE TRIGGER knowledge_chunks_rewritten AFTER INSERT ON knowledge_chunks BEGIN
    DELETE FROM vector_deletions WHERE chunk_id = NEW.id;
END;

-- A deleted file or chat takes its sources (and so their chunks) with it.
CREATE TRIGGER files_deleted_sources AFTER DELETE ON files BEGIN
    DELETE FROM knowledge_sources WHERE user_id = OLD.user_id AND kind = 'file' AND ref_id = OLD.id;
END;

CREATE TRIGGER chats_deleted_sources AFTER DELETE ON chats BEGIN
    DELETE FROM knowledge_sources WHERE user_id = OLD.user_id AND kind = 'chat' AND ref_id = OLD.id;
END;
