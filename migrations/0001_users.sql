-- Accounts. Every user-owned table references users(id) ON DELETE CASCADE, so deleting a user removes
-- everything they own in one statement.
-- Timestamps are ISO-8601 UTC strings with milliseconds ('2026-11-23T12:00:00.000Z'): they sort as text,
-- read well in `wrangler d1 execute`, and match the API's JSON.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL,
    name TEXT,
    role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    -- pbkdf2_sha256$<iterations>$<salt>$<hash> (Django's format) or pbkdf2_sha256_hmac$... (peppered)
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Emails are stored normalised (trimmed, lower-cased) by the service; uniqueness is case-insensitive anyway.
CREATE UNIQUE INDEX users_email_unique ON users (email COLLATE NOCASE);
CREATE INDEX users_created_at ON users (created_at, id);
