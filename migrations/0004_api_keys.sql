-- API keys for bots and servers: accepted as Bearer tokens. Stored as SHA-256 hashes; the key itself is
-- shown once, at creation. `scopes` is 'read' or 'read write'.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL CHECK (scopes IN ('read', 'read write')),
    created_at TEXT NOT NULL,
    expires_at TEXT
);

CREATE INDEX api_keys_user ON api_keys (user_id, created_at, id);
