"""Failed logins lock out per account and per IP with exponential back-off (capped at 15 minutes); a
successful login resets the account; signups are limited per IP. Time is the test's clock."""

from __future__ import annotations

import httpx

from tests.api.conftest import PASSWORD, Clock, CountingDatabase, signup

WRONG = "definitely not it"


async def login(
    api: httpx.AsyncClient, email: str, password: str, ip: str = "198.51.100.7"
) -> httpx.Response:
    return await api.post(
        "/v1/auth/login", json={"email": email, "password": password}, headers={"cf-connecting-ip": ip}
    )


async def test_failed_logins_lock_the_account_with_growing_delays(
    api: httpx.AsyncClient, clock: Clock, db: CountingDatabase
) -> None:
    await signup(api, "ada@example.com")
    for _ in range(6):  # five free failures, the sixth starts a 2 s lock
        assert (await login(api, "ada@example.com", WRONG)).status_code == 401
    db.round_trips = 0
    locked = await login(api, "ada@example.com", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "2"
    assert locked.json()["code"] == "too_many_attempts"
    assert db.round_trips == 1  # refused on the read, before any password work
    clock.advance(2)
    assert (await login(api, "ada@example.com", WRONG)).status_code == 401  # 7th failure: 4 s
    assert (await login(api, "ada@example.com", PASSWORD)).headers["retry-after"] == "4"
    clock.advance(4)
    assert (await login(api, "ada@example.com", PASSWORD)).status_code == 200
    # The success reset the account: five more free failures before any lock.
    for _ in range(5):
        assert (await login(api, "ada@example.com", WRONG)).status_code == 401
    assert (await login(api, "ada@example.com", PASSWORD)).status_code == 200


async def test_the_delay_doubles_up_to_15_minutes(api: httpx.AsyncClient, clock: Clock) -> None:
    await signup(api, "ada@example.com")
    delays = []
    for _ in range(40):
        response = await login(api, "ada@example.com", WRONG)
        if response.status_code == 429:
            delays.append(int(response.headers["retry-after"]))
            clock.advance(delays[-1])
    assert delays[:11] == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    assert set(delays[11:]) == {900}


async def test_unknown_emails_are_throttled_the_same_way(
    api: httpx.AsyncClient, db: CountingDatabase
) -> None:
    for _ in range(6):
        response = await login(api, "nobody@example.com", WRONG)
        assert response.status_code == 401
    locked = await login(api, "nobody@example.com", WRONG)
    assert locked.status_code == 429
    db.round_trips = 0
    assert (await login(api, "nobody@example.com", WRONG)).status_code == 429
    assert db.round_trips == 1


async def test_one_ip_guessing_many_accounts_is_locked_out(api: httpx.AsyncClient) -> None:
    await signup(api, "ada@example.com")
    for attempt in range(21):  # twenty free failures per IP, across any accounts
        assert (await login(api, f"user{attempt}@example.com", WRONG, ip="203.0.113.9")).status_code == 401
    assert (await login(api, "ada@example.com", PASSWORD, ip="203.0.113.9")).status_code == 429
    assert (await login(api, "ada@example.com", PASSWORD, ip="192.0.2.1")).status_code == 200


async def test_failures_older_than_the_window_are_forgotten(api: httpx.AsyncClient, clock: Clock) -> None:
    await signup(api, "ada@example.com")
    for _ in range(5):
        assert (await login(api, "ada@example.com", WRONG)).status_code == 401
    clock.advance(60 * 60 + 1)  # an hour of quiet
    for _ in range(5):
        assert (await login(api, "ada@example.com", WRONG)).status_code == 401
    assert (await login(api, "ada@example.com", PASSWORD)).status_code == 200


async def test_signups_are_limited_per_ip(api: httpx.AsyncClient, clock: Clock, db: CountingDatabase) -> None:
    async def attempt(number: int, ip: str) -> httpx.Response:
        return await api.post(
            "/v1/auth/signup",
            json={"email": f"new{number}@example.com", "password": PASSWORD},
            headers={"cf-connecting-ip": ip},
        )

    # Ten free signups; the eleventh goes through and starts a 60 s wait.
    for number in range(11):
        assert (await attempt(number, "198.51.100.20")).status_code == 201
    db.round_trips = 0
    refused = await attempt(100, "198.51.100.20")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert db.round_trips == 1
    assert (await login(api, "new100@example.com", PASSWORD)).status_code == 401  # nothing was created
    assert (await attempt(11, "192.0.2.50")).status_code == 201  # another IP is unaffected
    clock.advance(60)
    assert (await attempt(12, "198.51.100.20")).status_code == 201
    assert (await attempt(13, "198.51.100.20")).headers["retry-after"] == "120"
