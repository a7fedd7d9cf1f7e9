"""Guest accounts (`POST /v1/auth/guest`, GUEST_ACCOUNTS=on): what the ai-chatbot gives visitors before they
sign up. A guest has the role `guest`, no password (its sessions are its only way in) and no API keys;
creation is throttled per IP; the maintenance deletes guests whose last session ended."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.api.conftest import BASE_URL, PASSWORD, Clock, CountingDatabase, bearer, signup, with_platform
from workerbase.bootstrap import run_maintenance
from workerbase.config import Settings
from workerbase.platform import Platform


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, auth=replace(settings.auth, guest_accounts=True))


async def guest(api: httpx.AsyncClient, ip: str = "203.0.113.7") -> dict[str, Any]:
    response = await api.post("/v1/auth/guest", headers={"cf-connecting-ip": ip})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def claims_of(access_token: str) -> dict[str, Any]:
    payload = access_token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


async def user_count(db: CountingDatabase) -> int:
    return int((await db.query("SELECT count(*) AS n FROM users")).rows[0]["n"] or 0)


async def test_a_guest_gets_a_session_with_the_guest_role_and_nothing_to_sign_in_with(
    api: httpx.AsyncClient, db: CountingDatabase
) -> None:
    db.round_trips = 0
    session = await guest(api)
    assert db.round_trips == 1
    user = session["user"]
    assert user["role"] == "guest"
    assert user["email"].startswith("guest-")
    assert user["email"].endswith("@guest.invalid")
    assert claims_of(session["access_token"])["role"] == "guest"
    me = await api.get("/v1/me", headers=bearer(session["access_token"]))
    assert (me.status_code, me.json()["role"]) == (200, "guest")
    refreshed = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert claims_of(refreshed.json()["access_token"])["role"] == "guest"  # still a guest after refresh
    for password in ("x", "!guest", PASSWORD):
        login = await api.post("/v1/auth/login", json={"email": user["email"], "password": password})
        assert login.status_code == 401
    key = await api.post(
        "/v1/me/api-keys", json={"name": "k", "scopes": ["read"]}, headers=bearer(session["access_token"])
    )
    assert (key.status_code, key.json()["code"]) == (403, "guest_not_allowed")
    renamed = await api.patch("/v1/me", json={"name": "Visitor"}, headers=bearer(session["access_token"]))
    assert (renamed.json()["name"], renamed.json()["role"]) == ("Visitor", "guest")


async def test_guests_are_off_unless_enabled(
    db: CountingDatabase, platform: Platform, settings: Settings
) -> None:
    off = replace(settings, auth=replace(settings.auth, guest_accounts=False))
    transport = httpx.ASGITransport(app=with_platform(platform, settings=off))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        response = await client.post("/v1/auth/guest")
    assert (response.status_code, response.json()["code"]) == (403, "guest_accounts_disabled")
    assert response.headers["content-type"] == "application/problem+json"
    assert await user_count(db) == 0


async def test_one_ip_is_locked_out_after_twenty_guests_an_hour(
    api: httpx.AsyncClient, db: CountingDatabase, clock: Clock
) -> None:
    for _ in range(21):  # 20 free; the one after them locks the IP out
        await guest(api)
    refused = await api.post("/v1/auth/guest", headers={"cf-connecting-ip": "203.0.113.7"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) == 60
    assert await user_count(db) == 21
    await guest(api, ip="198.51.100.1")  # another client is not affected


async def test_the_maintenance_deletes_guests_whose_sessions_ended_with_what_they_own(
    api: httpx.AsyncClient, db: CountingDatabase, platform: Platform, clock: Clock
) -> None:
    gone, kept = await guest(api), await guest(api)
    member = await signup(api)
    chat = await api.post("/v1/chats", json={"title": "mine"}, headers=bearer(gone["access_token"]))
    assert chat.status_code == 201
    await api.post("/v1/auth/logout", json={"refresh_token": gone["refresh_token"]})
    await api.post("/v1/auth/logout", json={"refresh_token": member["refresh_token"]})
    await run_maintenance(platform, clock.now)  # too recent: an hour's grace
    assert await user_count(db) == 3
    await run_maintenance(platform, clock.now + timedelta(hours=2))
    rows = (await db.query("SELECT id FROM users ORDER BY id")).rows
    assert sorted(str(r["id"]) for r in rows) == sorted([kept["user"]["id"], member["user"]["id"]])
    assert (await db.query("SELECT count(*) AS n FROM chats")).rows[0]["n"] == 0
    # A guest whose session expired goes too; a member never does.
    await run_maintenance(platform, clock.now + timedelta(days=31))
    rows = (await db.query("SELECT id FROM users")).rows
    assert [str(r["id"]) for r in rows] == [member["user"]["id"]]


async def test_guest_addresses_are_reserved(api: httpx.AsyncClient) -> None:
    body = {"email": "Guest-1@Guest.Invalid", "password": PASSWORD}
    response = await api.post("/v1/auth/signup", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_ipv6_clients_are_counted_by_their_slash_64(api: httpx.AsyncClient) -> None:
    for host in range(21):
        await guest(api, ip=f"2001:db8:1:2::{host + 1:x}")
    refused = await api.post("/v1/auth/guest", headers={"cf-connecting-ip": "2001:db8:1:2:ffff::1"})
    assert refused.status_code == 429
    await guest(api, ip="2001:db8:1:3::1")  # the next /64 is someone else
