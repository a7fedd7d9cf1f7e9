"""Hybrid search over the caller's knowledge: full-text and vector rankings fused, one D1 round trip per
query, another user's knowledge never seen, a deleted chunk never shown, even while its vector is there."""

from __future__ import annotations

import httpx

from tests.api.conftest import CountingDatabase
from tests.api.knowledge.support import add, deliver, knowledge_base, upload
from workerbase.platform import Platform

LIGHTHOUSES = (
    "Lighthouses mark dangerous coasts. Each light flashes in a pattern of its own, its character, so that"
    " sailors at night can tell one lighthouse from another."
)
HARBORS = "A harbor shelters ships from the waves. A breakwater and a quay make a port where boats can dock."
CAKE = "Beat the butter and sugar, fold in the flour and lemon zest, and bake the cake for forty minutes."


async def ingested(api: httpx.AsyncClient, who: dict[str, str], platform: Platform, **texts: str) -> str:
    """A knowledge base of one file per text (named by its key), ingested."""
    kb = await knowledge_base(api, who)
    for name, text in texts.items():
        await add(api, who, kb, file_id=await upload(api, who, text.encode(), f"{name}.md", "text/markdown"))
    await deliver(platform)
    return kb


async def test_the_best_passages_come_first_with_their_sources_and_both_ranks(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform, db: CountingDatabase
) -> None:
    kb = await ingested(api, ada, platform, lighthouses=LIGHTHOUSES, harbors=HARBORS, cake=CAKE)
    db.round_trips = 0
    response = await api.post(
        f"/v1/knowledge-bases/{kb}/query",
        json={"query": "lighthouse lights at night", "top_k": 2},
        headers=ada,
    )
    assert response.status_code == 200, response.text
    assert db.round_trips == 1  # the D1 batch: ownership, the full-text ranking, the vector matches' rows
    items = response.json()["items"]
    assert len(items) == 2
    best = items[0]
    assert (best["source_title"], best["source_kind"], best["knowledge_base_id"], best["position"]) == (
        "lighthouses.md",
        "file",
        kb,
        0,
    )
    assert best["text"] == LIGHTHOUSES
    assert best["text_rank"] == 1
    assert best["vector_rank"] is not None
    assert best["vector_score"] is not None
    assert [best["text"][start:end].lower() for start, end in best["highlights"]] == [
        "at",
        "night",
        "lighthouse",
    ]
    assert best["score"] > items[1]["score"]


async def test_a_search_across_knowledge_bases_and_a_vector_only_match(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    first = await ingested(api, ada, platform, harbors=HARBORS)
    second = await ingested(api, ada, platform, cake=CAKE)
    everywhere = await api.post("/v1/knowledge/query", json={"query": "harbor", "top_k": 5}, headers=ada)
    found = {item["knowledge_base_id"] for item in everywhere.json()["items"]}
    assert found == {first, second}  # the cake is only near by its vector: still a (lower) candidate
    only = await api.post(
        "/v1/knowledge/query", json={"query": "harbor", "knowledge_base_ids": [second]}, headers=ada
    )
    assert {item["knowledge_base_id"] for item in only.json()["items"]} == {second}
    assert all(item["text_rank"] is None for item in only.json()["items"])  # no full-text match there


async def test_another_users_knowledge_is_never_searched(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], platform: Platform
) -> None:
    adas = await ingested(api, ada, platform, lighthouses=LIGHTHOUSES)
    await ingested(api, bob, platform, harbors=HARBORS)
    bobs_search = await api.post("/v1/knowledge/query", json={"query": "lighthouse harbor"}, headers=bob)
    assert {item["source_title"] for item in bobs_search.json()["items"]} == {"harbors.md"}
    for response in (
        await api.post(f"/v1/knowledge-bases/{adas}/query", json={"query": "lighthouse"}, headers=bob),
        await api.post(
            "/v1/knowledge/query", json={"query": "lighthouse", "knowledge_base_ids": [adas]}, headers=bob
        ),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_removed_source_is_never_shown_though_its_vectors_are_still_there(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    kb = await ingested(api, ada, platform, lighthouses=LIGHTHOUSES, harbors=HARBORS)
    sources = (await api.get(f"/v1/knowledge-bases/{kb}/sources", headers=ada)).json()["items"]
    lighthouse = next(s for s in sources if s["title"] == "lighthouses.md")
    assert (
        await api.delete(f"/v1/knowledge-bases/{kb}/sources/{lighthouse['id']}", headers=ada)
    ).status_code == 204
    assert (await platform.vectors.info()).vector_count == 2  # its vector is not purged yet
    found = await api.post(
        f"/v1/knowledge-bases/{kb}/query", json={"query": "lighthouse", "top_k": 5}, headers=ada
    )
    assert {item["source_title"] for item in found.json()["items"]} == {"harbors.md"}


async def test_bad_queries_are_refused(
    api: httpx.AsyncClient, ada: dict[str, str], platform: Platform
) -> None:
    kb = await ingested(api, ada, platform, harbors=HARBORS)
    for body in ({"query": ""}, {"query": "x", "top_k": 21}, {"query": "?!"}, {"query": "x" * 2001}):
        response = await api.post(f"/v1/knowledge-bases/{kb}/query", json=body, headers=ada)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
