"""Crypto on CPython: PBKDF2 from hashlib (OpenSSL)."""

from __future__ import annotations

import hashlib

from workerbase.bindings.crypto_base import StdlibCrypto, check_pbkdf2_arguments


class LocalCrypto(StdlibCrypto):
    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
        check_pbkdf2_arguments(iterations, length)
        return hashlib.pbkdf2_hmac("sha256", password, salt, iterations, dklen=length)
