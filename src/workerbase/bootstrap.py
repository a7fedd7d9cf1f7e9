"""The composition root: every service is built here, from a Platform (settings and bindings) and a
clock. The API dependencies (`api/deps.py`), the maintenance, the chat room objects and both runtimes'
shells (`src/entry.py`, `workerbase.local`) all get their services from this module, so adding a
service is one property of `Services`.

`Services` builds each service on first use: a request pays only for the ones it touches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from workerbase.clock import utc_now
from workerbase.durable.chat_room import ChatRoom
from workerbase.errors import ConfigurationError
from workerbase.platform import Platform
from workerbase.ports import (
    ChatModel,
    DurableStorage,
    Emit,
    GenerationJob,
    Outcome,
    QueueMessage,
    RoomSockets,
)
from workerbase.providers.openai_compatible import OpenAICompatibleModel
from workerbase.services.api_keys import ApiKeyService
from workerbase.services.auth import AuthService
from workerbase.services.chats import ChatService
from workerbase.services.documents import DocumentService
from workerbase.services.files import FileService
from workerbase.services.ingestion import IngestionService
from workerbase.services.knowledge_bases import KnowledgeBaseService
from workerbase.services.live_chat import LiveChatService, store_reply
from workerbase.services.live_events import LiveEvents
from workerbase.services.maintenance import Maintenance
from workerbase.services.messages import MessageService
from workerbase.services.model_input import ModelInput
from workerbase.services.replies import ReplyGenerator
from workerbase.services.retrieval import RetrievalService
from workerbase.services.search import SearchService
from workerbase.services.tools import Tool, Toolbox
from workerbase.services.votes import VoteService
from workerbase.services.ws_tickets import TicketSigner

Clock = Callable[[], datetime]
# Builds a chat's room object over its storage and sockets (the runtime hosts it).
ChatRoomFactory = Callable[[DurableStorage, RoomSockets], ChatRoom]


class Services:
    """The services of one unit of work (a request, a maintenance run, a stored reply), all at one
    reading of the clock."""

    def __init__(self, platform: Platform, now: datetime) -> None:
        self.platform = platform
        self.now = now

    @cached_property
    def auth(self) -> AuthService:
        p = self.platform
        return AuthService(p.db, p.crypto, p.settings.auth, self.now)

    @cached_property
    def api_keys(self) -> ApiKeyService:
        return ApiKeyService(self.platform.db, self.platform.crypto, self.now)

    @cached_property
    def chats(self) -> ChatService:
        return ChatService(self.platform.db, self.now)

    @cached_property
    def messages(self) -> MessageService:
        return MessageService(self.platform.db, self.now)

    @cached_property
    def votes(self) -> VoteService:
        return VoteService(self.platform.db, self.now)

    @cached_property
    def search(self) -> SearchService:
        return SearchService(self.platform.db)

    @cached_property
    def documents(self) -> DocumentService:
        return DocumentService(self.platform.db, self.now)

    @cached_property
    def files(self) -> FileService:
        p = self.platform
        return FileService(p.db, p.files, p.crypto, p.settings, self.now)

    @cached_property
    def knowledge_bases(self) -> KnowledgeBaseService:
        return KnowledgeBaseService(self.platform.db, self.now)

    @cached_property
    def ingestion(self) -> IngestionService:
        p = self.platform
        knowledge = p.settings.knowledge
        return IngestionService(
            p.db,
            p.ingest_queue,
            p.embedder,
            p.vectors,
            self.files,
            self.now,
            chunk_chars=knowledge.chunk_chars,
            overlap_chars=knowledge.overlap_chars,
        )

    @cached_property
    def retrieval(self) -> RetrievalService:
        p = self.platform
        return RetrievalService(p.db, p.embedder, p.vectors)

    @cached_property
    def live_chat(self) -> LiveChatService:
        p = self.platform
        return LiveChatService(p.db, p.chat_rooms, p.settings, self.now)

    @cached_property
    def live_events(self) -> LiveEvents:
        return LiveEvents(self.platform.chat_rooms)

    @cached_property
    def maintenance(self) -> Maintenance:
        return Maintenance(self.platform.db, self.files, self.ingestion, self.now)

    @cached_property
    def tickets(self) -> TicketSigner:
        return TicketSigner(self.platform.crypto, self.platform.settings.auth.jwt_secrets)


def chat_model(platform: Platform) -> ChatModel:
    """The model provider the settings name (`MODEL_PROVIDER`)."""
    models = platform.settings.models
    if models.provider == "workers-ai":
        if platform.workers_ai is None:
            raise ConfigurationError(
                "MODEL_PROVIDER=workers-ai needs the Workers AI binding: use it under `pywrangler dev` or"
                " deployed; locally, point MODEL_BASE_URL at an OpenAI-compatible server (e.g. Ollama)"
            )
        return platform.workers_ai
    return OpenAICompatibleModel(
        platform.http, models.base_url, models.api_key, timeout_seconds=models.timeout_seconds
    )


def toolbox(platform: Platform, services: Services) -> Toolbox:
    """The server-side tools the settings enable (`CHAT_TOOLS`)."""
    models = platform.settings.models
    if not models.tools:
        return Toolbox([])
    # Imported when used: their inputs are pydantic models, and the room also runs where pydantic is
    # not (the Pyodide suite; tests/unit/test_layers.py).
    from workerbase.services.tools.documents import CreateDocument, RequestSuggestions, UpdateDocument
    from workerbase.services.tools.weather import GetWeather

    built: dict[str, Tool] = {
        "createDocument": CreateDocument(services.documents),
        "updateDocument": UpdateDocument(services.documents),
        "requestSuggestions": RequestSuggestions(services.documents),
        "getWeather": GetWeather(platform.http, models.weather_api_url),
    }
    return Toolbox([built[name] for name in models.tools], models.approval_tools)


def chat_room_factory(platform: Platform, clock: Clock = utc_now) -> ChatRoomFactory:
    """How a runtime builds a chat's room: replies written by the settings' model with the enabled tools
    and the user's files, stored through the messages service at the time they end."""
    model = chat_model(platform)
    models = platform.settings.models

    async def respond(job: GenerationJob, emit: Emit) -> Outcome:
        services = Services(platform, clock())

        async def read_file(file_id: str) -> tuple[str, str, bytes] | None:
            found = await services.files.read(job.user_id, file_id)
            return None if found is None else (found[0].filename, found[0].content_type, found[1])

        model_input = ModelInput(read_file, models.context_tokens)
        writer = ReplyGenerator(
            model, model_input, toolbox(platform, services), models.max_steps, services.retrieval
        )
        return await writer.respond(job, emit)

    async def save_reply(job: GenerationJob, parts: list[dict[str, Any]], outcome: Outcome) -> None:
        now = clock()
        await store_reply(Services(platform, now).messages, job, parts, outcome, now)

    def build(storage: DurableStorage, sockets: RoomSockets) -> ChatRoom:
        return ChatRoom(storage, sockets, respond, save_reply, clock)

    return build


async def consume_queue_message(platform: Platform, message: QueueMessage, now: datetime) -> None:
    """What the Worker's `queue` handler (and the local runtime's consumer) runs for each message."""
    await Services(platform, now).ingestion.consume(message)


async def run_maintenance(platform: Platform, now: datetime) -> int:
    """What the Worker's cron trigger (and the local runtime's timer) runs: `services/maintenance.py`."""
    return await Services(platform, now).maintenance.run()
