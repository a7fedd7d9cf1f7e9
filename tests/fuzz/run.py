"""The API fuzzer (`uv run python -m tests.fuzz.run`, a step of `.ci/run`): schemathesis against the real
local server, every check on, a fixed seed and a bounded number of cases.

It starts `workerbase-local` (the command `scripts/dev` runs) on a free port with a temporary state
directory, and the fake OpenAI-compatible model the live-chat tests use (so `POST /v1/chats/{id}/stream`
streams a reply with no network); signs up the users the run acts as; and runs schemathesis against
`/openapi.json`. It exits with schemathesis's status: non-zero on any 5xx, any status, body, header or
content type the document does not describe, any invalid request accepted or valid one refused. What
schemathesis flags wrongly, and why, is in `tests/fuzz/schemathesis.toml`, the one place for it. On failure
the server's error lines are printed (a 5xx's traceback is there).

Extra arguments go to `schemathesis run`, e.g. `--include-path-regex /files` to fuzz a few routes, or
`--seed 7 --max-examples 100` for a longer hunt than CI's.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

import httpx

from tests.api.live_support import FakeOpenAI, serving
from workerbase.local import PROJECT_ROOT

CONFIG = Path(__file__).with_name("schemathesis.toml")
# How long the server may take to apply the migrations and answer /health.
START_TIMEOUT_SECONDS = 30
PASSWORD = "fuzzer password, long enough"


def free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(model_url: str) -> dict[str, str]:
    """The process environment with the settings the run needs; nothing is read from `.dev.vars`."""
    return {
        **os.environ,
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "info",
        "GUEST_ACCOUNTS": "on",
        "MODEL_PROVIDER": "openai",
        "MODEL_BASE_URL": model_url,
        "MODEL_API_KEY": "sk-fuzz",
        "MODELS": "echo",
    }


async def wait_until_healthy(server: asyncio.subprocess.Process, client: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if server.returncode is not None:
            raise RuntimeError(f"the local server exited with status {server.returncode}")
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass  # not listening yet
        if time.monotonic() > deadline:
            raise RuntimeError(f"the local server did not answer /health in {START_TIMEOUT_SECONDS} s")
        await asyncio.sleep(0.1)


async def sign_up(client: httpx.AsyncClient, email: str) -> str:
    """A new user's access token (valid for 15 minutes, far longer than the run)."""
    response = await client.post("/v1/auth/signup", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def admin_token(client: httpx.AsyncClient, state_dir: Path) -> str:
    """An admin's access token. No route makes an admin (operators set the role in D1, as the API tests
    do): set it in the local D1's file, then log in, since a token carries the role it was issued with."""
    email = "admin-fuzzer@example.com"
    await sign_up(client, email)
    with closing(sqlite3.connect(state_dir / "d1.sqlite3")) as db, db:
        db.execute("UPDATE users SET role = 'admin' WHERE email = ?", (email,))
    response = await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def tokens_of_the_run(client: httpx.AsyncClient, state_dir: Path) -> dict[str, str]:
    """The credentials schemathesis.toml names. The fuzzer acts as one user; `DELETE /v1/me` as another,
    or the first deletion would leave every later write a 401; `GET /v1/admin/users` as an admin."""
    return {
        "WORKERBASE_FUZZ_TOKEN": await sign_up(client, "fuzzer@example.com"),
        "WORKERBASE_FUZZ_DELETED_USER_TOKEN": await sign_up(client, "deleted-by-the-fuzzer@example.com"),
        "WORKERBASE_FUZZ_ADMIN_TOKEN": await admin_token(client, state_dir),
    }


async def run_schemathesis(base_url: str, tokens: dict[str, str], extra_arguments: list[str]) -> int:
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(CONFIG), "run"]
    fuzzer = await asyncio.create_subprocess_exec(
        *command,
        f"{base_url}/openapi.json",
        *extra_arguments,
        env={**os.environ, **tokens},
        cwd=PROJECT_ROOT,
    )
    return await fuzzer.wait()


async def fuzz(extra_arguments: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="workerbase-fuzz-") as scratch:
        state_dir = Path(scratch) / "state"
        log_path = Path(scratch) / "server.log"
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        async with serving(FakeOpenAI()) as model_url:
            with log_path.open("wb") as log:
                server = await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "workerbase.local", "--port", str(port)),
                    *("--state-dir", str(state_dir), "--dev-vars", str(Path(scratch) / "none")),
                    env=server_environment(model_url),
                    stdout=log,
                    stderr=asyncio.subprocess.STDOUT,
                    cwd=PROJECT_ROOT,
                )
            try:
                async with httpx.AsyncClient(base_url=base_url) as client:
                    await wait_until_healthy(server, client)
                    tokens = await tokens_of_the_run(client, state_dir)
                status = await run_schemathesis(base_url, tokens, extra_arguments)
            finally:
                if server.returncode is None:
                    server.terminate()
                await server.wait()
        if status != 0:
            print_server_errors(log_path)
        return status


def print_server_errors(log_path: Path) -> None:
    """The server's log lines at ERROR or worse (a 5xx's traceback), so a CI failure shows its cause."""
    lines = log_path.read_text(errors="replace").splitlines()
    errors = [line for line in lines if '"level": "error"' in line or '"level": "critical"' in line]
    print(f"\n==> the local server logged {len(errors)} error(s)")
    for line in errors[:20]:
        print(line)


def main() -> None:
    sys.exit(asyncio.run(fuzz(sys.argv[1:])))


if __name__ == "__main__":
    main()
