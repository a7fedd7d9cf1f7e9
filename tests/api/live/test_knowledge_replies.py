"""Replies that retrieve from the user's knowledge first (RAG): the passages reach the model after the
system prompt and stream as AI SDK `source-document` parts, which the stored message keeps as the SDK's
own `readUIMessageStream` builds them (ai 7 and ai 6)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.api.knowledge.support import add, deliver, knowledge_base, upload
from tests.api.live.test_reply_parts import AI_PACKAGES, chunks_in, raw_stream, sdk_reads
from tests.api.live_support import FakeOpenAI, messages_of, types_of, user_message
from workerbase.platform import Platform

LIGHTHOUSES = (
    "Lighthouses mark dangerous coasts. Each light flashes in a pattern of its own, its character, so that"
    " sailors at night can tell one lighthouse from another."
)


@pytest.mark.parametrize("package", AI_PACKAGES)
async def test_a_reply_retrieves_first_and_cites_its_sources(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, platform: Platform, package: str
) -> None:
    kb = await knowledge_base(live, ada)
    await add(
        live,
        ada,
        kb,
        file_id=await upload(live, ada, LIGHTHOUSES.encode(), "lighthouses.md", "text/markdown"),
    )
    await deliver(platform)
    chat_id = str(uuid.uuid4())
    body = {
        "message": user_message("How do sailors tell one lighthouse from another?"),
        "model": "echo",
        "knowledgeBaseIds": [kb],
    }
    raw = await raw_stream(live, ada, chat_id, body)
    chunks = chunks_in(raw)
    assert types_of(chunks)[:4] == ["start", "start-step", "source-document", "text-start"]
    source = chunks[2]
    assert (source["title"], source["filename"], source["mediaType"]) == (
        "lighthouses.md",
        "lighthouses.md",
        "text/plain",
    )
    system = fake.requests[-1]["body"]["messages"][0]
    assert system["role"] == "system"
    assert f"[1] lighthouses.md\n{LIGHTHOUSES}" in system["content"]
    shown = await sdk_reads(raw, package)
    stored = (await messages_of(live, ada, chat_id))[1]
    assert stored["parts"] == shown["parts"]
    assert [p["type"] for p in stored["parts"]][:3] == ["step-start", "source-document", "text"]
    assert stored["parts"][1]["sourceId"] == source["sourceId"]


async def test_another_users_knowledge_base_is_refused_before_anything_is_stored(
    live: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], fake: FakeOpenAI
) -> None:
    bobs = await knowledge_base(live, bob)
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Hello"), "model": "echo", "knowledgeBaseIds": [bobs]}
    response = await live.post(f"/v1/chats/{chat_id}/stream", json=body, headers=ada)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert (await live.get(f"/v1/chats/{chat_id}", headers=ada)).status_code == 404  # not even the chat
    assert fake.requests == []


async def test_a_reply_without_matching_knowledge_has_no_sources(
    live: httpx.AsyncClient, ada: dict[str, str], fake: FakeOpenAI, platform: Platform
) -> None:
    kb = await knowledge_base(live, ada)  # empty
    chat_id = str(uuid.uuid4())
    body = {"message": user_message("Hello"), "model": "echo", "knowledgeBaseIds": [kb]}
    chunks = chunks_in(await raw_stream(live, ada, chat_id, body))
    assert "source-document" not in types_of(chunks)
    assert fake.requests[-1]["body"]["messages"][0]["role"] == "user"  # no system prompt was made for it
