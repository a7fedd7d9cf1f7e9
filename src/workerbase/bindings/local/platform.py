"""Opens the local runtime's bindings in a state directory (gitignored `.workerbase/` by default):

d1.sqlite3   the D1 database, migrated from `migrations/` on open
kv.sqlite3   the KV namespace
r2/          the R2 bucket
durable/     Durable Objects, one SQLite file each (durable/chat_room/: the ChatRoom of each chat)
vectorize.sqlite3  the vector index (of the embedding model's dimensions: another model needs a re-embed)
queues.sqlite3     the ingest queue and its dead-letter queue (consumed in-process: `workerbase.local`)

The chat rooms are opened empty-handed: the composition root says how to build one
(`workerbase.local.open_local_runtime`).
"""

from __future__ import annotations

from pathlib import Path

from workerbase.bindings.local.chat_rooms import LocalChatRooms
from workerbase.bindings.local.crypto import LocalCrypto
from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.bindings.local.embeddings import LocalEmbedder
from workerbase.bindings.local.http import HttpxClient
from workerbase.bindings.local.kv import SqliteKeyValue
from workerbase.bindings.local.migrations import apply_migrations
from workerbase.bindings.local.queues import SqliteQueue
from workerbase.bindings.local.r2 import FileObjectStore
from workerbase.bindings.local.vectors import SqliteVectorIndex
from workerbase.clock import utc_now
from workerbase.config import Settings
from workerbase.platform import Platform
from workerbase.providers.openai_embeddings import chosen_embedder

# As wrangler.toml names and configures the ingest queue's consumer.
INGEST_QUEUE = "workerbase-ingest"
INGEST_RETRIES = 3


def open_local_platform(
    state_dir: Path, migrations_dir: Path, settings: Settings
) -> tuple[Platform, LocalChatRooms, list[str]]:
    """Open (creating if needed) the local bindings; return them, their chat rooms (to be hosted) and the
    migrations just applied."""
    state_dir.mkdir(parents=True, exist_ok=True)
    db = SqliteDatabase(state_dir / "d1.sqlite3")
    applied = apply_migrations(db.connection, migrations_dir)
    rooms = LocalChatRooms(state_dir / "durable" / "chat_room", utc_now)
    http = HttpxClient()
    embedder = chosen_embedder(settings, http, LocalEmbedder)
    platform = Platform(
        settings=settings,
        db=db,
        files=FileObjectStore(state_dir / "r2"),
        kv=SqliteKeyValue(state_dir / "kv.sqlite3"),
        crypto=LocalCrypto(),
        http=http,
        chat_rooms=rooms,
        embedder=embedder,
        vectors=SqliteVectorIndex(state_dir / "vectorize.sqlite3", embedder.dimensions),
        ingest_queue=SqliteQueue(state_dir / "queues.sqlite3", INGEST_QUEUE, max_retries=INGEST_RETRIES),
    )
    return platform, rooms, applied
