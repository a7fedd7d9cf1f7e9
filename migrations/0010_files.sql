-- Files: bytes in R2 under a server-chosen key, everything else here. A row exists only once its object
-- is fully written, so a listed file is always downloadable.
CREATE TABLE files (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    object_key TEXT NOT NULL UNIQUE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL CHECK (size > 0),
    sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The file list: one user's files, newest first, (created_at, id) unique.
CREATE INDEX files_by_user ON files (user_id, created_at, id);

-- R2 objects that no file row owns: an upload under way (its bytes reserved against the quota until
-- the file row replaces this one) or an object to delete (a deleted file's, or an upload's that did not
-- finish within an hour: the clean-up turns those into deletes first, and a file is only filed from an
-- 'upload' row, so a late upload can never file an object being deleted). No foreign key on user_id:
-- these rows must outlive the user whose objects they name.
CREATE TABLE pending_objects (
    object_key TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('upload', 'delete')),
    bytes INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX pending_objects_by_age ON pending_objects (reason, created_at);
CREATE INDEX pending_objects_by_user ON pending_objects (user_id, reason);

-- Each user's stored bytes and bytes reserved by uploads under way, kept by the triggers below in the
-- same transaction as the rows they count, so a quota check reads one row.
CREATE TABLE storage_usage (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    reserved_bytes INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER files_count_stored AFTER INSERT ON files BEGIN
    INSERT INTO storage_usage (user_id, stored_bytes) VALUES (NEW.user_id, NEW.size)
    ON CONFLICT (user_id) DO UPDATE SET stored_bytes = stored_bytes + excluded.stored_bytes;
END;

-- Whichever way a file row goes (its own DELETE, or its user's deletion cascading), its object is queued
-- for removal in the same transaction: nothing can forget an object.
CREATE TRIGGER files_queue_object_removal AFTER DELETE ON files BEGIN
    UPDATE storage_usage SET stored_bytes = stored_bytes - OLD.size WHERE user_id = OLD.user_id;
    INSERT INTO pending_objects (object_key, user_id, reason, bytes, created_at)
    VALUES (OLD.object_key, OLD.user_id, 'delete', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ON CONFLICT (object_key) DO NOTHING;
END;

CREATE TRIGGER pending_uploads_reserve AFTER INSERT ON pending_objects WHEN NEW.reason = 'upload' BEGIN
    INSERT INTO storage_usage (user_id, reserved_bytes) VALUES (NEW.user_id, NEW.bytes)
    ON CONFLICT (user_id) DO UPDATE SET reserved_bytes = reserved_bytes + excluded.reserved_bytes;
END;

-- A reservation ends when its file is filed (the row is deleted) or when the clean-up gives up on it
-- (the row becomes a 'delete').
CREATE TRIGGER pending_uploads_release AFTER DELETE ON pending_objects WHEN OLD.reason = 'upload' BEGIN
    UPDATE storage_usage SET reserved_bytes = reserved_bytes - OLD.bytes WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER pending_uploads_abandon AFTER UPDATE OF reason ON pending_objects
WHEN OLD.reason = 'upload' AND NEW.reason = 'delete' BEGIN
    UPDATE storage_usage SET reserved_bytes = reserved_bytes - OLD.bytes WHERE user_id = OLD.user_id;
END;
