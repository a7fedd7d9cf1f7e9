"""Knowledge sources: added with 202, ingested by the queue's consumer (run here as the local runtime runs
it), polled for their status; idempotent under redelivery; failures retried, then the source failed with
nothing of it visible; deletion that removes the chunks at once and their vectors with the next purge."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import CountingDatabase
from tests.api.knowledge.support import (
    HARBORS,
    FlakyEmbedder,
    add,
    chunks_of,
    deliver,
    knowledge_base,
    polled,
    upload,
    user_id,
)
from workerbase import bootstrap
from workerbase.clock import utc_now
from workerbase.platform import Platform
from workerbase.ports import QueueMessage


async def test_a_file_is_queued_then_ingested_into_chunks_and_vectors(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    kb = await knowledge_base(api, ada)
    file_id = await upload(api, ada, HARBORS.encode(), "harbors.md", "text/markdown")
    source = await add(api, ada, kb, file_id=file_id)
    assert (source["status"], source["kind"], source["ref_id"], source["title"]) == (
        "queued",
        "file",
        file_id,
        "harbors.md",
    )
    assert await deliver(platform) == 1
    ready = await polled(api, ada, source)
    assert (ready["status"], ready["progress"], ready["error"]) == ("ready", 1, None)
    assert ready["embedding_model"] == platform.embedder.model
    chunks = await chunks_of(platform, source["id"])
    assert ready["chunk_count"] == len(chunks) > 3
    assert all(len(chunk["text"]) <= platform.settings.knowledge.chunk_chars for chunk in chunks)
    vectors = await platform.vectors.get([chunk["id"] for chunk in chunks])
    assert len(vectors) == len(chunks)
    assert {v.namespace for v in vectors} == {await user_id(api, ada)}  # the owner's namespace
    assert vectors[0].metadata == {"kb": kb, "source": source["id"], "model": platform.embedder.model}
    # Added again: the same source as it is, nothing queued.
    again = await api.post(f"/v1/knowledge-bases/{kb}/sources", json={"file_id": file_id}, headers=ada)
    assert (again.status_code, again.json()["id"]) == (200, source["id"])
    assert await deliver(platform) == 0
    listed = (await api.get(f"/v1/knowledge-bases/{kb}/sources", headers=ada)).json()
    assert [s["id"] for s in listed["items"]] == [source["id"]]


async def test_documents_and_chats_are_sources_too(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    kb = await knowledge_base(api, ada)
    document = await api.post(
        "/v1/documents",
        json={"kind": "text", "title": "Tides", "content": "Tides rise twice a day."},
        headers=ada,
    )
    chat = (await api.post("/v1/chats", json={"title": "Ports"}, headers=ada)).json()
    message = {"id": "m1", "role": "user", "parts": [{"type": "text", "text": "Which port is deepest?"}]}
    assert (await api.post(f"/v1/chats/{chat['id']}/messages", json=message, headers=ada)).status_code == 201
    from_document = await add(api, ada, kb, document_id=document.json()["id"])
    from_chat = await add(api, ada, kb, chat_id=chat["id"])
    assert (from_document["title"], from_chat["title"]) == ("Tides", "Ports")
    await deliver(platform)
    assert [c["text"] for c in await chunks_of(platform, from_document["id"])] == [
        "Tides\n\nTides rise twice a day."
    ]
    assert [c["text"] for c in await chunks_of(platform, from_chat["id"])] == ["user: Which port is deepest?"]


async def test_redelivery_and_a_second_ingestion_never_duplicate_chunks(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    kb = await knowledge_base(api, ada)
    source = await add(
        api, ada, kb, file_id=await upload(api, ada, HARBORS.encode(), "h.md", "text/markdown")
    )
    owner = await user_id(api, ada)
    delivered_twice = QueueMessage(
        "m", {"source_id": source["id"], "user_id": owner, "generation": 1}, 1, "workerbase-ingest"
    )
    await deliver(platform)
    first = await chunks_of(platform, source["id"])
    await bootstrap.consume_queue_message(platform, delivered_twice, utc_now())  # at least once: again
    assert await chunks_of(platform, source["id"]) == first
    again = await api.post(f"/v1/knowledge-bases/{kb}/sources/{source['id']}/ingest", headers=ada)
    assert (again.status_code, again.json()["status"]) == (202, "queued")
    await deliver(platform)
    await bootstrap.consume_queue_message(platform, delivered_twice, utc_now())  # an older generation's
    assert await chunks_of(platform, source["id"]) == first
    assert (await polled(api, ada, source))["status"] == "ready"
    assert (await platform.vectors.info()).vector_count == len(first)


async def test_a_provider_failure_is_retried_and_then_fails_the_source_with_nothing_visible(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    embedder = platform.embedder
    assert isinstance(embedder, FlakyEmbedder)
    kb = await knowledge_base(api, ada)
    embedder.failures = 2  # two deliveries fail, the third succeeds
    recovered = await add(
        api, ada, kb, file_id=await upload(api, ada, b"Quays and piers.", "a.md", "text/markdown")
    )
    assert await deliver(platform) == 3
    assert (await polled(api, ada, recovered))["status"] == "ready"
    embedder.failures = 100  # every retry fails: to the dead-letter queue
    failed = await add(api, ada, kb, file_id=await upload(api, ada, b"Breakwaters.", "b.md", "text/markdown"))
    assert await deliver(platform) == 5  # the delivery, 3 retries, the dead letter
    after = await polled(api, ada, failed)
    assert after["status"] == "failed"
    assert "every retry" in after["error"]
    assert await chunks_of(platform, failed["id"]) == []


async def test_unreadable_files_fail_at_once_with_why(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    kb = await knowledge_base(api, ada)
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    image = await add(api, ada, kb, file_id=await upload(api, ada, png, "dot.png", "image/png"))
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    scanned = await add(api, ada, kb, file_id=await upload(api, ada, pdf, "scan.pdf", "application/pdf"))
    assert await deliver(platform) == 2  # no retries: they cannot get better
    assert (await polled(api, ada, image))["error"] == "files of type image/png cannot be read as text yet"
    assert (await polled(api, ada, scanned))[
        "error"
    ] == "files of type application/pdf cannot be read as text yet"


async def test_removing_a_source_or_its_file_removes_its_chunks_and_then_its_vectors(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, db: CountingDatabase
) -> None:
    kb = await knowledge_base(api, ada)
    file_a = await upload(api, ada, HARBORS.encode(), "a.md", "text/markdown")
    file_b = await upload(api, ada, b"Lighthouses mark the way in.", "b.md", "text/markdown")
    a, b = await add(api, ada, kb, file_id=file_a), await add(api, ada, kb, file_id=file_b)
    await deliver(platform)
    chunk_ids = [c["id"] for c in await chunks_of(platform, a["id"]) + await chunks_of(platform, b["id"])]
    db.round_trips = 0
    removed = await api.delete(f"/v1/knowledge-bases/{kb}/sources/{a['id']}", headers=ada)
    assert removed.status_code == 204
    assert db.round_trips == 1
    assert (await api.delete(f"/v1/files/{file_b}", headers=ada)).status_code == 204  # takes its source along
    assert await chunks_of(platform, a["id"]) == await chunks_of(platform, b["id"]) == []
    assert (await api.get(f"/v1/knowledge-bases/{kb}/sources/{b['id']}", headers=ada)).status_code == 404
    assert len(await platform.vectors.get(chunk_ids)) == len(chunk_ids)  # not yet: Vectorize is not in D1
    await bootstrap.run_maintenance(platform, utc_now())
    assert await platform.vectors.get(chunk_ids) == []


async def test_another_users_knowledge_base_and_files_are_not_found(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    kb = await knowledge_base(api, ada)
    adas_file = await upload(api, ada, b"Private notes.", "n.md", "text/markdown")
    source = await add(api, ada, kb, file_id=adas_file)
    bobs_kb = await knowledge_base(api, bob)
    for response in (
        await api.post(f"/v1/knowledge-bases/{kb}/sources", json={"file_id": adas_file}, headers=bob),
        await api.post(f"/v1/knowledge-bases/{bobs_kb}/sources", json={"file_id": adas_file}, headers=bob),
        await api.get(f"/v1/knowledge-bases/{kb}/sources", headers=bob),
        await api.get(f"/v1/knowledge-bases/{kb}/sources/{source['id']}", headers=bob),
        await api.delete(f"/v1/knowledge-bases/{kb}/sources/{source['id']}", headers=bob),
    ):
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("body", [{}, {"file_id": "f", "chat_id": "c"}, {"file_id": ""}])
async def test_a_source_names_exactly_one_thing(
    api: httpx.AsyncClient, ada: dict[str, str], body: dict[str, str]
) -> None:
    kb = await knowledge_base(api, ada)
    response = await api.post(f"/v1/knowledge-bases/{kb}/sources", json=body, headers=ada)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
