"""(Re)generate `schema.d.ts`, the TypeScript types of our API, from the OpenAPI document the app serves at
`/openapi.json` (built here without a server, so it needs no state, settings or network).

    uv run python clients/typescript/generate.py           # rewrite schema.d.ts
    uv run python clients/typescript/generate.py --check   # exit 1 if schema.d.ts is stale

generate.mjs turns the document into types with openapi-typescript (pinned in package.json): run `npm ci`
first. Node is `$WORKERBASE_NODE`, else `node` on PATH. tests/api/test_typescript_client.py fails while
schema.d.ts is stale, so a change to the API is committed with its types.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from workerbase.app import create_app
from workerbase.platform import Platform

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
SCHEMA = HERE / "schema.d.ts"
GENERATOR = HERE / "generate.mjs"
OPENAPI_TYPESCRIPT = PROJECT_ROOT / "node_modules" / "openapi-typescript"


def no_platform(scope: MutableMapping[str, Any]) -> Platform:
    raise AssertionError("building the OpenAPI document touches no binding")


def openapi_document() -> str:
    return json.dumps(create_app(no_platform).openapi(), indent=2)


def generated_schema() -> str:
    node = os.environ.get("WORKERBASE_NODE") or shutil.which("node")
    if node is None:
        raise SystemExit("Node not found: set WORKERBASE_NODE or put node on PATH")
    if not OPENAPI_TYPESCRIPT.is_dir():
        raise SystemExit(f"{OPENAPI_TYPESCRIPT} is missing: run `npm ci`")
    completed = subprocess.run(  # noqa: S603 (our own script, run by the Node the developer chose)
        [node, str(GENERATOR)],
        input=openapi_document(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        encoding="utf-8",
    )
    return completed.stdout


def main(argv: list[str]) -> int:
    schema = generated_schema()
    if "--check" in argv:
        if SCHEMA.read_text(encoding="utf-8") != schema:
            print(f"{SCHEMA} is stale: run `uv run python clients/typescript/generate.py`", file=sys.stderr)
            return 1
        return 0
    SCHEMA.write_text(schema, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
