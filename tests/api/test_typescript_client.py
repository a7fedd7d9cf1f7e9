"""The typed TypeScript client (clients/typescript/): its generated types match today's OpenAPI document, and
its example program (sign up, create a chat, post a message, upload a file, list them) compiles with
`tsc --strict` and passes against the real local server over HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.api.live_support import serving
from tests.node import find_node
from workerbase.local import PROJECT_ROOT

CLIENT = PROJECT_ROOT / "clients" / "typescript"
TSC = PROJECT_ROOT / "node_modules" / "typescript" / "bin" / "tsc"


def test_the_generated_types_are_those_of_todays_openapi_document() -> None:
    completed = subprocess.run(
        [sys.executable, str(CLIENT / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env={**os.environ, "WORKERBASE_NODE": find_node()},
    )
    assert completed.returncode == 0, completed.stderr


@pytest.fixture
def compiled_example(tmp_path: Path) -> Path:
    """The client and its example compiled by tsc (`--strict`) into ES modules; the example's path."""
    out = tmp_path / "out"
    compiled = subprocess.run(
        [find_node(), str(TSC), "-p", str(CLIENT), "--strict", "--outDir", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    # The compiled modules import openapi-fetch: resolve it from the project's node_modules.
    (out / "package.json").write_text(json.dumps({"type": "module"}))
    (out / "node_modules").symlink_to(PROJECT_ROOT / "node_modules", target_is_directory=True)
    return out / "example.js"


async def test_the_example_program_compiles_strictly_and_runs_against_the_local_server(
    app: FastAPI, compiled_example: Path
) -> None:
    async with serving(app) as url:
        program = await asyncio.create_subprocess_exec(
            find_node(),
            str(compiled_example),
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        # The timeout is a guard against a hang, not a speed target.
        stdout, stderr = await asyncio.wait_for(program.communicate(), timeout=180)
    assert program.returncode == 0, stdout.decode() + stderr.decode()
    assert stdout.decode().startswith("ok: signed up ts-client-")
