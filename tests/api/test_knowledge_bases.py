"""Knowledge bases: CRUD, pages, validation, the per-user cap, API-key scopes, account deletion, and
isolation between users (another user's knowledge base is 404 on every route). One D1 round trip per
endpoint."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from tests.api.conftest import Clock, CountingDatabase, bearer
from workerbase.services.knowledge_bases import MAX_KNOWLEDGE_BASES_PER_USER

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


async def create(api: httpx.AsyncClient, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await api.post("/v1/knowledge-bases", json=body, headers=who)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def walk(api: httpx.AsyncClient, who: dict[str, str], limit: int) -> list[str]:
    """Every knowledge base's id, page by page."""
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await api.get("/v1/knowledge-bases", params=params, headers=who)
        assert response.status_code == 200, response.text
        seen += [kb["id"] for kb in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return seen


async def test_create_read_update_delete(
    api: httpx.AsyncClient, ada: dict[str, str], clock: Clock, db: CountingDatabase
) -> None:
    db.round_trips = 0
    kb = await create(api, ada, name="  Recipes  ", description="What we cook.")
    assert db.round_trips == 1
    assert set(kb) == {"id", "name", "description", "created_at", "updated_at"}
    assert uuid.UUID(kb["id"])
    assert (kb["name"], kb["description"]) == ("Recipes", "What we cook.")  # trimmed
    assert TIMESTAMP.fullmatch(kb["created_at"])
    assert kb["updated_at"] == kb["created_at"]
    path = f"/v1/knowledge-bases/{kb['id']}"

    db.round_trips = 0
    assert (await api.get(path, headers=ada)).json() == kb
    assert db.round_trips == 1

    clock.advance(5)
    db.round_trips = 0
    renamed = await api.patch(path, json={"name": "Cooking"}, headers=ada)
    assert db.round_trips == 1
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["description"]) == ("Cooking", "What we cook.")
    assert renamed.json()["created_at"] == kb["created_at"]
    assert renamed.json()["updated_at"] > kb["updated_at"]
    cleared = (await api.patch(path, json={"description": ""}, headers=ada)).json()
    assert (cleared["name"], cleared["description"]) == ("Cooking", "")
    assert (await api.get(path, headers=ada)).json() == cleared

    db.round_trips = 0
    deleted = await api.delete(path, headers=ada)
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert db.round_trips == 1
    for method in ("GET", "PATCH", "DELETE"):
        gone = await api.request(method, path, json={"name": "x"} if method == "PATCH" else None, headers=ada)
        assert gone.status_code == 404, method
        assert gone.headers["content-type"] == "application/problem+json"
        assert gone.json()["code"] == "not_found"


async def test_list_newest_first_in_pages(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], clock: Clock, db: CountingDatabase
) -> None:
    ids = []
    for n in range(7):
        ids.append((await create(api, ada, name=f"kb {n}"))["id"])
        clock.advance(1)
    # Created in the same millisecond: the id breaks the tie, so a walk still sees each once.
    same_time = [(await create(api, ada, name=f"twin {n}"))["id"] for n in range(2)]
    await create(api, bob, name="bob's")
    db.round_trips = 0
    seen = await walk(api, ada, limit=3)
    assert db.round_trips == 3
    assert seen == sorted(same_time, reverse=True) + list(reversed(ids))
    assert await walk(api, ada, limit=100) == seen
    assert await walk(api, ada, limit=1) == seen


async def test_list_limits_and_cursor(api: httpx.AsyncClient, ada: dict[str, str], clock: Clock) -> None:
    for n in range(21):
        await create(api, ada, name=f"kb {n}")
        clock.advance(0.001)
    default = (await api.get("/v1/knowledge-bases", headers=ada)).json()
    assert len(default["items"]) == 20
    assert default["next_cursor"] is not None
    rest = await api.get("/v1/knowledge-bases", params={"cursor": default["next_cursor"]}, headers=ada)
    assert (len(rest.json()["items"]), rest.json()["next_cursor"]) == (1, None)
    for limit in (0, 101, "x"):
        refused = await api.get("/v1/knowledge-bases", params={"limit": limit}, headers=ada)
        assert refused.status_code == 422, limit
        assert refused.json()["errors"][0]["field"] == "query.limit"
    bad = await api.get("/v1/knowledge-bases", params={"cursor": "!!"}, headers=ada)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_cursor")


