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

from workerbase.clock import utc_now
from workerbase.durable.chat_room import ChatRoom
from workerbase.errors import ConfigurationError
from workerbase.platform import Platform
from workerbase.ports import ChatModel, DurableStorage, GenerationJob, Outcome, RoomSockets
from workerbase.providers.openai_compatible import OpenAICompatibleModel
from workerbase.services.api_keys import ApiKeyService
from workerbase.services.auth import AuthService
from workerbase.services.chats import ChatService
from workerbase.services.documents import DocumentService
from workerbase.services.files import FileService
from workerbase.services.knowledge_bases import KnowledgeBaseService
from workerbase.services.live_chat import LiveChatService, store_reply
from workerbase.services.live_events import LiveEvents
from workerbase.services.maintenance import Maintenance
from workerbase.services.messages import MessageService
from workerbase.services.search import SearchService
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
    def live_chat(self) -> LiveChatService:
        p = self.platform
        return LiveChatService(p.db, p.chat_rooms, p.settings, self.now)

    @cached_property
    def live_events(self) -> LiveEvents:
        return LiveEvents(self.platform.chat_rooms)

    @cached_property
    def maintenance(self) -> Maintenance:
        return Maintenance(self.platform.db, self.files, self.now)

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


def chat_room_factory(platform: Platform, clock: Clock = utc_now) -> ChatRoomFactory:
    """How a runtime builds a chat's room: the settings' model, replies stored through the messages
    service at the time they end."""
    model = chat_model(platform)

    async def save_reply(job: GenerationJob, text: str, outcome: Outcome) -> None:
        await store_reply(Services(platform, clock()).messages, job, text, outcome)

    def build(storage: DurableStorage, sockets: RoomSockets) -> ChatRoom:
        return ChatRoom(storage, sockets, model, save_reply, clock)

    return build


async def run_maintenance(platform: Platform, now: datetime) -> int:
    """What the Worker's cron trigger (and the local runtime's timer) runs: `services/maintenance.py`."""
    return await Services(platform, now).maintenance.run()
