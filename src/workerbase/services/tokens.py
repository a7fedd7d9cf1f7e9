"""Access tokens: short-lived HS256 JWTs (pyjwt) that authenticate a request with no D1 round trip.

`JWT_SECRETS` holds one or more secrets: the first signs, all verify, so a new secret can be put first
and the old one removed after the access-token lifetime, without logging anyone out. Each token names
its key in the `kid` header; a kid is derived from the secret (first 8 bytes of its SHA-256, hex), so
the configuration is just the list of secrets.

Refresh tokens are not JWTs: they are opaque 256-bit random values stored only as SHA-256 hashes (see
`new_refresh_token`), so a leaked database does not leak usable tokens.

Open question: `import jwt` imports `ssl` (pyjwt's JWKS client does `from ssl import SSLContext`).
Core Pyodide has no `ssl`; Cloudflare documents the whole stdlib as available except a short list that
does not name `ssl`, but our offline Pyodide suite cannot load the `ssl` wheel (it comes from Pyodide's
CDN), so this is not proven there. Until it is, pyjwt is imported on first use, not at module import:
if `ssl` were missing, only token endpoints would fail, not every route of the Worker.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from workerbase import b64url
from workerbase.errors import ConfigurationError, WorkerbaseError
from workerbase.frozen import Frozen
from workerbase.ports import Crypto

# Tokens verified in this isolate (process, locally), by the configuration that verified them: a tab
# sends the same access token with every request for its lifetime, and pyjwt's strict decoding is a
# sixth of an authenticated request's CPU (bench/request_cpu.py). Only tokens that verified are kept, the
# key names the issuer, audience and every configured key (a removed secret verifies nothing more), and
# the times are checked on every use. Access tokens cannot be revoked before they expire either way.
MAX_VERIFIED_TOKENS = 1024
_VERIFIED: dict[tuple[str, ...], dict[str, Any]] = {}

ALGORITHM = "HS256"  # the only one accepted: no `none`, no RSA/HMAC confusion
ACCESS = "access"
REFRESH_TOKEN_BYTES = 32


class InvalidToken(WorkerbaseError):
    """Missing, malformed, forged, expired or otherwise unacceptable credentials."""

    status = 401
    code = "invalid_token"
    title = "The access token is missing or invalid"
    public_detail = True  # says why (expired, wrong audience...): clients refresh on "expired"

    def __init__(self, message: str, *, credentials_missing: bool = False) -> None:
        super().__init__(message)
        self.credentials_missing = credentials_missing

    def response_headers(self) -> dict[str, str]:
        # RFC 6750 section 3.1: no error code when the request carried no credentials at all.
        return {"WWW-Authenticate": "Bearer" if self.credentials_missing else 'Bearer error="invalid_token"'}


class SigningKey(Frozen):
    kid: str
    secret: bytes


class AccessClaims(Frozen):
    subject: str
    role: str
    token_id: str
    issued_at: int
    expires_at: int


def signing_keys(secrets: Sequence[str]) -> tuple[SigningKey, ...]:
    """Keys for the secrets of `JWT_SECRETS` (validated by `workerbase.config`), the signing one first."""
    return tuple(
        SigningKey(kid=hashlib.sha256(secret.encode()).hexdigest()[:16], secret=secret.encode())
        for secret in secrets
    )


class AccessTokens:
    def __init__(
        self,
        keys: Sequence[SigningKey],
        *,
        issuer: str,
        audience: str,
        ttl_seconds: int = 900,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not keys:
            raise ConfigurationError("at least one JWT signing key is required")
        self._keys = {key.kid: key for key in keys}
        self._signing_key = keys[0]
        self._issuer = issuer
        self._audience = audience
        self._ttl_seconds = ttl_seconds
        self._clock = clock

    @property
    def ttl_seconds(self) -> int:
        return self._ttl_seconds

    def issue(self, subject: str, *, role: str) -> str:
        now = int(self._clock())
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl_seconds,
            "jti": uuid.uuid4().hex,
            "typ": ACCESS,
            "role": role,
        }
        import jwt  # see the module docstring

        key = self._signing_key
        return jwt.encode(claims, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})

    def verify(self, token: str) -> AccessClaims:
        claims = self._verified_claims(token)
        now = self._clock()
        times = (claims["iat"], claims["nbf"], claims["exp"])
        if not all(isinstance(value, int) for value in times):
            raise InvalidToken("iat, nbf and exp must be integers")
        if claims["exp"] <= now:
            raise InvalidToken("the token has expired")
        if claims["nbf"] > now or claims["iat"] > now:
            raise InvalidToken("the token is not yet valid")
        if claims.get("typ") != ACCESS:
            raise InvalidToken("not an access token")
        return AccessClaims(
            subject=str(claims["sub"]),
            role=str(claims.get("role", "user")),
            token_id=str(claims["jti"]),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
        )

    def _verified_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token whose signature, issuer and audience check out (times are the caller's
        to check). Remembered per isolate, by the configuration that verified them."""
        cache_key = (token, self._issuer, self._audience, *self._keys)
        claims = _VERIFIED.get(cache_key)
        if claims is not None:
            return claims
        import jwt  # see the module docstring

        try:
            key = self._keys.get(_unverified_kid(token))
            if key is None:  # pyjwt's reading of the header says what is wrong with it, if anything
                key = self._keys.get(str(jwt.get_unverified_header(token).get("kid")))
            if key is None:
                raise InvalidToken("unknown signing key")
            claims = jwt.decode(
                token,
                key.secret,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Times are checked by `verify` against our clock (the request's time), not pyjwt's.
                options={
                    "require": ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "typ"],
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        _remember(cache_key, claims)
        return claims


def _remember(cache_key: tuple[str, ...], claims: dict[str, Any]) -> None:
    if len(_VERIFIED) >= MAX_VERIFIED_TOKENS:
        del _VERIFIED[next(iter(_VERIFIED))]  # the oldest
    _VERIFIED[cache_key] = claims


def _unverified_kid(token: str) -> str:
    """The `kid` of a token's header, read without pyjwt so the token is decoded (and its segments
    checked, which in pyjwt is a Python loop over every character) once, by `jwt.decode`. Whatever this
    lenient reading finds, `jwt.decode` still checks the header strictly before it counts."""
    segment = token.partition(".")[0]
    try:
        header = json.loads(b64url.decode(segment))
    except (ValueError, RecursionError):  # binascii.Error and JSONDecodeError are ValueErrors
        return ""
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else ""


def new_refresh_token(crypto: Crypto) -> tuple[str, str]:
    """A fresh opaque refresh token and the hash to store for it."""
    token = b64url.encode(crypto.random_bytes(REFRESH_TOKEN_BYTES))
    return token, refresh_token_hash(token)


def refresh_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
