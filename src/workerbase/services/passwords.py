"""Password hashing: PBKDF2-HMAC-SHA256 through the Crypto port (WebCrypto on Workers, hashlib on
CPython), stored in Django's self-describing format so users imported from Django can log in:

    pbkdf2_sha256$<iterations>$<salt>$<base64 hash>          Django's format, no pepper
    pbkdf2_sha256_hmac$<iterations>$<salt>$<base64 hash>     ours: the password is first HMAC-SHA256'd
                                                              with PASSWORD_PEPPER

Iterations are capped at 100,000, the most production WebCrypto computes. A stored hash asking for more
is refused without computing anything (a crafted hash must not burn CPU). Consequence worth knowing:
Django >= 3.1 hashes use 216,000+ iterations and cannot be verified on Workers; such users must reset
their password (or be re-hashed on a CPython host before import).
"""

from __future__ import annotations

import base64
import hmac

from workerbase import b64url
from workerbase.errors import InvalidArgument
from workerbase.frozen import Frozen
from workerbase.ports import PBKDF2_MAX_ITERATIONS, Crypto

ALGORITHM = "pbkdf2_sha256"
PEPPERED_ALGORITHM = "pbkdf2_sha256_hmac"
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class Verification(Frozen):
    ok: bool
    # True when the password was right but the stored hash uses other parameters than we would now
    # (fewer iterations, no pepper): the caller should store `hash(password)` again.
    needs_rehash: bool = False


class PasswordHasher:
    def __init__(
        self, crypto: Crypto, *, pepper: bytes | None = None, iterations: int = PBKDF2_MAX_ITERATIONS
    ):
        if not 1 <= iterations <= PBKDF2_MAX_ITERATIONS:
            raise InvalidArgument(f"iterations must be 1..{PBKDF2_MAX_ITERATIONS}")
        self._crypto = crypto
        self._pepper = pepper or None
        self._iterations = iterations

    async def hash(self, password: str) -> str:
        check_password_length(password)
        # Django treats the salt as text; 16 random bytes in unpadded base64url keep it '$'-free.
        salt = b64url.encode(self._crypto.random_bytes(SALT_BYTES))
        algorithm = PEPPERED_ALGORITHM if self._pepper else ALGORITHM
        derived = await self._derive(password, algorithm, salt, self._iterations, HASH_BYTES)
        return f"{algorithm}${self._iterations}${salt}${base64.b64encode(derived).decode()}"

    async def verify(self, password: str, encoded: str) -> Verification:
        parsed = _parse(encoded)
        # Only the maximum applies here: imported accounts may have older, shorter passwords.
        if parsed is None or len(password) > MAX_PASSWORD_LENGTH:
            await self.spend_equal_time()
            return Verification(ok=False)
        algorithm, iterations, salt, expected = parsed
        if algorithm == PEPPERED_ALGORITHM and self._pepper is None:
            await self.spend_equal_time()  # made with a pepper this deployment does not have
            return Verification(ok=False)
        derived = await self._derive(password, algorithm, salt, iterations, len(expected))
        if not hmac.compare_digest(derived, expected):
            return Verification(ok=False)
        wanted = PEPPERED_ALGORITHM if self._pepper else ALGORITHM
        return Verification(ok=True, needs_rehash=iterations != self._iterations or algorithm != wanted)

    async def spend_equal_time(self) -> None:
        """Cost what a verification costs, for logins with an unknown email: the response time must not
        tell whether an account exists."""
        await self._crypto.pbkdf2_sha256(b"workerbase-dummy-password", b"workerbase-dummy", self._iterations)

    async def _derive(self, password: str, algorithm: str, salt: str, iterations: int, length: int) -> bytes:
        secret = password.encode()
        if algorithm == PEPPERED_ALGORITHM:
            assert self._pepper is not None
            secret = self._crypto.hmac_sha256(self._pepper, secret)
        return await self._crypto.pbkdf2_sha256(secret, salt.encode(), iterations, length)


def check_password_length(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidArgument(f"passwords are {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters long")


def _parse(encoded: str) -> tuple[str, int, str, bytes] | None:
    """(algorithm, iterations, salt, hash) of a well-formed hash we may verify, else None."""
    parts = encoded.split("$")
    if len(parts) != 4 or parts[0] not in (ALGORITHM, PEPPERED_ALGORITHM) or not parts[1].isdigit():
        return None
    iterations = int(parts[1])
    if not 1 <= iterations <= PBKDF2_MAX_ITERATIONS or not parts[2]:
        return None
    try:
        expected = base64.b64decode(parts[3], validate=True)
    except ValueError:
        return None
    if not 16 <= len(expected) <= 64:
        return None
    return parts[0], iterations, parts[2], expected
