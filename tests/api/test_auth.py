"""Signup, login, refresh-token rotation (with reuse detection and its grace window), logout and /me,
through the HTTP API on the local runtime, with each endpoint's D1 round trips counted."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.api.conftest import BASE_URL, PASSWORD, Clock, CountingDatabase, bearer, signup, with_platform
from workerbase.platform import Platform
from workerbase.ports import Crypto

# From Django's hasher tests: make_password("lètmein", "seasalt") at 10,000 rounds.
DJANGO_HASH = "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY="


def without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "request_id"}


async def test_signup_returns_a_session_and_me_works(api: httpx.AsyncClient, db: CountingDatabase) -> None:
    db.round_trips = 0
    body = await signup(api)
    assert db.round_trips == 1
    assert set(body) == {"user", "access_token", "refresh_token", "expires_in", "token_type"}
    assert body["user"]["email"] == "ada@example.com"  # trimmed, lower-cased
    assert (body["user"]["name"], body["user"]["role"], body["expires_in"], body["token_type"]) == (
        "Ada",
        "user",
        900,
        "Bearer",
    )
    assert "password_hash" not in body["user"]
    db.round_trips = 0
    me = await api.get("/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json() == body["user"]
    assert db.round_trips == 1


async def test_duplicate_email_is_409_whatever_its_case(api: httpx.AsyncClient) -> None:
    await signup(api, "ada@example.com")
    response = await api.post("/v1/auth/signup", json={"email": " ADA@example.COM", "password": PASSWORD})
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "ada@example.com", "password": "short"}, "body.password"),
        ({"email": "ada@example.com", "password": "x" * 1025}, "body.password"),
        ({"email": "not-an-email", "password": PASSWORD}, "body.email"),
        ({"password": PASSWORD}, "body.email"),
    ],
)
async def test_signup_validation(
    api: httpx.AsyncClient, db: CountingDatabase, payload: Any, field: str
) -> None:
    db.round_trips = 0
    response = await api.post("/v1/auth/signup", json=payload)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert db.round_trips == 0


async def test_login_and_its_failures_look_alike(api: httpx.AsyncClient, db: CountingDatabase) -> None:
    await signup(api)
    db.round_trips = 0
    ok = await api.post("/v1/auth/login", json={"email": "ADA@example.com", "password": PASSWORD})
    assert ok.status_code == 200
    assert db.round_trips == 2  # one read, one batched write
    wrong_password = await api.post(
        "/v1/auth/login", json={"email": "ada@example.com", "password": "nope" * 3}
    )
    unknown_email = await api.post(
        "/v1/auth/login", json={"email": "bob@example.com", "password": "nope" * 3}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert without_request_id(wrong_password.json()) == without_request_id(unknown_email.json())
    assert wrong_password.json()["code"] == "invalid_credentials"


async def test_refresh_rotates_and_the_new_token_works(api: httpx.AsyncClient, db: CountingDatabase) -> None:
    session = await signup(api)
    db.round_trips = 0
    first = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert first.status_code == 200, first.text
    assert db.round_trips == 1
    rotated = first.json()
    assert rotated["refresh_token"] != session["refresh_token"]
    assert (await api.get("/v1/me", headers=bearer(rotated["access_token"]))).status_code == 200
    second = await api.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert second.status_code == 200


async def test_reuse_within_the_grace_window_gets_a_fresh_token(api: httpx.AsyncClient, clock: Clock) -> None:
    session = await signup(api)
    tab_one = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    clock.advance(5)  # the second tab refreshes with the same token, 5 s later (grace is 10 s)
    tab_two = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert tab_two.status_code == 200
    for tab in (tab_one, tab_two):
        again = await api.post("/v1/auth/refresh", json={"refresh_token": tab.json()["refresh_token"]})
        assert again.status_code == 200


async def test_reuse_after_the_grace_window_revokes_the_family(api: httpx.AsyncClient, clock: Clock) -> None:
    session = await signup(api)
    other_login = await api.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    rotated = (await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})).json()
    clock.advance(11)
    replay = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert replay.status_code == 401
    assert replay.json()["code"] == "invalid_refresh_token"
    # The thief's replay cost the legitimate holder this session too...
    assert (
        await api.post("/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    ).status_code == 401
    # ...but not the user's other sessions.
    other = await api.post("/v1/auth/refresh", json={"refresh_token": other_login.json()["refresh_token"]})
    assert other.status_code == 200


async def test_expired_refresh_tokens_are_refused(api: httpx.AsyncClient, clock: Clock) -> None:
    session = await signup(api)
    clock.advance(timedelta(days=30, seconds=1).total_seconds())
    response = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert response.status_code == 401


async def test_logout_revokes_that_session_only(api: httpx.AsyncClient, db: CountingDatabase) -> None:
    session = await signup(api)
    other_login = await api.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    db.round_trips = 0
    logout = await api.post("/v1/auth/logout", json={"refresh_token": session["refresh_token"]})
    assert logout.status_code == 204
    assert db.round_trips == 1
    assert (
        await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    ).status_code == 401
    other = await api.post("/v1/auth/refresh", json={"refresh_token": other_login.json()["refresh_token"]})
    assert other.status_code == 200
    unknown = await api.post("/v1/auth/logout", json={"refresh_token": "never-issued"})
    assert unknown.status_code == 204  # says nothing about the token


async def test_tokens_are_not_interchangeable(api: httpx.AsyncClient) -> None:
    session = await signup(api)
    as_access = await api.get("/v1/me", headers=bearer(session["refresh_token"]))
    assert as_access.status_code == 401
    assert as_access.headers["www-authenticate"].startswith("Bearer")
    as_refresh = await api.post("/v1/auth/refresh", json={"refresh_token": session["access_token"]})
    assert as_refresh.status_code == 401


async def test_me_requires_a_bearer_token(api: httpx.AsyncClient) -> None:
    for headers in ({}, {"authorization": "Basic YWRhOnB3"}, {"authorization": "Bearer "}):
        response = await api.get("/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_token"
        assert response.headers["www-authenticate"] == "Bearer"
    forged = await api.get("/v1/me", headers=bearer("not.a.jwt"))
    assert forged.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_expired_access_tokens_are_refused(api: httpx.AsyncClient, clock: Clock) -> None:
    session = await signup(api)
    clock.advance(15 * 60 - 1)
    assert (await api.get("/v1/me", headers=bearer(session["access_token"]))).status_code == 200
    clock.advance(1)  # 15-minute tokens
    response = await api.get("/v1/me", headers=bearer(session["access_token"]))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def django_hash(password: str, salt: str = "seasalt", iterations: int = 10_000) -> str:
    """A hash in Django's pbkdf2_sha256 format (what `make_password` stores)."""
    derived = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(derived).decode()}"


