-- Messages in the AI SDK's UIMessage shape: {id, role, parts: [...], metadata?}. Ids come from the
-- client; `seq` orders a chat's messages. `content_text` is the text of the text parts, kept for search.
CREATE TABLE messages (
    id TEXT PRIMARY KEY NOT NULL,
    chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    parts TEXT NOT NULL CHECK (json_valid(parts)),
    metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    content_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (chat_id, seq)
);

-- Re-posting a message id is idempotent only with the same content: anything else aborts the whole
-- batch (so a list of messages is all-or-nothing). Identical re-posts fall through to ON CONFLICT DO
-- NOTHING in the insert.
CREATE TRIGGER messages_reject_conflicting_repost BEFORE INSERT ON messages
WHEN EXISTS (
    SELECT 1 FROM messages WHERE id = NEW.id
    AND (chat_id <> NEW.chat_id OR role <> NEW.role OR parts <> NEW.parts OR metadata IS NOT NEW.metadata)
)
BEGIN
    SELECT RAISE(ABORT, 'message_id_conflict');
END;

-- Full-text search over the text parts (an external-content FTS5 index kept in step by triggers).
CREATE VIRTUAL TABLE messages_fts USING fts5 (content_text, content = 'messages', content_rowid = 'rowid');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content_text) VALUES (NEW.rowid, NEW.content_text);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content_text) VALUES ('delete', OLD.rowid, OLD.content_text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content_text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content_text) VALUES ('delete', OLD.rowid, OLD.content_text);
    INSERT INTO messages_fts (rowid, content_text) VALUES (NEW.rowid, NEW.content_text);
END;
