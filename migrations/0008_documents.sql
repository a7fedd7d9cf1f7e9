-- Versioned artifacts (the ai-chatbot's Document): posting the same id again adds a version.
CREATE TABLE documents (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('text', 'code', 'sheet', 'image')),
    title TEXT NOT NULL,
    content TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;

CREATE INDEX documents_by_user ON documents (user_id, id);

-- Edit suggestions on one version of a document.
CREATE TABLE suggestions (
    id TEXT PRIMARY KEY NOT NULL,
    document_id TEXT NOT NULL,
    document_version INTEGER NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    original_text TEXT NOT NULL,
    suggested_text TEXT NOT NULL,
    description TEXT,
    resolved INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    created_at TEXT NOT NULL,
    FOREIGN KEY (document_id, document_version) REFERENCES documents (id, version) ON DELETE CASCADE
);

CREATE INDEX suggestions_by_document ON suggestions (document_id, document_version, created_at);
