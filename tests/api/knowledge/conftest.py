"""The knowledge tests' platform: the local runtime's, with retries due at once (no back-off) and an
embedder that can fail (tests/api/knowledge/support.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.api.knowledge.support import FlakyEmbedder
from workerbase.bindings.local.queues import SqliteQueue
from workerbase.platform import Platform


@pytest.fixture
def platform(platform: Platform, tmp_path: Path) -> Platform:
    """The local runtime's, with retries due at once (no back-off) and an embedder that can fail."""
    queue = SqliteQueue(tmp_path / "queues.sqlite3", "workerbase-ingest", max_retries=3, retry_base_seconds=0)
    return replace(platform, ingest_queue=queue, embedder=FlakyEmbedder(platform.embedder))
