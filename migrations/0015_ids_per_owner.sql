-- Client ids (chats, messages, documents) are scoped per owner: two users may use the same id, and
-- another user's id neither conflicts nor tells anything (it was a 409 before, an existence oracle, and a
-- collision for imported data). Every key that held such an id alone now leads with its owner.
--
-- SQLite cannot change a primary key in place, so each table is rebuilt: the new table is created beside
-- the old, every row copied (messages keep their rowids, so the external-content search index
-- messages_fts stays valid without a rebuild), the old tables dropped children first, and the new ones
-- renamed into place (SQLite rewrites the other tables' REFERENCES to follow). No foreign key is ever
-- broken on the way; the deferral only covers the moment between the drops and the renames. Dropping a
-- parent before its children would cascade-delete them (DROP TABLE runs an implicit DELETE that takes
-- foreign-key actions), which is why the order matters. DROP TABLE fires no triggers, so the old search
-- triggers do not touch the index as the old messages go; they go with their table and are recreated.
PRAGMA defer_foreign_keys = true;

CREATE TABLE chats_by_owner (
    id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
);

CREATE TABLE messages_by_owner (
    id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    parts TEXT NOT NULL CHECK (json_valid(parts)),
    metadata TEXT CHECK (metadata IS NULL OR json_valid(metadata)),
    content_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    search_owner TEXT GENERATED ALWAYS AS (replace(user_id, '-', '')) VIRTUAL,
    PRIMARY KEY (user_id, id),
    UNIQUE (user_id, chat_id, seq),
    FOREIGN KEY (user_id, chat_id) REFERENCES chats_by_owner (user_id, id) ON DELETE CASCADE
);

CREATE TABLE votes_by_owner (
    message_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    chat_id TEXT NOT NULL,
    value TEXT NOT NULL CHECK (value IN ('up', 'down')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, message_id),
    FOREIGN KEY (user_id, message_id) REFERENCES messages_by_owner (user_id, id) ON DELETE CASCADE,
    FOREIGN KEY (user_id, chat_id) REFERENCES chats_by_owner (user_id, id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE documents_by_owner (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'code', 'sheet', 'image')),
    title TEXT NOT NULL,
    content TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, id, version)
) WITHOUT ROWID;

-- Suggestion ids are the server's (UUIDs): they stay unique on their own.
CREATE TABLE suggestions_by_owner (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL,
    document_version INTEGER NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    original_text TEXT NOT NULL,
    suggested_text TEXT NOT NULL,
    description TEXT,
    resolved INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    created_at TEXT NOT NULL,
    FOREIGN KEY (user_id, document_id, document_version)
        REFERENCES documents_by_owner (user_id, id, version) ON DELETE CASCADE
);

INSERT INTO chats_by_owner (
    id, user_id, title, visibility, metadata, archived, pinned, created_at, updated_at, last_activity_at
)
SELECT id, user_id, title, visibility, metadata, archived, pinned, created_at, updated_at, last_activity_at
FROM chats;

INSERT INTO messages_by_owner (
    rowid, id, chat_id, user_id, seq, role, parts, metadata, content_text, created_at, updated_at
)
SELECT rowid, id, chat_id, user_id, seq, role, parts, metadata, content_text, created_at, updated_at
FROM messages;

INSERT INTO votes_by_owner (message_id, user_id, chat_id, value, created_at, updated_at)
SELECT message_id, user_id, chat_id, value, created_at, updated_at FROM votes;

INSERT INTO documents_by_owner (id, version, user_id, kind, title, content, created_at)
SELECT id, version, user_id, kind, title, content, created_at FROM documents;

INSERT INTO suggestions_by_owner (
    id, document_id, document_version, user_id, original_text, suggested_text, description, resolved,
    created_at
)
SELECT
    id, document_id, document_version, user_id, original_text, suggested_text, description, resolved,
    created_at
FROM suggestions;

DROP TABLE votes;
DROP TABLE suggestions;
DROP TABLE messages;
DROP TABLE documents;
DROP TABLE chats;

ALTER TABLE chats_by_owner RENAME TO chats;
ALTER TABLE messages_by_owner RENAME TO messages;
ALTER TABLE votes_by_owner RENAME TO votes;
ALTER TABLE documents_by_owner RENAME TO documents;
ALTER TABLE suggestions_by_owner RENAME TO suggestions;

-- The chat list: one user's chats, archived or not, newest activity first, (last_activity_at, id) unique.
CREATE INDEX chats_by_activity ON chats (user_id, archived, last_activity_at, id);
-- A public chat is read by its id alone (`/v1/public/chats/{id}`), so public ids stay unique: making a
-- chat public under an id another user's public chat has is refused (that tells only what anyone can
-- read already).
CREATE UNIQUE INDEX public_chats_by_id ON chats (id) WHERE visibility = 'public';
CREATE INDEX votes_by_chat ON votes (user_id, chat_id);
CREATE INDEX suggestions_by_document ON suggestions (user_id, document_id, document_version, created_at);

-- Re-posting a message id is idempotent only with the same content: anything else aborts the whole
-- batch (so a list of messages is all-or-nothing). Identical re-posts fall through to ON CONFLICT DO
-- NOTHING in the insert. Per owner, like the id.
CREATE TRIGGER messages_reject_conflicting_repost BEFORE INSERT ON messages
WHEN EXISTS (
    SELECT 1 FROM messages WHERE user_id = NEW.user_id AND id = NEW.id
    AND (chat_id <> NEW.chat_id OR role <> NEW.role OR parts <> NEW.parts OR metadata IS NOT NEW.metadata)
)
BEGIN
    SELECT RAISE(ABORT, 'message_id_conflict');
END;

-- The search index follows the messages (as in migration 0009).
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content_text, search_owner)
    VALUES (NEW.rowid, NEW.content_text, NEW.search_owner);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content_text, search_owner)
    VALUES ('delete', OLD.rowid, OLD.content_text, OLD.search_owner);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content_text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content_text, search_owner)
    VALUES ('delete', OLD.rowid, OLD.content_text, OLD.search_owner);
    INSERT INTO messages_fts (rowid, content_text, search_owner)
    VALUES (NEW.rowid, NEW.content_text, NEW.search_owner);
END;
