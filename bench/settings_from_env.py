"""What the settings cost a request: a full parse (`Settings.from_env`, which every request paid before
`settings_for_env`), and the cached path (`settings_for_env` with the env of the request before: every
variable read and compared, nothing parsed).

Two environments, read through `getattr(env, name, None)` as the Workers platform reads its `env`:
`deployed` holds what `wrangler.toml` [vars] and the secrets set (the rest take their defaults);
`every variable` sets all of them. Best of several rounds, microseconds per call.
Usage: uv run python bench/settings_from_env.py [rounds=30]
(also runs on commits before `settings_for_env` existed: it then reports the parse only). Inside Pyodide,
through the Workers SDK's `env` wrapper, a new one per request as in production:
node bench/settings_from_env_pyodide.mjs [rounds=30]
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from workerbase import config
from workerbase.config import Settings

SECRET = "s" * 48
DEPLOYED = {
    "ENVIRONMENT": "production",
    "LOG_LEVEL": "info",
    "GUEST_ACCOUNTS": "off",
    "MODEL_PROVIDER": "openai",
    "MODEL_BASE_URL": "https://api.openai.com/v1",
    "MODELS": "gpt-4o-mini",
    "JWT_SECRETS": f"{SECRET},{'o' * 48}",
    "PASSWORD_PEPPER": "p" * 32,
    "MODEL_API_KEY": "sk-bench",
}
EVERY_VARIABLE = {
    **DEPLOYED,
    "MAX_REQUEST_BODY_BYTES": "10485760",
    "JWT_ISSUER": "https://api.example.com",
    "JWT_AUDIENCE": "chat",
    "ACCESS_TOKEN_TTL_SECONDS": "900",
    "REFRESH_TOKEN_TTL_DAYS": "30",
    "REFRESH_REUSE_GRACE_SECONDS": "10",
    "MAX_FILE_BYTES": "10000000",
    "FILE_TYPES": "image/jpeg,image/png,image/gif,image/webp,application/pdf",
    "FILE_TYPE_MISMATCH": "refuse",
    "STORAGE_QUOTA_BYTES": "1073741824",
    "FILE_LINK_TTL_SECONDS": "3600",
    "MODELS": "gpt-4o-mini,gpt-4o",
    "MODEL_TIMEOUT_SECONDS": "30",
    "DAILY_MESSAGE_LIMITS": "guest=20,user=50",
}


def microseconds_per_call(call: Callable[[], object], rounds: int, number: int = 1_000) -> float:
    return min(timeit.repeat(call, number=number, repeat=rounds)) / number * 1e6


def report(env_for_request: Callable[[dict[str, str]], Callable[[], Any]], rounds: int) -> None:
    """`env_for_request(variables)` gives a function that returns the `env` of one request."""
    print(f"{'environment':<16}{'parse (us/call)':>18}{'cached (us/call)':>19}")
    for label, variables in (("deployed", DEPLOYED), ("every variable", EVERY_VARIABLE)):
        parse, cached = measure(env_for_request(variables), rounds)
        print(f"{label:<16}{parse:>18.1f}{cached:>19}")


def measure(new_env: Callable[[], Any], rounds: int) -> tuple[float, str]:
    settings_for_env = getattr(config, "settings_for_env", None)

    def parse() -> Settings:
        env = new_env()
        return Settings.from_env(lambda name: getattr(env, name, None))

    if settings_for_env is None:
        return microseconds_per_call(parse, rounds), "n/a"

    def cached() -> Settings:
        env = new_env()  # as bindings/workers/platform.py reads each request's env
        settings: Settings = settings_for_env(lambda name: getattr(env, name, None))
        return settings

    assert cached() == parse()
    return microseconds_per_call(parse, rounds), f"{microseconds_per_call(cached, rounds):.1f}"


def cpython_env(variables: dict[str, str]) -> Callable[[], Any]:
    env = SimpleNamespace(**variables)
    return lambda: env


if __name__ == "__main__":
    report(cpython_env, int(sys.argv[1]) if len(sys.argv) > 1 else 30)
