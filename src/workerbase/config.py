"""Settings, validated, built from the environment of each request.

On Workers, `vars` and secrets arrive with every request as `env` (nothing may be read at import: the
module top level is snapshotted at deploy), so settings are built per request from a lookup function.
Locally, the same function reads `.dev.vars` and the process environment once at start.
Every variable read here is documented in README.md, `.dev.vars.example` and `wrangler.toml`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workerbase.errors import ConfigurationError

EnvLookup = Callable[[str], "str | None"]

ENVIRONMENTS = ("development", "staging", "production")
LOG_LEVELS = ("debug", "info", "warning", "error")
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
# The types file uploads can be (the bytes decide, see services/file_types.py) and the default allowed set.
FILE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/csv",
    "application/json",
)
FILE_TYPE_MISMATCH_POLICIES = ("refuse", "detected")


@dataclass(frozen=True, slots=True)
class AuthSettings:
    # The first secret signs access tokens; all of them verify (rotation without logging anyone out).
    jwt_secrets: tuple[str, ...]
    jwt_issuer: str = "workerbase"
    jwt_audience: str = "workerbase"
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_days: int = 30
    # A refresh token presented again within this many seconds of its rotation (a second browser tab)
    # gets a fresh token instead of revoking the session.
    refresh_reuse_grace_seconds: int = 10
    password_pepper: str | None = None
    # POST /v1/auth/guest: accounts without email or password (the ai-chatbot's guests).
    guest_accounts: bool = False


@dataclass(frozen=True, slots=True)
class FileSettings:
    max_file_bytes: int = 10_000_000
    allowed_types: tuple[str, ...] = FILE_TYPES
    # "refuse": bytes of another type than the client said (Content-Type or file name) are a 415;
    # "detected": stored as the type the bytes are.
    type_mismatch: str = "refuse"
    storage_quota_bytes: int = 1024**3  # per user
    # Lifetime of the links in file and message bodies (explicit links choose their own, up to 7 days).
    link_ttl_seconds: int = 3600

    @property
    def max_upload_body_bytes(self) -> int:
        """The body limit of an upload request: the largest file and its multipart envelope."""
        return self.max_file_bytes + MULTIPART_OVERHEAD_BYTES


MODEL_PROVIDERS = ("openai", "workers-ai")
DEFAULT_MODELS = {"openai": ("gpt-4o-mini",), "workers-ai": ("@cf/meta/llama-3.1-8b-instruct",)}


@dataclass(frozen=True, slots=True)
class ModelSettings:
    # "openai": any OpenAI-compatible chat/completions endpoint; "workers-ai": the `AI` binding.
    provider: str = "openai"
    base_url: str = "https://api.openai.com/v1"
    api_key: str | None = None
    # The models clients may ask for; the first is the default.
    allowed: tuple[str, ...] = DEFAULT_MODELS["openai"]
    # Longest wait for the first bytes of a reply and between two of its chunks.
    timeout_seconds: float = 30.0
    # Messages a user may send per UTC day, by role; roles not listed have no limit.
    daily_messages: tuple[tuple[str, int], ...] = (("guest", 20), ("user", 50))

    def daily_limit(self, role: str) -> int | None:
        return dict(self.daily_messages).get(role)


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    auth: AuthSettings
    log_level: str = "info"
    max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES
    files: FileSettings = FileSettings()
    models: ModelSettings = ModelSettings()

    @classmethod
    def from_env(cls, lookup: EnvLookup) -> Settings:
        """Build settings; a missing or malformed variable raises ConfigurationError naming it."""
        return cls(
            environment=_choice(lookup, "ENVIRONMENT", ENVIRONMENTS, default=None),
            log_level=_choice(lookup, "LOG_LEVEL", LOG_LEVELS, default="info"),
            max_request_body_bytes=_integer(
                lookup,
                "MAX_REQUEST_BODY_BYTES",
                default=DEFAULT_MAX_REQUEST_BODY_BYTES,
                minimum=1024,
                maximum=MAX_REQUEST_BODY_BYTES_CEILING,
            ),
            files=_file_settings(lookup),
            models=_model_settings(lookup),
            auth=AuthSettings(
                jwt_secrets=_secrets(lookup, "JWT_SECRETS"),
                jwt_issuer=_raw(lookup, "JWT_ISSUER") or "workerbase",
                jwt_audience=_raw(lookup, "JWT_AUDIENCE") or "workerbase",
                access_token_ttl_seconds=_integer(
                    lookup, "ACCESS_TOKEN_TTL_SECONDS", default=900, minimum=60, maximum=86_400
                ),
                refresh_token_ttl_days=_integer(
                    lookup, "REFRESH_TOKEN_TTL_DAYS", default=30, minimum=1, maximum=365
                ),
                refresh_reuse_grace_seconds=_integer(
                    lookup, "REFRESH_REUSE_GRACE_SECONDS", default=10, minimum=0, maximum=120
                ),
                password_pepper=_optional_secret(lookup, "PASSWORD_PEPPER"),
                guest_accounts=_choice(lookup, "GUEST_ACCOUNTS", ("on", "off"), default="off") == "on",
            ),
        )


def _file_settings(lookup: EnvLookup) -> FileSettings:
    allowed = tuple(t.strip().lower() for t in (_raw(lookup, "FILE_TYPES") or "").split(",") if t.strip())
    for content_type in allowed:
        if content_type not in FILE_TYPES:
            raise ConfigurationError(
                f"FILE_TYPES: {content_type!r} is not a type uploads can be recognised as"
                f" (one or more of: {', '.join(FILE_TYPES)})"
            )
    defaults = FileSettings()
    return FileSettings(
        max_file_bytes=_integer(
            lookup,
            "MAX_FILE_BYTES",
            default=defaults.max_file_bytes,
            minimum=1,
            maximum=MAX_FILE_BYTES_CEILING,
        ),
        allowed_types=allowed or FILE_TYPES,
        type_mismatch=_choice(lookup, "FILE_TYPE_MISMATCH", FILE_TYPE_MISMATCH_POLICIES, default="refuse"),
        storage_quota_bytes=_integer(
            lookup, "STORAGE_QUOTA_BYTES", default=defaults.storage_quota_bytes, minimum=0, maximum=2**50
        ),
        link_ttl_seconds=_integer(
            lookup, "FILE_LINK_TTL_SECONDS", default=defaults.link_ttl_seconds, minimum=60, maximum=604_800
        ),
    )


def _model_settings(lookup: EnvLookup) -> ModelSettings:
    provider = _choice(lookup, "MODEL_PROVIDER", MODEL_PROVIDERS, default="openai")
    allowed = tuple(m.strip() for m in (_raw(lookup, "MODELS") or "").split(",") if m.strip())
    defaults = ModelSettings()
    base_url = _raw(lookup, "MODEL_BASE_URL") or defaults.base_url
    if not base_url.startswith(("https://", "http://")):
        raise ConfigurationError(f"MODEL_BASE_URL must be an http(s) URL (got {base_url!r})")
    return ModelSettings(
        provider=provider,
        base_url=base_url,
        api_key=_raw(lookup, "MODEL_API_KEY"),
        allowed=allowed or DEFAULT_MODELS[provider],
        timeout_seconds=_integer(lookup, "MODEL_TIMEOUT_SECONDS", default=30, minimum=1, maximum=600),
        daily_messages=_role_limits(lookup, "DAILY_MESSAGE_LIMITS") or defaults.daily_messages,
    )


def _role_limits(lookup: EnvLookup, name: str) -> tuple[tuple[str, int], ...]:
    """`role=count,...`, e.g. `guest=20,user=50`."""
    limits = []
    for item in (_raw(lookup, name) or "").split(","):
        if not item.strip():
            continue
        role, _, count = item.partition("=")
        if not role.strip() or not count.strip().isdigit():
            raise ConfigurationError(f"{name} must look like guest=20,user=50 (got {item.strip()!r})")
        limits.append((role.strip(), int(count)))
    return tuple(limits)


def _raw(lookup: EnvLookup, name: str) -> str | None:
    value = lookup(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")
    return value.strip() or None


def _secrets(lookup: EnvLookup, name: str) -> tuple[str, ...]:
    value = _raw(lookup, name)
    secrets = tuple(part.strip() for part in (value or "").split(",") if part.strip())
    if not secrets:
        raise ConfigurationError(
            f"{name} is required: one or more comma-separated secrets, the signing one first"
        )
    for position, secret in enumerate(secrets, start=1):
        size = len(secret.encode())
        if size < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"{name}: secret {position} is {size} bytes; at least {MIN_SECRET_BYTES} are required"
            )
    return secrets


def _optional_secret(lookup: EnvLookup, name: str) -> str | None:
    value = _raw(lookup, name)
    if value is not None and len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(f"{name} must be at least {MIN_SECRET_BYTES} bytes when set")
    return value


def _choice(lookup: EnvLookup, name: str, allowed: tuple[str, ...], *, default: str | None) -> str:
    value = _raw(lookup, name)
    if value is None:
        if default is None:
            raise ConfigurationError(f"{name} is required (one of: {', '.join(allowed)})")
        return default
    if value.lower() not in allowed:
        raise ConfigurationError(f"{name} must be one of: {', '.join(allowed)} (got {value!r})")
    return value.lower()


def _integer(lookup: EnvLookup, name: str, *, default: int, minimum: int, maximum: int) -> int:
    value = _raw(lookup, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer (got {value!r})") from None
    if not minimum <= number <= maximum:
        raise ConfigurationError(f"{name} must be between {minimum} and {maximum} (got {number})")
    return number
