"""Opens the local runtime's bindings in a state directory (gitignored `.workerbase/` by default):

d1.sqlite3   the D1 database, migrated from `migrations/` on open
kv.sqlite3   the KV namespace
r2/          the R2 bucket
durable/     Durable Objects, one SQLite file each (durable/chat_room/: the ChatRoom of each chat)
"""

from __future__ import annotations

from pathlib import Path

from workerbase.bindings.local.chat_rooms import LocalChatRooms
from workerbase.bindings.local.crypto import LocalCrypto
from workerbase.bindings.local.d1 import SqliteDatabase
from workerbase.bindings.local.http import HttpxClient
from workerbase.bindings.local.kv import SqliteKeyValue
from workerbase.bindings.local.migrations import apply_migrations
from workerbase.bindings.local.r2 import FileObjectStore
from workerbase.clock import utc_now
from workerbase.config import Settings
from workerbase.errors import ConfigurationError
from workerbase.models.openai_compatible import OpenAICompatibleModel
from workerbase.platform import Platform
from workerbase.ports import ChatModel
from workerbase.services.live_chat import reply_saver


def open_local_platform(
    state_dir: Path, migrations_dir: Path, settings: Settings
) -> tuple[Platform, list[str]]:
    """Open (creating if needed) the local bindings; return them and the migrations just applied."""
    state_dir.mkdir(parents=True, exist_ok=True)
    db = SqliteDatabase(state_dir / "d1.sqlite3")
    applied = apply_migrations(db.connection, migrations_dir)
    platform = Platform(
        settings=settings,
        db=db,
        cache=SqliteKeyValue(state_dir / "kv.sqlite3"),
        files=FileObjectStore(state_dir / "r2"),
        crypto=LocalCrypto(),
        chat_rooms=LocalChatRooms(
            state_dir / "durable" / "chat_room", local_model(settings), reply_saver(db, utc_now), utc_now
        ),
    )
    return platform, applied


def local_model(settings: Settings) -> ChatModel:
    models = settings.models
    if models.provider != "openai":
        raise ConfigurationError(
            "MODEL_PROVIDER=workers-ai needs the Workers AI binding: use it under `pywrangler dev` or"
            " deployed; locally, point MODEL_BASE_URL at an OpenAI-compatible server (e.g. Ollama)"
        )
    return OpenAICompatibleModel(
        HttpxClient(), models.base_url, models.api_key, timeout_seconds=models.timeout_seconds
    )
