"""API keys: long-lived Bearer credentials for bots and servers, scoped `read` or `read write`.

A key is `wb_` + 256 random bits (base64url), shown once; D1 keeps only its SHA-256 and a short prefix
to recognise it in lists. Authenticating with a key costs one D1 round trip (unlike access tokens).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta

from workerbase import b64url
from workerbase.clock import iso
from workerbase.errors import WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.pagination import page_of, position_after
from workerbase.ports import Crypto, Database, run
from workerbase.records import ApiKeyRecord, KeyPrincipal
from workerbase.repositories import api_keys
from workerbase.repositories.accounts import GUEST

KEY_PREFIX = "wb_"
MAX_KEYS_PER_USER = 100


class TooManyApiKeys(WorkerbaseError):
    status = 409
    code = "too_many_api_keys"
    title = f"A user can have at most {MAX_KEYS_PER_USER} API keys"


class ApiKeyNotFound(WorkerbaseError):
    status = 404
    code = "not_found"
    title = "No such API key"


class GuestNotAllowed(WorkerbaseError):
    status = 403
    code = "guest_not_allowed"
    title = "Guest accounts cannot do this"
    public_detail = True


class CreatedKey(Frozen):
    record: ApiKeyRecord
    key: str  # the only time it is ever shown


def looks_like_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyService:
    def __init__(self, db: Database, crypto: Crypto, now: datetime) -> None:
        self._db = db
        self._crypto = crypto
        self._now = now

    async def create(
        self, user_id: str, role: str, name: str, scopes: tuple[str, ...], expires_in_days: int | None
    ) -> CreatedKey:
        """One round trip. Guests get none: a key would outlive the sessions, a guest's only way in."""
        if role == GUEST:
            raise GuestNotAllowed("guest accounts cannot have API keys; sign up for one")
        key = KEY_PREFIX + b64url.encode(self._crypto.random_bytes(32))
        expires_at = iso(self._now + timedelta(days=expires_in_days)) if expires_in_days else None
        record = ApiKeyRecord(
            id=str(uuid.uuid4()),
            user_id=user_id,
            name=name,
            prefix=key[:10],
            scopes=scopes,
            created_at=iso(self._now),
            expires_at=expires_at,
        )
        insert = api_keys.insert_key_unless_at_limit(record, key_hash(key), MAX_KEYS_PER_USER)
        if (await run(self._db, insert)).meta.changes == 0:
            raise TooManyApiKeys("delete an API key before creating another")
        return CreatedKey(record=record, key=key)

    async def page(
        self, user_id: str, cursor: str | None, limit: int
    ) -> tuple[list[ApiKeyRecord], str | None]:
        """One round trip; newest first."""
        select = api_keys.select_page(user_id, position_after(cursor), limit + 1)
        rows = (await run(self._db, select)).rows
        return page_of(api_keys.API_KEY.decode_all(rows), limit, lambda key: (key.created_at, key.id))

    async def delete(self, user_id: str, key_id: str) -> None:
        """One round trip; another user's key is indistinguishable from a missing one (404)."""
        delete = api_keys.delete_key(user_id, key_id)
        if (await run(self._db, delete)).meta.changes == 0:
            raise ApiKeyNotFound("no such API key")

    async def authenticate(self, key: str) -> KeyPrincipal | None:
        """One round trip: the live key's owner and scopes, or None."""
        select = api_keys.select_principal(key_hash(key), self._now)
        row = (await run(self._db, select)).first()
        return None if row is None else api_keys.PRINCIPAL.decode(row)
