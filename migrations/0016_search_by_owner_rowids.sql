-- Each user's messages get their own range of rowids, so a search seeks straight into the caller's part
-- of each word's list in the index (FTS5 keeps a word's list in rowid order) and never walks past other
-- users' matches. Before, the index held each message's owner as a token (`search_owner`, migration
-- 0009) and FTS5 intersected it with the words wherever other users' messages interleaved with the
-- caller's: a word rare for the caller but common for someone else cost as much as its matches in the
-- other user's messages.
--
-- A message's rowid is users.rowid * 2^24 + n, n = 1, 2, 3... in the order the user's messages were
-- stored (so rowid order is still newest last within a user). Capacity, all below 2^53 (D1 binds numbers
-- as doubles, and the search cursor carries rowids): 2^29 - 1 = 536,870,911 user rowids and 2^24 - 1 =
-- 16,777,215 messages per user over its lifetime (a D1 database holds 10 GB: fewer messages than that
-- in all). `repositories/messages.py` assigns it in the INSERT; the trigger below refuses any other.
-- users.rowid is an implicit rowid: a migration that rebuilds `users` must keep it (as 0015 kept the
-- messages' rowids), and VACUUM keeps it (as it keeps the messages' rowids the index already relies on).
--
-- Steps: the index and its triggers go (they name `search_owner`), then the generated column; the
-- messages are renumbered in two passes (negated first, so no new rowid meets an old one that has not
-- moved yet, however many messages there are; updating a rowid changes no key another table refers to:
-- votes refer to (user_id, id)), and the index is rebuilt from the messages, without the owner column.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

ALTER TABLE messages DROP COLUMN search_owner;

UPDATE messages SET rowid = -rowid;

UPDATE messages SET rowid = renumbered.new_rowid
FROM (
    SELECT
        messages.rowid AS old_rowid,
        users.rowid * 16777216
            + row_number() OVER (PARTITION BY messages.user_id ORDER BY messages.rowid DESC) AS new_rowid
    FROM messages JOIN users ON users.id = messages.user_id
) AS renumbered
WHERE messages.rowid = renumbered.old_rowid;

-- A message stored outside its owner's range (an INSERT that does not assign the rowid, a user whose range
-- is full, a users.rowid past the capacity) would be missing from their searches: refused instead. A new
-- user who gets a deleted user's rowid (SQLite reuses the largest one) gets a free range: the deleted
-- user's messages went with them (ON DELETE CASCADE).
CREATE TRIGGER messages_rowid_in_owner_range BEFORE INSERT ON messages
WHEN NOT coalesce(
    (SELECT NEW.rowid > rowid * 16777216 AND NEW.rowid < rowid * 16777216 + 16777216
        AND NEW.rowid < 9007199254740992 FROM users WHERE id = NEW.user_id),
    1
)
BEGIN
    SELECT RAISE(ABORT, 'message_rowid_out_of_range');
END;

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

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
