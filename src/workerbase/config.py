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


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    log_level: str = "info"
    max_request_body_bytes: int = DEFAULT_MAX_REQUEST_BODY_BYTES

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
        )


def _raw(lookup: EnvLookup, name: str) -> str | None:
    value = lookup(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{name} must be a string, got {type(value).__name__}")
    return value.strip() or None


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
