"""Ports: the interfaces services depend on, one module per capability, mirroring the adapter modules of
`workerbase.bindings.workers` (Cloudflare bindings through the Workers SDK) and
`workerbase.bindings.local` (CPython: SQLite, files). The contract suites in `tests/contracts` run the
same tests against both. Adapters accept and return only the plain Python types declared here and raise
only `workerbase.errors` exceptions (and those declared with their port).

Everything is re-exported here: `from workerbase.ports import Database` is how code names a port.
"""

from workerbase.ports.chat_models import (
    ChatModel,
    ModelEvent,
    ModelFailed,
    ModelMessage,
    ModelTimeout,
    ReasoningDelta,
    StepEnd,
    StepFinished,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
    Usage,
)
from workerbase.ports.chat_rooms import (
    START_REFUSALS,
    ChatRoomClient,
    Chunk,
    Emit,
    GenerationJob,
    GenerationRunning,
    InvalidTicket,
    Outcome,
    ReplyNotStored,
    Respond,
    SaveReply,
    Ticket,
    Turn,
    room_name,
)
from workerbase.ports.crypto import PBKDF2_MAX_ITERATIONS, Crypto
from workerbase.ports.database import (
    Database,
    QueryMeta,
    QueryResult,
    Row,
    SqlParam,
    SqlValue,
    Statement,
    run,
)
from workerbase.ports.durable import DurableStorage, RoomSocket, RoomSockets
from workerbase.ports.embeddings import MAX_TEXTS_PER_CALL, Embedder, EmbeddingFailed, check_texts
from workerbase.ports.http import HttpClient, HttpRequest, HttpResponseStream
from workerbase.ports.key_value import JsonValue, KeyValue, KvEntry, KvKey, KvPage
from workerbase.ports.object_store import (
    ByteRange,
    Conditions,
    HttpMetadata,
    ObjectBody,
    ObjectInfo,
    ObjectPage,
    ObjectStore,
    ObjectStream,
    PreconditionFailed,
)
from workerbase.ports.queues import Consume, Queue, QueueMessage, retry_delay
from workerbase.ports.streams import BodyStream
from workerbase.ports.vectors import IndexInfo, MetadataValue, Vector, VectorFilter, VectorIndex, VectorMatch

__all__ = [
    "MAX_TEXTS_PER_CALL",
    "PBKDF2_MAX_ITERATIONS",
    "START_REFUSALS",
    "BodyStream",
    "ByteRange",
    "ChatModel",
    "ChatRoomClient",
    "Chunk",
    "Conditions",
    "Consume",
    "Crypto",
    "Database",
    "DurableStorage",
    "Embedder",
    "EmbeddingFailed",
    "Emit",
    "GenerationJob",
    "GenerationRunning",
    "HttpClient",
    "HttpMetadata",
    "HttpRequest",
    "HttpResponseStream",
    "IndexInfo",
    "InvalidTicket",
    "JsonValue",
    "KeyValue",
    "KvEntry",
    "KvKey",
    "KvPage",
    "MetadataValue",
    "ModelEvent",
    "ModelFailed",
    "ModelMessage",
    "ModelTimeout",
    "ObjectBody",
    "ObjectInfo",
    "ObjectPage",
    "ObjectStore",
    "ObjectStream",
    "Outcome",
    "PreconditionFailed",
    "QueryMeta",
    "QueryResult",
    "Queue",
    "QueueMessage",
    "ReasoningDelta",
    "ReplyNotStored",
    "Respond",
    "RoomSocket",
    "RoomSockets",
    "Row",
    "SaveReply",
    "SqlParam",
    "SqlValue",
    "Statement",
    "StepEnd",
    "StepFinished",
    "TextDelta",
    "Ticket",
    "ToolCall",
    "ToolCallDelta",
    "ToolSpec",
    "Turn",
    "Usage",
    "Vector",
    "VectorFilter",
    "VectorIndex",
    "VectorMatch",
    "check_texts",
    "retry_delay",
    "room_name",
    "run",
]
