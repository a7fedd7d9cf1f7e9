"""Crypto on Workers: PBKDF2 through WebCrypto (`crypto.subtle`), which runs natively in workerd instead
of in Pyodide's WebAssembly, and is the only PBKDF2 core Pyodide has."""

from __future__ import annotations

from js import Object, crypto
from pyodide.ffi import to_js

from workerbase.bindings.crypto_base import StdlibCrypto, check_pbkdf2_arguments


class WorkersCrypto(StdlibCrypto):
    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
        check_pbkdf2_arguments(iterations, length)
        key = await crypto.subtle.importKey("raw", to_js(password), "PBKDF2", False, to_js(["deriveBits"]))
        algorithm = to_js(
            {"name": "PBKDF2", "hash": "SHA-256", "salt": to_js(salt), "iterations": iterations},
            dict_converter=Object.fromEntries,
        )
        bits = await crypto.subtle.deriveBits(algorithm, key, length * 8)
        return bytes(bits.to_bytes())
