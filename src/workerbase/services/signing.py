"""HMAC signatures keyed from JWT_SECRETS, for what the API signs besides tokens (file links, WebSocket
tickets): each use derives its own key from every secret (`context` keeps them apart), the first secret
signs and all verify, so these rotate with the secrets and need none of their own."""

from __future__ import annotations

import hmac

from workerbase import b64url
from workerbase.ports import Crypto


class Signer:
    def __init__(self, crypto: Crypto, jwt_secrets: tuple[str, ...], context: bytes) -> None:
        self._crypto = crypto
        self._keys = [crypto.hmac_sha256(secret.encode(), context) for secret in jwt_secrets]

    def sign(self, message: str) -> str:
        return self._signature(self._keys[0], message)

    def verify(self, message: str, signature: str) -> bool:
        """In constant time; any text is fine (non-ASCII never matches, it does not raise)."""
        return any(
            hmac.compare_digest(self._signature(key, message).encode(), signature.encode())
            for key in self._keys
        )

    def _signature(self, key: bytes, message: str) -> str:
        return b64url.encode(self._crypto.hmac_sha256(key, message.encode()))
