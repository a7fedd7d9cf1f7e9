-- Search used to match the words across every user's messages and only then keep the caller's, so a
-- common word cost as much as its matches in the whole database. The index now also holds each
-- message's owner as one token (`search_owner`, the user id without dashes, so the tokenizer keeps it
-- whole) and a search asks FTS5 for "this owner AND these words": FTS5 intersects the two posting lists
-- and never looks at other users' matches.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

ALTER TABLE messages ADD COLUMN search_owner TEXT GENERATED ALWAYS AS (replace(user_id, '-', '')) VIRTUAL;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content_text, search_owner, content = 'messages', content_rowid = 'rowid'
);

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

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
