"""What both crypto adapters share: HMAC and randomness from the standard library (both work in
Pyodide: `secrets` draws from `crypto.getRandomValues` there), and the PBKDF2 argument checks.

PBKDF2 itself differs: `hashlib.pbkdf2_hmac` needs OpenSSL, which core Pyodide lacks, so the Workers
adapter uses WebCrypto.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from workerbase.errors import InvalidArgument
from workerbase.ports import PBKDF2_MAX_ITERATIONS


class StdlibCrypto:
    def hmac_sha256(self, key: bytes, message: bytes) -> bytes:
        return hmac.new(key, message, hashlib.sha256).digest()

    def random_bytes(self, n: int) -> bytes:
        if n < 1:
            raise InvalidArgument(f"random_bytes needs n >= 1, got {n}")
        return secrets.token_bytes(n)


def check_pbkdf2_arguments(iterations: int, length: int) -> None:
    # Production WebCrypto refuses more than 100,000 PBKDF2 iterations; local workerd and hashlib do not,
    # so without this check a hash made locally could be unverifiable after deploy.
    if not 1 <= iterations <= PBKDF2_MAX_ITERATIONS:
        raise InvalidArgument(f"PBKDF2 iterations must be 1..{PBKDF2_MAX_ITERATIONS}, got {iterations}")
    if not 1 <= length <= 64:
        raise InvalidArgument(f"PBKDF2 key length must be 1..64 bytes, got {length}")
