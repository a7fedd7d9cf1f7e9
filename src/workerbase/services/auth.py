"""Accounts and sessions: signup, guest accounts, login, refresh-token rotation, logout.

D1 round trips (the HTTP tests assert them): signup 1 (one batch); a guest 1; login 2 (a read, then one
batch); refresh 1 (one batch); logout 1; logout everywhere 1; change password 2; rename 1; delete account 1.
Verifying an access token costs none.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from workerbase.clock import iso
from workerbase.config import AuthSettings
from workerbase.errors import ConstraintViolation, InvalidArgument, WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.pagination import page_of, position_after
from workerbase.ports import Crypto, Database, Statement, run
from workerbase.records import UserRecord
from workerbase.repositories import accounts, throttles
from workerbase.repositories.accounts import GUEST
from workerbase.repositories.batches import run_batch
from workerbase.services.chats import delete_listing_recent_chats
from workerbase.services.passwords import MIN_PASSWORD_LENGTH, PasswordHasher, check_password_length
from workerbase.services.throttling import (
    GUEST_PER_IP,
    LOGIN_PER_ACCOUNT,
    LOGIN_PER_IP,
    SIGNUP_PER_IP,
    ThrottlePolicy,
    TooManyAttempts,
    raise_if_locked,
)
from workerbase.services.tokens import (
    AccessTokens,
    InvalidToken,
    new_refresh_token,
    refresh_token_hash,
    signing_keys,
)


class EmailTaken(WorkerbaseError):
    status = 409
    code = "email_taken"
    title = "An account with this email already exists"


class GuestAccountsDisabled(WorkerbaseError):
    status = 403
    code = "guest_accounts_disabled"
    title = "Guest accounts are not enabled here (GUEST_ACCOUNTS)"


# Guests' placeholder emails (`guest-<random>@guest.invalid`; `.invalid` is reserved: never a real mailbox).
GUEST_EMAIL_DOMAIN = "@guest.invalid"
# Never a valid PBKDF2 encoding, so no password ever verifies against it: guests sign in by session only.
GUEST_PASSWORD_HASH = "!guest"  # noqa: S105  (not a password: the marker of having none)


class InvalidCredentials(WorkerbaseError):
    """Wrong email or wrong password: one error for both, so responses do not reveal which emails exist."""

    status = 401
    code = "invalid_credentials"
    title = "The email or password is incorrect"


class CurrentPasswordIncorrect(WorkerbaseError):
    """403, not 401: the access token is fine, and clients must not log the user out over a typo."""

    status = 403
    code = "current_password_incorrect"
    title = "The current password is incorrect"


class InvalidRefreshToken(WorkerbaseError):
    status = 401
    code = "invalid_refresh_token"
    title = "The refresh token is invalid, expired or revoked"


class Session(Frozen):
    user: UserRecord
    access_token: str
    refresh_token: str
    expires_in: int


class RefreshedTokens(Frozen):
    access_token: str
    refresh_token: str
    expires_in: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


class AuthService:
    def __init__(self, db: Database, crypto: Crypto, settings: AuthSettings, now: datetime) -> None:
        self._db = db
        self._crypto = crypto
        self._settings = settings
        self._now = now
        pepper = settings.password_pepper.encode() if settings.password_pepper else None
        self._passwords = PasswordHasher(crypto, pepper=pepper)
        self.access_tokens = AccessTokens(
            signing_keys(settings.jwt_secrets),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=settings.access_token_ttl_seconds,
            clock=now.timestamp,
        )

    async def signup(self, email: str, password: str, name: str | None, client_ip: str) -> Session:
        """One round trip: the user (unless the IP is locked out), the IP's signup count, the first
        session and the lock's state, in one batch."""
        check_password_length(password)
        email = normalise_email(email)
        if email.endswith(GUEST_EMAIL_DOMAIN):
            raise InvalidArgument(f"addresses at {GUEST_EMAIL_DOMAIN} are reserved for guest accounts")
        user = self._new_user(email, name, "user", await self._passwords.hash(password))
        try:
            return await self._create(user, SIGNUP_PER_IP, client_ip)
        except ConstraintViolation as exc:
            if exc.kind == "unique":
                raise EmailTaken("an account with this email already exists") from exc
            raise

    async def start_guest_session(self, client_ip: str) -> Session:
        """A guest account and its session (one round trip, as signup; throttled per IP). A guest has no
        password: once its sessions end it cannot sign in again, and the maintenance deletes it."""
        if not self._settings.guest_accounts:
            raise GuestAccountsDisabled("guest accounts are off (GUEST_ACCOUNTS)")
        email = f"guest-{uuid.uuid4().hex}{GUEST_EMAIL_DOMAIN}"
        user = self._new_user(email, None, GUEST, GUEST_PASSWORD_HASH)
        return await self._create(user, GUEST_PER_IP, client_ip)

    def _new_user(self, email: str, name: str | None, role: str, password_hash: str) -> UserRecord:
        created = iso(self._now)
        return UserRecord(str(uuid.uuid4()), email, name, role, password_hash, created, created)

    async def _create(self, user: UserRecord, throttle: ThrottlePolicy, client_ip: str) -> Session:
        """The user (unless the IP is locked out), the IP's count, the first session and the lock's state,
        in one batch."""
        throttle_key = throttle.key(client_ip)
        refresh_token, start_session = self._new_session(user.id)
        insert_user = accounts.insert_user_unless_throttled(user, throttle_key, self._now)
        read_lock = throttles.select_locked_until(throttle_key)
        done = await run_batch(
            self._db, [insert_user, throttle.record(client_ip, self._now), start_session, read_lock]
        )
        if done[insert_user].meta.changes == 0:
            lock = done[read_lock].first() or {}
            raise_if_locked(self._now, lock.get("locked_until"))
            raise TooManyAttempts(60)  # unreachable unless the lock expired within this very batch
        return self._session(user, refresh_token)

    async def login(self, email: str, password: str, client_ip: str) -> Session:
        """At most one read (the user and both throttles) and one batched write."""
        email = normalise_email(email)
        lookup = accounts.select_login_candidate(
            email, LOGIN_PER_ACCOUNT.key(email), LOGIN_PER_IP.key(client_ip)
        )
        row = (await run(self._db, lookup)).first() or {}
        raise_if_locked(self._now, row.get("account_locked_until"), row.get("ip_locked_until"))
        if row.get("id") is None:
            await self._passwords.spend_equal_time()  # as long as a wrong password takes
            await self._record_failed_login(email, client_ip)
            raise InvalidCredentials("invalid email or password")
        user = accounts.USER.decode(row)
        verification = await self._passwords.verify(password, user.password_hash)
        if not verification.ok:
            await self._record_failed_login(email, client_ip)
            raise InvalidCredentials("invalid email or password")
        refresh_token, start_session = self._new_session(user.id)
        writes = [start_session, throttles.clear(LOGIN_PER_ACCOUNT.key(email))]
        # An imported password shorter than today's minimum keeps its old hash rather than failing login.
        if verification.needs_rehash and len(password) >= MIN_PASSWORD_LENGTH:
            new_hash = await self._passwords.hash(password)
            writes.append(accounts.update_password_hash(user.id, new_hash, self._now))
        await self._db.batch(writes)
        return self._session(user, refresh_token)

    async def _record_failed_login(self, email: str, client_ip: str) -> None:
        await self._db.batch(
            [LOGIN_PER_ACCOUNT.record(email, self._now), LOGIN_PER_IP.record(client_ip, self._now)]
        )

    async def refresh(self, presented: str) -> RefreshedTokens:
        successor, successor_hash = new_refresh_token(self._crypto)
        grace = timedelta(seconds=self._settings.refresh_reuse_grace_seconds)
        rotation = accounts.rotate_refresh_token(
            refresh_token_hash(presented),
            successor_hash,
            now=self._now,
            grace_start=self._now - grace,
            successor_expires_at=self._refresh_expiry(),
        )
        row = (await run_batch(self._db, rotation))[rotation.successor_user].first()
        if row is None:
            raise InvalidRefreshToken("refresh token rejected")
        return RefreshedTokens(
            access_token=self.access_tokens.issue(str(row["id"]), role=str(row["role"])),
            refresh_token=successor,
            expires_in=self.access_tokens.ttl_seconds,
        )

    async def logout(self, presented: str) -> None:
        revoke = accounts.revoke_family_of(refresh_token_hash(presented), self._now)
        await run(self._db, revoke)

    async def logout_everywhere(self, user_id: str) -> None:
        revoke = accounts.revoke_all_sessions(user_id, self._now)
        await run(self._db, revoke)

    async def change_password(self, user_id: str, current: str, new: str) -> Session:
        """Ends every session of the user, this one included, and starts a new one: the caller gets fresh
        tokens, every other device must log in again. Two round trips: a read, then one batch."""
        check_password_length(new)
        user = await self.get_user(user_id)
        if user is None:
            raise InvalidToken("the account no longer exists")
        if not (await self._passwords.verify(current, user.password_hash)).ok:
            raise CurrentPasswordIncorrect("the current password is incorrect")
        refresh_token, start_session = self._new_session(user.id)
        await self._db.batch(
            [
                accounts.update_password_hash(user.id, await self._passwords.hash(new), self._now),
                accounts.revoke_all_sessions(user.id, self._now),
                start_session,
            ]
        )
        return self._session(user, refresh_token)

    async def rename(self, user_id: str, name: str | None) -> UserRecord:
        update = accounts.update_user_name(user_id, name, self._now)
        row = (await run(self._db, update)).first()
        if row is None:
            raise InvalidToken("the account no longer exists")
        return accounts.USER.decode(row)

    async def delete_account(self, user_id: str) -> list[str]:
        """Deletes the user and all they own (one batch); returns the chats whose replies may still run."""
        delete = accounts.delete_user(user_id)
        return await delete_listing_recent_chats(self._db, user_id, self._now, delete)

    async def user_page(self, cursor: str | None, limit: int) -> tuple[list[UserRecord], str | None]:
        select = accounts.select_user_page(position_after(cursor), limit + 1)
        rows = (await run(self._db, select)).rows
        return page_of(accounts.USER.decode_all(rows), limit, lambda user: (user.created_at, user.id))

    async def get_user(self, user_id: str) -> UserRecord | None:
        lookup = accounts.select_user_by_id(user_id)
        row = (await run(self._db, lookup)).first()
        return accounts.USER.decode(row) if row is not None else None

    def _new_session(self, user_id: str) -> tuple[str, Statement]:
        token, token_hash = new_refresh_token(self._crypto)
        statement = accounts.insert_refresh_token(
            token_hash, str(uuid.uuid4()), user_id, self._now, self._refresh_expiry()
        )
        return token, statement

    def _refresh_expiry(self) -> datetime:
        return self._now + timedelta(days=self._settings.refresh_token_ttl_days)

    def _session(self, user: UserRecord, refresh_token: str) -> Session:
        return Session(
            user=user,
            access_token=self.access_tokens.issue(user.id, role=user.role),
            refresh_token=refresh_token,
            expires_in=self.access_tokens.ttl_seconds,
        )
