"""The records services work with: what a row holds (a user, a chat, a message...), as plain values.

Repositories read and write them (`repositories/rows.py` decodes rows into them), services return them
and routes turn them into responses, so they live below all three. Timestamps are the stored ISO-8601
UTC strings (`clock.iso`), which the API returns as they are.

No `from __future__ import annotations` here: `RecordRows` reads the fields' types at import, and
annotations left as strings would have to be evaluated (`typing.get_type_hints`, ~10x the time).
"""

from typing import Any

from workerbase.frozen import Frozen


class UserRecord(Frozen):
    id: str
    email: str
    name: str | None
    role: str  # `guest` for guest accounts (their `role` column says `user`; see repositories/accounts)
    password_hash: str
    created_at: str
    updated_at: str


class ApiKeyRecord(Frozen):
    id: str
    user_id: str
    name: str
    prefix: str
    scopes: tuple[str, ...]
    created_at: str
    expires_at: str | None


class KeyPrincipal(Frozen):
    """Who a live API key acts for: its owner, with the owner's role, and the key's scopes."""

    user_id: str
    role: str
    scopes: tuple[str, ...]


class ChatRecord(Frozen):
    id: str
    user_id: str
    title: str
    visibility: str
    metadata: dict[str, Any]
    archived: bool
    pinned: bool
    created_at: str
    updated_at: str
    last_activity_at: str
    system_prompt: str = ""


class MessageRecord(Frozen):
    id: str
    chat_id: str
    user_id: str  # the chat's owner
    seq: int
    role: str
    parts: list[dict[str, Any]]
    metadata: dict[str, Any] | None
    created_at: str
    updated_at: str


class DocumentRecord(Frozen):
    id: str
    version: int
    kind: str
    title: str
    content: str | None
    created_at: str


class SuggestionRecord(Frozen):
    id: str
    document_id: str
    document_version: int
    original_text: str
    suggested_text: str
    description: str | None
    resolved: bool
    created_at: str


class FileRecord(Frozen):
    id: str
    user_id: str
    object_key: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: str


class KnowledgeBaseRecord(Frozen):
    id: str
    user_id: str
    name: str
    description: str  # '' when none was given
    created_at: str
    updated_at: str


class KnowledgeSourceRecord(Frozen):
    id: str
    user_id: str
    knowledge_base_id: str
    kind: str  # file | document | chat
    ref_id: str  # the file's, document's or chat's id
    title: str
    status: str  # queued | processing | ready | failed
    error: str | None
    progress: float  # 0 .. 1
    chunk_count: int
    generation: int  # each ingestion of the source
    embedding_model: str | None
    created_at: str
    updated_at: str


class KnowledgeChunkRecord(Frozen):
    id: str
    user_id: str
    source_id: str
    knowledge_base_id: str
    position: int
    text: str
    created_at: str
