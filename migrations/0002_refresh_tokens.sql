-- Refresh tokens, stored only as SHA-256 hashes of the opaque values given to clients. One login starts
-- a family; each refresh spends the presented token (rotated_at) and adds its successor to the family.
-- Presenting a spent token after the grace window revokes the whole family (RFC 9700 section 4.14.2).
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    family_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    rotated_at TEXT,
    revoked_at TEXT
) WITHOUT ROWID;

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
