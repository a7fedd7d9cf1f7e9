"""API keys (scopes, expiry, deletion, isolation between users) and the admin user list."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.conftest import PASSWORD, Clock, CountingDatabase, bearer, signup
from workerbase.platform import Platform


async def create_key(api: httpx.AsyncClient, token: str, scopes: list[str], **extra: Any) -> dict[str, Any]:
    response = await api.post(
        "/v1/me/api-keys", json={"name": "discord bot", "scopes": scopes, **extra}, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_key_is_shown_once_and_works_as_a_bearer_token(
    api: httpx.AsyncClient, db: CountingDatabase
) -> None:
    session = await signup(api)
    db.round_trips = 0
    created = await create_key(api, session["access_token"], ["read", "write"])
    assert db.round_trips == 1
    assert created["key"].startswith("wb_")
    assert created["prefix"] == created["key"][:10]
    assert (created["scopes"], created["expires_at"]) == (["read", "write"], None)
    listed = (await api.get("/v1/me/api-keys", headers=bearer(session["access_token"]))).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert "key" not in listed["items"][0]
    assert listed["next_cursor"] is None
    db.round_trips = 0
    me = await api.get("/v1/me", headers=bearer(created["key"]))
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"
    assert db.round_trips == 2  # the key, then the user
    renamed = await api.patch("/v1/me", json={"name": "Bot-run Ada"}, headers=bearer(created["key"]))
    assert renamed.status_code == 200


async def test_read_only_keys_cannot_write(api: httpx.AsyncClient) -> None:
    session = await signup(api)
    created = await create_key(api, session["access_token"], ["read"])
    assert created["scopes"] == ["read"]
    assert (await api.get("/v1/me", headers=bearer(created["key"]))).status_code == 200
    refused = await api.patch("/v1/me", json={"name": "x"}, headers=bearer(created["key"]))
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"


async def test_keys_cannot_manage_the_account(api: httpx.AsyncClient) -> None:
    session = await signup(api)
    key = (await create_key(api, session["access_token"], ["write"]))["key"]  # write implies read
    for method, path, body in (
        ("POST", "/v1/me/api-keys", {"name": "more", "scopes": ["read"]}),
        ("GET", "/v1/me/api-keys", None),
        ("POST", "/v1/me/password", {"current_password": PASSWORD, "new_password": "another password"}),
        ("DELETE", "/v1/me", None),
        ("POST", "/v1/auth/logout-all", None),
    ):
        response = await api.request(method, path, json=body, headers=bearer(key))
        assert response.status_code == 403, (method, path)


async def test_deleted_and_expired_keys_stop_working(api: httpx.AsyncClient, clock: Clock) -> None:
    session = await signup(api)
    token = session["access_token"]
    doomed = await create_key(api, token, ["read"])
    short_lived = await create_key(api, token, ["read"], expires_in_days=1)
    assert (await api.delete(f"/v1/me/api-keys/{doomed['id']}", headers=bearer(token))).status_code == 204
    assert (await api.get("/v1/me", headers=bearer(doomed["key"]))).status_code == 401
    assert (await api.delete(f"/v1/me/api-keys/{doomed['id']}", headers=bearer(token))).status_code == 404
    assert (await api.get("/v1/me", headers=bearer(short_lived["key"]))).status_code == 200
    clock.advance(86_401)
    assert (await api.get("/v1/me", headers=bearer(short_lived["key"]))).status_code == 401
    assert (await api.get("/v1/me", headers=bearer("wb_not-a-real-key"))).status_code == 401


async def test_another_users_key_is_404_and_invisible(api: httpx.AsyncClient) -> None:
    ada = await signup(api, "ada@example.com")
    bob = await signup(api, "bob@example.com")
    adas_key = await create_key(api, ada["access_token"], ["read"])
    stolen = await api.delete(f"/v1/me/api-keys/{adas_key['id']}", headers=bearer(bob["access_token"]))
    assert stolen.status_code == 404
    assert (await api.get("/v1/me/api-keys", headers=bearer(bob["access_token"]))).json()["items"] == []
    assert (await api.get("/v1/me", headers=bearer(adas_key["key"]))).status_code == 200


async def test_key_validation(api: httpx.AsyncClient) -> None:
    token = (await signup(api))["access_token"]
    for body in (
        {"name": "", "scopes": ["read"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["admin"]},
        {"name": "x", "scopes": ["read"], "expires_in_days": 0},
    ):
        response = await api.post("/v1/me/api-keys", json=body, headers=bearer(token))
        assert response.status_code == 422, body


async def test_key_list_pages(api: httpx.AsyncClient, clock: Clock) -> None:
    token = (await signup(api))["access_token"]
    created = []
    for _ in range(5):
        created.append((await create_key(api, token, ["read"]))["id"])
        clock.advance(1)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/me/api-keys", params=params, headers=bearer(token))).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(created))
    bad = await api.get("/v1/me/api-keys", params={"cursor": "garbage!"}, headers=bearer(token))
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_cursor"


async def test_admin_lists_users_and_others_are_refused(
    api: httpx.AsyncClient, platform: Platform, clock: Clock, db: CountingDatabase
) -> None:
    emails = []
    for number in range(5):
        emails.append(f"user{number}@example.com")
        await signup(api, emails[-1])
        clock.advance(1)
    admin = await signup(api, "root@example.com")
    await platform.db.query("UPDATE users SET role = 'admin' WHERE email = ?", ["root@example.com"])
    refused = await api.get("/v1/admin/users", headers=bearer(admin["access_token"]))
    assert refused.status_code == 403  # the role is in the token: it applies from the next login
    fresh = await api.post("/v1/auth/login", json={"email": "root@example.com", "password": PASSWORD})
    admin_token = fresh.json()["access_token"]
    seen: list[str] = []
    cursor = None
    db.round_trips = 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await api.get("/v1/admin/users", params=params, headers=bearer(admin_token))).json()
        seen += [user["email"] for user in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["root@example.com", *reversed(emails)]
    assert db.round_trips == 3  # one per page
    user_token = (await api.post("/v1/auth/login", json={"email": emails[0], "password": PASSWORD})).json()
    assert (await api.get("/v1/admin/users", headers=bearer(user_token["access_token"]))).status_code == 403
    assert (
        await api.get("/v1/admin/users", params={"limit": 101}, headers=bearer(admin_token))
    ).status_code == 422
