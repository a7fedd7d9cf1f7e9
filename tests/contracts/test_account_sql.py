"""The account SQL (refresh-token rotation, login throttles) on both databases: local SQLite and D1 in
Pyodide. Guards the SQL that only runs inside batches (upserts, `<<`, strftime, conditional inserts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.contracts.schema import migrate
from workerbase.clock import iso
from workerbase.ports import Database
from workerbase.records import UserRecord
from workerbase.repositories import accounts, throttles

T0 = datetime(2026, 11, 23, 12, 0, 0, 123000, tzinfo=UTC)


def moment(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def at(seconds: float) -> str:
    return iso(moment(seconds))


async def add_user(db: Database, user_id: str = "u1") -> None:
    user = UserRecord(user_id, f"{user_id}@example.com", None, "user", "pbkdf2_sha256$1$s$AAAA", at(0), at(0))
    results = await db.batch([accounts.insert_user_unless_throttled(user, "signup:ip:x", moment(0))])
    assert results[0].meta.changes == 1


async def rotate(db: Database, presented: str, successor: str, now: float) -> str | None:
    results = await db.batch(
        accounts.rotate_refresh_token(
            presented, successor, moment(now), moment(now - 10), moment(now + 86_400)
        )
    )
    row = results[-1].first()
    return None if row is None else str(row["id"])


async def test_rotation_reuse_and_grace(db: Database) -> None:
    await migrate(db)
    await add_user(db)
    await db.batch([accounts.insert_refresh_token("t0", "family", "u1", moment(0), moment(86_400))])
    assert await rotate(db, "t0", "t1", now=1) == "u1"
    assert await rotate(db, "t0", "t1b", now=5) == "u1"  # within the 10 s grace: a second tab
    assert await rotate(db, "t1", "t2", now=6) == "u1"
    assert await rotate(db, "t0", "t3", now=30) is None  # replay after the grace: family revoked
    for token in ("t1b", "t2"):
        assert await rotate(db, token, f"{token}-next", now=31) is None
    assert await rotate(db, "unknown", "x", now=31) is None


async def test_expired_refresh_tokens_do_not_rotate(db: Database) -> None:
    await migrate(db)
    await add_user(db)
    await db.batch([accounts.insert_refresh_token("t0", "family", "u1", moment(0), moment(100))])
    assert await rotate(db, "t0", "t1", now=101) is None


async def test_refresh_tokens_need_an_existing_user(db: Database) -> None:
    await migrate(db)
    results = await db.batch([accounts.insert_refresh_token("t0", "f", "ghost", moment(0), moment(100))])
    assert results[0].meta.changes == 0


async def record(db: Database, now: float) -> str | None:
    statement = throttles.record_attempt(
        "login:account:a",
        now=moment(now),
        window_start=moment(now - 3600),
        free_attempts=2,
        cap_seconds=10,
        base_seconds=2,
    )
    await db.batch([statement])
    row = (
        await db.query("SELECT locked_until FROM login_throttles WHERE key = ?", ["login:account:a"])
    ).first()
    assert row is not None
    return None if row["locked_until"] is None else str(row["locked_until"])


async def test_throttle_backs_off_exponentially_with_a_cap(db: Database) -> None:
    await migrate(db)
    assert await record(db, 0) is None
    assert await record(db, 1) is None
    assert await record(db, 2) == at(4)  # third attempt: 2 s
    assert await record(db, 3) == at(4)  # while locked, attempts are not counted
    assert await record(db, 4) == at(8)  # 4 s
    assert await record(db, 8) == at(16)  # 8 s
    assert await record(db, 16) == at(26)  # 16 s, capped at 10
    assert await record(db, 26 + 3600) is None  # an hour of quiet restarts the count
    row = (await db.query("SELECT failures FROM login_throttles WHERE key = ?", ["login:account:a"])).first()
    assert row == {"failures": 1}


async def test_throttled_signups_insert_nothing(db: Database) -> None:
    await migrate(db)
    await db.query(
        "INSERT INTO login_throttles (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?)",
        ["signup:ip:x", 11, at(60), at(0)],
    )
    user = UserRecord("u2", "u2@example.com", None, "user", "h", at(0), at(0))
    refused = await db.batch([accounts.insert_user_unless_throttled(user, "signup:ip:x", moment(30))])
    assert refused[0].meta.changes == 0
    allowed = await db.batch([accounts.insert_user_unless_throttled(user, "signup:ip:x", moment(60))])
    assert allowed[0].meta.changes == 1


async def test_guests_read_as_role_guest_and_go_once_no_session_is_live(db: Database) -> None:
    await migrate(db)
    await add_user(db, "member")
    for guest_id in ("g-live", "g-out", "g-new"):
        created = moment(0) if guest_id != "g-new" else moment(3600)
        stamp = iso(created)
        guest = UserRecord(guest_id, f"{guest_id}@guest.invalid", None, "guest", "!guest", stamp, stamp)
        await db.batch([accounts.insert_user_unless_throttled(guest, "guest:ip:x", created)])
    await db.batch(
        [
            accounts.insert_refresh_token("live", "f1", "g-live", moment(0), moment(86_400)),
            accounts.insert_refresh_token("out", "f2", "g-out", moment(0), moment(86_400)),
            accounts.revoke_family_of("out", moment(10)),
        ]
    )
    stored = (await db.query("SELECT role, guest FROM users WHERE id = 'g-live'")).rows[0]
    assert (stored["role"], stored["guest"]) == ("user", 1)  # the column; reads say `guest`
    read = (await db.batch([accounts.select_user_by_id("g-live")]))[0].first()
    assert read is not None
    assert accounts.USER.decode(read).role == "guest"
    rotated = (
        await db.batch(accounts.rotate_refresh_token("live", "live2", moment(20), moment(10), moment(86_400)))
    )[-1]
    assert rotated.first() == {"id": "g-live", "role": "guest"}
    member = (await db.batch([accounts.select_user_by_id("member")]))[0].first()
    assert member is not None
    assert member["role"] == "user"

    # At 2 h: g-out has no live session and is old enough; g-new is within the grace; members never go.
    await db.batch([accounts.delete_unreachable_guests(moment(3600), moment(7200), 100)])
    remaining = (await db.query("SELECT id FROM users ORDER BY id")).rows
    assert [row["id"] for row in remaining] == ["g-live", "g-new", "member"]
