"""Settings, validated, built from the environment the Worker runs in.

Each setting is declared once, as a field below: its type, its default, the variable that sets it and how
that variable's text is parsed (`env_vars` reads them). Choices are `Literal` types (mypy checks every
value written in code) and the parser of a choice takes its options from the same type.

On Workers, `vars` and secrets arrive with every request as `env`, and nothing may be read at import (the
module top level is snapshotted at deploy): `settings_for_env` reads the variables on each request and
parses them again only when they differ from the last ones it parsed. Locally, `Settings.from_env` parses
`.dev.vars` and the process environment once at start.
Every variable read here is documented in README.md, `.dev.vars.example` and `wrangler.toml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import field
from typing import Literal
from urllib.parse import urlsplit

from workerbase.env_vars import (
    EnvLookup,
    choice,
    group,
    http_url,
    integer,
    items,
    names,
    one_of,
    read,
    switch,
    text,
    variable,
    variable_names,
)
from workerbase.errors import ConfigurationError
from workerbase.frozen import Frozen
from workerbase.logs import get_logger
from workerbase.media_types import FILE_TYPES, FileType

Environment = Literal["development", "staging", "production"]
LogLevel = Literal["debug", "info", "warning", "error"]
# "refuse": bytes of another type than the client said (Content-Type or file name) are a 415;
# "detected": stored as the type the bytes are.
FileTypeMismatchPolicy = Literal["refuse", "detected"]
# "openai": any OpenAI-compatible chat/completions endpoint; "workers-ai": the `AI` binding.
ModelProvider = Literal["openai", "workers-ai"]
# `binding`: the runtime's own (the Workers AI binding on Workers, the offline local model locally).
EmbeddingProvider = Literal["binding", "openai"]

# The Workers ASGI bridge buffers request bodies in Python memory and a Worker has 128 MB, so bodies are
# capped well below Cloudflare's own 100 MB.
DEFAULT_MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
MAX_REQUEST_BODY_BYTES_CEILING = 64 * 1024 * 1024
MIN_SECRET_BYTES = 32
# Uploads have their own body limit: the largest file plus room for a multipart envelope. A Worker holds
# an upload in memory several times (the ASGI bridge's chunks, the multipart spool, the bytes read, the
# copy handed to R2) next to Pyodide and FastAPI themselves, in 128 MB: files are capped at 16 MiB.
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MAX_FILE_BYTES_CEILING = 16 * 1024 * 1024
# The models clients may ask for when MODELS is not set, by provider; the first is the default.
DEFAULT_MODELS: Mapping[ModelProvider, tuple[str, ...]] = {
    "openai": ("gpt-4o-mini",),
    "workers-ai": ("@cf/meta/llama-3.1-8b-instruct",),
}

# The server-side tools replies can use (`services/tools/`); CHAT_TOOLS picks from these.
ChatTool = Literal["createDocument", "updateDocument", "requestSuggestions", "getWeather"]
CHAT_TOOLS: tuple[ChatTool, ...] = ("createDocument", "updateDocument", "requestSuggestions", "getWeather")

# Parsers of this project's own formats (env_vars has the common ones).


def _chat_tools(name: str, value: str) -> tuple[str, ...] | None:
    if value.strip().lower() == "none":
        return ()
    chosen = tuple(items(value))
    for tool in chosen:
        if tool not in CHAT_TOOLS:
            raise ConfigurationError(f"{name}: no tool {tool!r} (tools: {', '.join(CHAT_TOOLS)}, or none)")
    return chosen or None


def _file_types(name: str, value: str) -> tuple[str, ...] | None:
    allowed = tuple(item.lower() for item in items(value))
    for content_type in allowed:
        if content_type not in FILE_TYPES:
            raise ConfigurationError(
                f"{name}: {content_type!r} is not a type uploads can be recognised as"
                f" (one or more of: {', '.join(FILE_TYPES)})"
            )
    return allowed or None


def _role_limits(name: str, value: str) -> tuple[tuple[str, int], ...] | None:
    """`role=count,...`, e.g. `guest=20,user=50`."""
    limits = []
    for item in items(value):
        role, _, count = item.partition("=")
        if not role.strip() or not count.strip().isdigit():
            raise ConfigurationError(f"{name} must look like guest=20,user=50 (got {item!r})")
        limits.append((role.strip(), int(count)))
    return tuple(limits) or None


def _secrets(name: str, value: str) -> tuple[str, ...] | None:
    secrets = tuple(items(value))
    for position, secret in enumerate(secrets, start=1):
        size = len(secret.encode())
        if size < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"{name}: secret {position} is {size} bytes; at least {MIN_SECRET_BYTES} are required"
            )
    return secrets or None


def _origins(name: str, value: str) -> tuple[str, ...] | None:
    """Browser origins, `scheme://host[:port]` as browsers send them in `Origin`, or `*` alone (any origin:
    we never allow credentials, so `*` is valid CORS; see api/cors.py)."""
    origins = tuple(items(value))
    if "*" in origins and len(origins) > 1:
        raise ConfigurationError(f"{name}: `*` (any origin) cannot be listed with other origins")
    for origin in origins:
        if origin == "*":
            continue
        try:
            parts = urlsplit(origin)
            # Browsers leave the scheme's default port out of `Origin`: with it, the origin never matches.
            default_port = {"http": 80, "https": 443}.get(parts.scheme)
            port_ok = parts.port is None or 0 < parts.port != default_port
        except ValueError:
            port_ok = False
        if (
            not port_ok
            or (parts.hostname or "").endswith(".")  # nor a trailing dot
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or origin != f"{parts.scheme}://{parts.netloc}"
            or "@" in parts.netloc
            or origin != origin.lower()
        ):
            raise ConfigurationError(
                f"{name}: {origin!r} is not an origin as browsers send it: write scheme://host[:port] in"
                " lowercase, without a default port, a path or a trailing slash (e.g. https://app.example.com)"
            )
    return origins or None


# A header name is an RFC 9110 token.
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _header_names(name: str, value: str) -> tuple[str, ...] | None:
    """Request headers a browser app sends beyond those the API allows already (api/cors.py)."""
    names = tuple(items(value))
    for header in names:
        if not _HEADER_NAME.fullmatch(header):
            raise ConfigurationError(f"{name}: {header!r} is not a header name")
    return names or None


def _secret(name: str, value: str) -> str:
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{name} must be at least {MIN_SECRET_BYTES} bytes when set")
    return value


class AuthSettings(Frozen):
    # The first secret signs access tokens; all of them verify (rotation without logging anyone out).
    jwt_secrets: tuple[str, ...] = field(
        metadata=variable(
            "JWT_SECRETS",
            _secrets,
            requirement=": one or more comma-separated secrets, the signing one first",
        )
    )
    jwt_issuer: str = field(default="workerbase", metadata=variable("JWT_ISSUER", text))
    jwt_audience: str = field(default="workerbase", metadata=variable("JWT_AUDIENCE", text))
    access_token_ttl_seconds: int = field(
        default=900, metadata=variable("ACCESS_TOKEN_TTL_SECONDS", integer(60, 86_400))
    )
    refresh_token_ttl_days: int = field(
        default=30, metadata=variable("REFRESH_TOKEN_TTL_DAYS", integer(1, 365))
    )
    # A refresh token presented again within this many seconds of its rotation (a second browser tab)
    # gets a fresh token instead of revoking the session.
    refresh_reuse_grace_seconds: int = field(
        default=10, metadata=variable("REFRESH_REUSE_GRACE_SECONDS", integer(0, 120))
    )
    password_pepper: str | None = field(default=None, metadata=variable("PASSWORD_PEPPER", _secret))
    # POST /v1/auth/guest: accounts without email or password (the ai-chatbot's guests).
    guest_accounts: bool = field(default=False, metadata=variable("GUEST_ACCOUNTS", switch))


class FileSettings(Frozen):
    max_file_bytes: int = field(
        default=10_000_000, metadata=variable("MAX_FILE_BYTES", integer(1, MAX_FILE_BYTES_CEILING))
    )
    allowed_types: tuple[FileType, ...] = field(
        default=FILE_TYPES, metadata=variable("FILE_TYPES", _file_types)
    )
    type_mismatch: FileTypeMismatchPolicy = field(
        default="refuse", metadata=variable("FILE_TYPE_MISMATCH", choice(FileTypeMismatchPolicy))
    )
    # Per user.
    storage_quota_bytes: int = field(
        default=1024**3, metadata=variable("STORAGE_QUOTA_BYTES", integer(0, 2**50))
    )
    # Lifetime of the links in file and message bodies (explicit links choose their own, up to 7 days).
    link_ttl_seconds: int = field(
        default=3600, metadata=variable("FILE_LINK_TTL_SECONDS", integer(60, 604_800))
    )

    @property
    def max_upload_body_bytes(self) -> int:
        """The body limit of an upload request: the largest file and its multipart envelope."""
        return self.max_file_bytes + MULTIPART_OVERHEAD_BYTES


class ModelSettings(Frozen):
    provider: ModelProvider = field(
        default="openai", metadata=variable("MODEL_PROVIDER", choice(ModelProvider))
    )
    base_url: str = field(default="https://api.openai.com/v1", metadata=variable("MODEL_BASE_URL", http_url))
    api_key: str | None = field(default=None, metadata=variable("MODEL_API_KEY", text))
    # The models clients may ask for; the first is the default. Empty: the provider's DEFAULT_MODELS.
    allowed: tuple[str, ...] = field(default=(), metadata=variable("MODELS", names))
    # Longest wait for the first bytes of a reply and between two of its chunks.
    timeout_seconds: float = field(default=30.0, metadata=variable("MODEL_TIMEOUT_SECONDS", integer(1, 600)))
    # What the model is told before a chat's messages, unless the chat has its own system prompt.
    system_prompt: str | None = field(default=None, metadata=variable("SYSTEM_PROMPT", text))
    # The model that titles a chat after its first reply (any the provider serves, listed in MODELS or
    # not). None: the reply's own model.
    title_model: str | None = field(default=None, metadata=variable("TITLE_MODEL", text))
    # Tokens (estimated) of the chat the model is sent at most: older turns are left out first.
    context_tokens: int = field(
        default=32_000, metadata=variable("MODEL_CONTEXT_TOKENS", integer(1_000, 2_000_000))
    )
    # The server-side tools replies may call, and the model calls per reply (each step after the first
    # answers the tools' results).
    tools: tuple[str, ...] = field(default=CHAT_TOOLS, metadata=variable("CHAT_TOOLS", _chat_tools))
    max_steps: int = field(default=5, metadata=variable("MAX_TOOL_STEPS", integer(1, 20)))
    # The server-side tools whose calls wait for the user's approval (`tool-approval-request`) before
    # they run; the ai-chatbot asks it for getWeather.
    approval_tools: tuple[str, ...] = field(
        default=(), metadata=variable("CHAT_TOOLS_NEEDING_APPROVAL", _chat_tools)
    )
    # Where the getWeather tool asks (Open-Meteo's forecast API, or one that answers like it).
    weather_api_url: str = field(
        default="https://api.open-meteo.com/v1/forecast", metadata=variable("WEATHER_API_URL", http_url)
    )
    # Messages a user may send per UTC day, by role; roles not listed have no limit.
    daily_messages: tuple[tuple[str, int], ...] = field(
        default=(("guest", 20), ("user", 50)), metadata=variable("DAILY_MESSAGE_LIMITS", _role_limits)
    )

    def __post_init__(self) -> None:
        if not self.allowed:
            object.__setattr__(self, "allowed", DEFAULT_MODELS[self.provider])

    def daily_limit(self, role: str) -> int | None:
        return dict(self.daily_messages).get(role)

    def warnings(self) -> list[str]:
        """What is allowed but likely a mistake: said once per deployment when its settings are read."""
        if self.provider == "openai" and self.api_key is None:
            return [
                f"MODEL_API_KEY is not set: live chat replies from {self.base_url} will fail (each failed"
                " reply is stored with its error and gives the user's daily message back) unless that server"
                " needs no key, as a local Ollama does"
            ]
        return []


class EmbeddingSettings(Frozen):
    provider: EmbeddingProvider = field(
        default="binding", metadata=variable("EMBEDDING_PROVIDER", choice(EmbeddingProvider))
    )
    # A Workers AI embedding model, or the OpenAI-compatible provider's. None: `@cf/baai/bge-small-en-v1.5`
    # (binding) or `text-embedding-3-small` (openai). The local runtime's binding has one model, WordLlama.
    model: str | None = field(default=None, metadata=variable("EMBEDDING_MODEL", text))
    # The OpenAI-compatible provider; None: MODEL_BASE_URL and MODEL_API_KEY.
    base_url: str | None = field(default=None, metadata=variable("EMBEDDING_BASE_URL", http_url))
    api_key: str | None = field(default=None, metadata=variable("EMBEDDING_API_KEY", text))
    # Its vectors' size, for a model we do not know it of (or to shorten text-embedding-3-*'s).
    dimensions: int | None = field(default=None, metadata=variable("EMBEDDING_DIMENSIONS", integer(1, 1536)))


class KnowledgeSettings(Frozen):
    # How sources are split for retrieval (services/chunking.py): characters per chunk, and how many of
    # the chunk before each one starts with.
    chunk_chars: int = field(default=1500, metadata=variable("KNOWLEDGE_CHUNK_CHARS", integer(200, 8000)))
    overlap_chars: int = field(default=200, metadata=variable("KNOWLEDGE_CHUNK_OVERLAP", integer(0, 2000)))

    def __post_init__(self) -> None:
        if self.overlap_chars * 2 >= self.chunk_chars:
            raise ConfigurationError(
                "KNOWLEDGE_CHUNK_OVERLAP must be less than half of KNOWLEDGE_CHUNK_CHARS"
            )


class Settings(Frozen):
    environment: Environment = field(
        metadata=variable("ENVIRONMENT", choice(Environment), requirement=one_of(Environment))
    )
    auth: AuthSettings = field(metadata=group(AuthSettings))
    log_level: LogLevel = field(default="info", metadata=variable("LOG_LEVEL", choice(LogLevel)))
    max_request_body_bytes: int = field(
        default=DEFAULT_MAX_REQUEST_BODY_BYTES,
        metadata=variable("MAX_REQUEST_BODY_BYTES", integer(1024, MAX_REQUEST_BODY_BYTES_CEILING)),
    )
    # Browser apps on these origins may call the API (api/cors.py); none by default: no CORS headers.
    cors_origins: tuple[str, ...] = field(default=(), metadata=variable("CORS_ORIGINS", _origins))
    # Request headers of the app's own (e.g. X-Tenant-Id) its preflights may ask for, beyond ours.
    cors_allow_headers: tuple[str, ...] = field(
        default=(), metadata=variable("CORS_ALLOW_HEADERS", _header_names)
    )
    files: FileSettings = field(default=FileSettings(), metadata=group(FileSettings))
    models: ModelSettings = field(default=ModelSettings(), metadata=group(ModelSettings))
    embeddings: EmbeddingSettings = field(default=EmbeddingSettings(), metadata=group(EmbeddingSettings))
    knowledge: KnowledgeSettings = field(default=KnowledgeSettings(), metadata=group(KnowledgeSettings))

    @classmethod
    def from_env(cls, lookup: EnvLookup) -> Settings:
        """Build settings; a missing or malformed variable raises ConfigurationError naming it."""
        return read(cls, lookup)


# Every variable the settings read, in the order they are read.
VARIABLES: tuple[str, ...] = tuple(variable_names(Settings))

# The variables' values and the settings last parsed from them. One entry is enough: an isolate serves one
# deployment, whose env does not change (new vars or secrets make a new deployment).
_last_parsed: tuple[tuple[str | None, ...], Settings] | None = None


def settings_for_env(lookup: EnvLookup) -> Settings:
    """The settings of an env, parsed only when its variables' values differ from the last ones parsed.

    The values, not the env object, are the key: workerd hands the same JS `env` to every request of an
    isolate, but each request's Python `env` is a new proxy of it (a new SDK `_EnvWrapper` around a new
    `JsProxy`; `is` never holds and a JsProxy is unhashable). So a changed value always takes effect, and
    reading the variables is what a request still pays (bench/settings_from_env.py). A malformed env is
    never kept: it raises again.
    """
    global _last_parsed
    values = tuple(lookup(name) for name in VARIABLES)
    last = _last_parsed
    if last is not None and last[0] == values:
        return last[1]
    settings = Settings.from_env(dict(zip(VARIABLES, values, strict=True)).get)
    _last_parsed = (values, settings)
    for warning in settings.models.warnings():
        get_logger().warning(warning)
    return settings
