"""The crypto port: WebCrypto on Workers, the standard library locally."""

from __future__ import annotations

from typing import Protocol

# Production WebCrypto refuses PBKDF2 above this many iterations; both adapters refuse it too.
PBKDF2_MAX_ITERATIONS = 100_000


class Crypto(Protocol):
    async def pbkdf2_sha256(
        self, password: bytes, salt: bytes, iterations: int, length: int = 32
    ) -> bytes: ...

    def hmac_sha256(self, key: bytes, message: bytes) -> bytes: ...

    def random_bytes(self, n: int) -> bytes: ...