async def test_validation(api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase) -> None:
    db.round_trips = 0
    for body, field in (
        ({}, "body.name"),
        ({"name": ""}, "body.name"),
        ({"name": " \t\n "}, "body.name"),  # empty once trimmed
        ({"name": "x" * 201}, "body.name"),
        ({"name": 7}, "body.name"),
        ({"name": "ok", "description": "x" * 2001}, "body.description"),
        ({"name": "ok", "description": None}, "body.description"),
    ):
        response = await api.post("/v1/knowledge-bases", json=body, headers=ada)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["code"] == "validation_failed"
        assert [error["field"] for error in problem["errors"]] == [field], body
    malformed = await api.post(
        "/v1/knowledge-bases", content=b"{", headers={**ada, "content-type": "application/json"}
    )
    assert (malformed.status_code, malformed.json()["code"]) == (400, "malformed_json")
    assert db.round_trips == 0

    longest = await create(api, ada, name=" " + "x" * 200 + " ", description="d" * 2000)
    assert (len(longest["name"]), len(longest["description"])) == (200, 2000)
    # Unknown fields are ignored, as on every other resource (chats, documents, files...).
    ignored = await create(api, ada, name="extra", source_count=5, id=str(uuid.uuid4()))
    assert set(ignored) == {"id", "name", "description", "created_at", "updated_at"}
    path = f"/v1/knowledge-bases/{longest['id']}"
    for body in ({"name": "  "}, {"name": "x" * 201}, {"description": "x" * 2001}):
        refused = await api.patch(path, json=body, headers=ada)
        assert refused.status_code == 422, body
    unchanged = await api.patch(path, json={}, headers=ada)
    assert (unchanged.json()["name"], unchanged.json()["description"]) == (longest["name"], "d" * 2000)


async def test_the_cap_per_user(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], db: CountingDatabase
) -> None:
    first = await create(api, ada, name="first")
    for n in range(MAX_KNOWLEDGE_BASES_PER_USER - 1):
        await create(api, ada, name=f"kb {n}")
    db.round_trips = 0
    refused = await api.post("/v1/knowledge-bases", json={"name": "one too many"}, headers=ada)
    assert db.round_trips == 1
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert (problem["code"], problem["max_knowledge_bases"]) == ("too_many_knowledge_bases", 100)
    assert problem["detail"] == "delete a knowledge base before creating another"
    assert len(await walk(api, ada, limit=100)) == MAX_KNOWLEDGE_BASES_PER_USER
    await create(api, bob, name="bob's own cap")
    assert (await api.delete(f"/v1/knowledge-bases/{first['id']}", headers=ada)).status_code == 204
    await create(api, ada, name="room again")


async def test_another_users_knowledge_base_is_404_everywhere(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str]
) -> None:
    kb = await create(api, ada, name="secret", description="ada's")
    path = f"/v1/knowledge-bases/{kb['id']}"
    missing = f"/v1/knowledge-bases/{uuid.uuid4()}"
    for method, body in (("GET", None), ("PATCH", {"name": "B was here"}), ("DELETE", None)):
        theirs = await api.request(method, path, json=body, headers=bob)
        nothing = await api.request(method, missing, json=body, headers=bob)
        assert theirs.status_code == 404, method
        assert theirs.json() | {"request_id": None} == nothing.json() | {"request_id": None}, method
    assert (await api.get("/v1/knowledge-bases", headers=bob)).json() == {"items": [], "next_cursor": None}
    assert (await api.get(path, headers=ada)).json() == kb
    assert (await api.get(path)).status_code == 401
    assert (await api.get("/v1/knowledge-bases")).status_code == 401


async def test_api_keys_read_with_read_scope_and_change_with_write_scope(
    api: httpx.AsyncClient, ada: dict[str, str], db: CountingDatabase
) -> None:
    kb = await create(api, ada, name="shared with a bot")
    path = f"/v1/knowledge-bases/{kb['id']}"
    keys = {}
    for scopes in (["read"], ["read", "write"]):
        created = await api.post("/v1/me/api-keys", json={"name": "bot", "scopes": scopes}, headers=ada)
        keys[len(scopes)] = bearer(created.json()["key"])
    reader, writer = keys[1], keys[2]
    db.round_trips = 0
    assert (await api.get(path, headers=reader)).json() == kb
    assert db.round_trips == 2  # the key, then the knowledge base
    listed = (await api.get("/v1/knowledge-bases", headers=reader)).json()["items"]
    assert [item["id"] for item in listed] == [kb["id"]]
    for method, target, body in (
        ("POST", "/v1/knowledge-bases", {"name": "x"}),
        ("PATCH", path, {"name": "x"}),
        ("DELETE", path, None),
    ):
        refused = await api.request(method, target, json=body, headers=reader)
        assert (refused.status_code, refused.json()["code"]) == (403, "insufficient_scope"), method
    made = await create(api, writer, name="by the bot")
    patched = await api.patch(f"/v1/knowledge-bases/{made['id']}", json={"name": "renamed"}, headers=writer)
    assert patched.json()["name"] == "renamed"
    assert (await api.delete(f"/v1/knowledge-bases/{made['id']}", headers=writer)).status_code == 204
    assert (await api.get(path, headers=ada)).json() == kb


async def test_deleting_the_account_deletes_its_knowledge_bases(
    api: httpx.AsyncClient, ada: dict[str, str], bob: dict[str, str], db: CountingDatabase
) -> None:
    for n in range(3):
        await create(api, ada, name=f"kb {n}")
    kept = await create(api, bob, name="bob's")
    assert (await api.delete("/v1/me", headers=ada)).status_code == 204
    left = await db.inner.query("SELECT id FROM knowledge_bases")
    assert left.rows == [{"id": kept["id"]}]
