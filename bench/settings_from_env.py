"""What the settings cost a request: a full parse (`Settings.from_env`, which every request paid before
`settings_for_env`), and the cached path (`settings_for_env` with the env of the request before: every
variable read and compared, nothing parsed).

Two environments, read through `getattr(env, name, None)` as the Workers platform reads its `env`:
`deployed` holds what `wrangler.toml` [vars] and the secrets set (the rest take their defaults);
`every variable` sets all of them. Best of several rounds, microseconds per call.
Usage: uv run python bench/settings_from_env.py [rounds=30]
(also runs on commits before `settings_for_env` existed: it then reports the parse only).
"""

from __future__ import annotations

import sys
import timeit
from collections.abc import Callable
from types import SimpleNamespace

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


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    settings_for_env = getattr(config, "settings_for_env", None)
    print(f"{'environment':<16}{'parse (us/call)':>18}{'cached (us/call)':>19}")
    for label, variables in (("deployed", DEPLOYED), ("every variable", EVERY_VARIABLE)):
        env = SimpleNamespace(**variables)

        def lookup(name: str, env: SimpleNamespace = env) -> str | None:
            return getattr(env, name, None)

        parse = microseconds_per_call(lambda: Settings.from_env(lookup), rounds)
        cached = "n/a"
        if settings_for_env is not None:
            assert settings_for_env(lookup) == Settings.from_env(lookup)
            cached = f"{microseconds_per_call(lambda: settings_for_env(lookup), rounds):.1f}"
        print(f"{label:<16}{parse:>18.1f}{cached:>19}")


if __name__ == "__main__":
    main()
