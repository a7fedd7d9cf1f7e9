"""Crypto on Workers: PBKDF2 through WebCrypto (`crypto.subtle`), which runs natively in workerd instead
of in Pyodide's WebAssembly, and is the only PBKDF2 core Pyodide has."""

from __future__ import annotations

from js import Object, crypto
from pyodide.ffi import JsException, to_js

from workerbase.bindings.crypto_base import StdlibCrypto, check_pbkdf2_arguments
from workerbase.errors import BindingUnavailable


class WorkersCrypto(StdlibCrypto):
    async def pbkdf2_sha256(self, password: bytes, salt: bytes, iterations: int, length: int = 32) -> bytes:
        check_pbkdf2_arguments(iterations, length)
        algorithm = to_js(
            {"name": "PBKDF2", "hash": "SHA-256", "salt": to_js(salt), "iterations": iterations},
            dict_converter=Object.fromEntries,
        )
        try:
            key = await crypto.subtle.importKey(
                "raw", to_js(password), "PBKDF2", False, to_js(["deriveBits"])
            )
            bits = await crypto.subtle.deriveBits(algorithm, key, length * 8)
        except JsException as exc:
            raise BindingUnavailable("crypto", str(exc)) from exc
        return bytes(bits.to_bytes())