async def insert_imported_user(platform: Platform, email: str, password_hash: str) -> None:
    await platform.db.query(
        "INSERT INTO users (id, email, role, password_hash, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [email, email, "user", password_hash, "2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00.000Z"],
    )


async def stored_hash(platform: Platform, email: str) -> str:
    row = (await platform.db.query("SELECT password_hash FROM users WHERE email = ?", [email])).first()
    assert row is not None
    return str(row["password_hash"])


async def test_imported_django_users_log_in_and_are_rehashed(
    api: httpx.AsyncClient, platform: Platform
) -> None:
    assert django_hash("lètmein") == DJANGO_HASH  # the helper reproduces Django's own test vector
    await insert_imported_user(platform, "old@example.com", django_hash(PASSWORD))
    response = await api.post("/v1/auth/login", json={"email": "old@example.com", "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert (await stored_hash(platform, "old@example.com")).startswith("pbkdf2_sha256$100000$")
    again = await api.post("/v1/auth/login", json={"email": "old@example.com", "password": PASSWORD})
    assert again.status_code == 200


async def test_short_imported_passwords_still_log_in(api: httpx.AsyncClient, platform: Platform) -> None:
    # Django allowed this 7-character password; it keeps working, with its old hash (too short to re-make).
    await insert_imported_user(platform, "short@example.com", DJANGO_HASH)
    response = await api.post("/v1/auth/login", json={"email": "short@example.com", "password": "lètmein"})
    assert response.status_code == 200
    assert await stored_hash(platform, "short@example.com") == DJANGO_HASH


async def test_logout_all_ends_every_session(api: httpx.AsyncClient, db: CountingDatabase) -> None:
    first = await signup(api)
    second = (
        await api.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    ).json()
    db.round_trips = 0
    response = await api.post("/v1/auth/logout-all", headers=bearer(first["access_token"]))
    assert response.status_code == 204
    assert db.round_trips == 1
    for session in (first, second):
        refused = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
        assert refused.status_code == 401
    assert (await api.post("/v1/auth/logout-all")).status_code == 401


async def test_password_change_ends_other_sessions_and_keeps_this_one(
    api: httpx.AsyncClient, db: CountingDatabase
) -> None:
    first = await signup(api)
    other = (await api.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})).json()
    wrong = await api.post(
        "/v1/me/password",
        json={"current_password": "not my password", "new_password": "a brand new password"},
        headers=bearer(first["access_token"]),
    )
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "current_password_incorrect"
    db.round_trips = 0
    changed = await api.post(
        "/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a brand new password"},
        headers=bearer(first["access_token"]),
    )
    assert changed.status_code == 200, changed.text
    assert db.round_trips == 2
    fresh = changed.json()
    assert (
        await api.post("/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    ).status_code == 200
    for stale in (first, other):
        refused = await api.post("/v1/auth/refresh", json={"refresh_token": stale["refresh_token"]})
        assert refused.status_code == 401
    old = await api.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert old.status_code == 401
    new = await api.post(
        "/v1/auth/login", json={"email": "ada@example.com", "password": "a brand new password"}
    )
    assert new.status_code == 200


async def test_rename_and_delete_account(api: httpx.AsyncClient, db: CountingDatabase) -> None:
    session = await signup(api)
    db.round_trips = 0
    renamed = await api.patch(
        "/v1/me", json={"name": "Ada Lovelace"}, headers=bearer(session["access_token"])
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Ada Lovelace"
    assert db.round_trips == 1
    too_long = await api.patch("/v1/me", json={"name": "x" * 201}, headers=bearer(session["access_token"]))
    assert too_long.status_code == 422
    db.round_trips = 0
    deleted = await api.delete("/v1/me", headers=bearer(session["access_token"]))
    assert deleted.status_code == 204
    assert db.round_trips == 2  # the deletion, then the look for file objects to remove (none here)
    assert (await api.get("/v1/me", headers=bearer(session["access_token"]))).status_code == 401
    refused = await api.post("/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert refused.status_code == 401
    gone = await api.post("/v1/auth/login", json={"email": "ada@example.com", "password": PASSWORD})
    assert gone.status_code == 401
    assert (await db.query("SELECT count(*) AS n FROM refresh_tokens")).first() == {"n": 0}


class CountingCrypto:
    """The real local crypto, counting PBKDF2 work (iterations run)."""

    def __init__(self, inner: Crypto) -> None:
        self.inner = inner
        self.iterations = 0

    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
        self.iterations += iterations
        return await self.inner.pbkdf2_sha256(password, salt, iterations, length)

    def hmac_sha256(self, key: bytes, message: bytes) -> bytes:
        return self.inner.hmac_sha256(key, message)

    def random_bytes(self, n: int) -> bytes:
        return self.inner.random_bytes(n)


async def test_unknown_emails_cost_the_same_password_work(platform: Platform) -> None:
    crypto = CountingCrypto(platform.crypto)
    app = with_platform(platform, crypto=crypto)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as client:
        await signup(client)
        work = {}
        for email in ("ada@example.com", "nobody@example.com"):
            crypto.iterations = 0
            response = await client.post(
                "/v1/auth/login", json={"email": email, "password": "wrong password"}
            )
            assert response.status_code == 401
            work[email] = crypto.iterations
    assert work["ada@example.com"] == work["nobody@example.com"] == 100_000
