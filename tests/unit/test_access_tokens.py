"""Access tokens: everything that must be rejected is rejected."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest

from workerbase.bindings.local.crypto import LocalCrypto
from workerbase.services.tokens import (
    AccessTokens,
    InvalidToken,
    new_refresh_token,
    refresh_token_hash,
    signing_keys,
)

SECRET = "s" * 32
OLD_SECRET = "o" * 40
KEYS = signing_keys([SECRET, OLD_SECRET])
ISSUER, AUDIENCE = "https://api.example.test", "example-app"


def tokens(
    secrets: str = f"{SECRET},{OLD_SECRET}", *, at: float | None = None, **options: Any
) -> AccessTokens:
    clock = (lambda: at) if at is not None else time.time
    settings = {"issuer": ISSUER, "audience": AUDIENCE, **options}
    return AccessTokens(signing_keys(secrets.split(",")), clock=clock, **settings)


def forge(
    claims: dict[str, Any], *, secret: str = SECRET, algorithm: str = "HS256", kid: str | None = None
) -> str:
    return jwt.encode(claims, secret, algorithm=algorithm, headers={"kid": kid or KEYS[0].kid})


def valid_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": "j1",
        "typ": "access",
        "role": "user",
    }
    return {**claims, **overrides}


def test_issued_tokens_verify_with_their_claims() -> None:
    service = tokens()
    token = service.issue("user-1", role="admin")
    claims = service.verify(token)
    assert (claims.subject, claims.role) == ("user-1", "admin")
    assert claims.expires_at - claims.issued_at == 900
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "kid": KEYS[0].kid, "typ": "JWT"}


def test_the_first_secret_signs_and_all_verify() -> None:
    old_token = tokens(OLD_SECRET).issue("user-1", role="user")
    assert tokens().verify(old_token).subject == "user-1"  # rotated: OLD_SECRET is now second
    with pytest.raises(InvalidToken, match="unknown signing key"):
        tokens(SECRET).verify(old_token)  # ...and once removed, its tokens stop working


def test_a_token_with_exactly_our_claims_verifies() -> None:
    assert tokens().verify(forge(valid_claims())).subject == "user-1"


@pytest.mark.parametrize(
    "token_factory",
    [
        pytest.param(lambda: forge(valid_claims(), secret="x" * 32), id="wrong signature"),
        pytest.param(lambda: forge(valid_claims(exp=int(time.time()) - 1)), id="expired"),
        pytest.param(lambda: forge(valid_claims(nbf=int(time.time()) + 3600)), id="not yet valid"),
        pytest.param(lambda: forge(valid_claims(aud="another-app")), id="wrong audience"),
        pytest.param(lambda: forge(valid_claims(iss="https://evil.test")), id="wrong issuer"),
        pytest.param(lambda: forge(valid_claims(), kid="no-such-key"), id="unknown kid"),
        pytest.param(lambda: forge(valid_claims(typ="refresh")), id="not an access token"),
        pytest.param(
            lambda: forge({k: v for k, v in valid_claims().items() if k != "jti"}), id="missing jti"
        ),
        pytest.param(
            lambda: forge(valid_claims(), secret="s" * 64, algorithm="HS512"), id="algorithm not allowed"
        ),
        pytest.param(lambda: new_refresh_token(LocalCrypto())[0], id="a refresh token is not a JWT"),
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: "a.b.c", id="garbage"),
    ],
)
def test_unacceptable_tokens_are_rejected(token_factory: Any) -> None:
    with pytest.raises(InvalidToken):
        tokens().verify(token_factory())


def test_alg_none_is_rejected() -> None:
    def segment(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    unsigned = f"{segment({'alg': 'none', 'typ': 'JWT', 'kid': KEYS[0].kid})}.{segment(valid_claims())}."
    with pytest.raises(InvalidToken):
        tokens().verify(unsigned)


def test_tokens_issued_by_a_clock_in_the_past_are_expired() -> None:
    stale = tokens(at=time.time() - 3600).issue("user-1", role="user")
    with pytest.raises(InvalidToken, match="expired"):
        tokens().verify(stale)


def test_refresh_tokens_are_random_256_bit_and_stored_only_as_hashes() -> None:
    token, stored = new_refresh_token(LocalCrypto())
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert stored == refresh_token_hash(token) != token
    assert len(stored) == 64
    assert new_refresh_token(LocalCrypto())[0] != token


def test_the_header_is_checked_by_pyjwt_whatever_finds_the_key() -> None:
    """`verify` picks the key from a lenient reading of the header; pyjwt's strict reading decides."""
    header, payload, signature = forge(valid_claims()).split(".")
    with pytest.raises(InvalidToken, match="Invalid header padding"):  # a lenient decoder skips the "!"
        tokens().verify(f"{header[:4]}!{header[4:]}.{payload}.{signature}")
    unsigned_header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": 7}).encode()).decode()
    with pytest.raises(InvalidToken, match="Key ID header parameter must be a string"):
        tokens().verify(f"{unsigned_header.rstrip('=')}.{payload}.{signature}")


def test_a_remembered_token_is_still_checked_for_its_times_and_its_configuration() -> None:
    issued_at = 1_800_000_000.0
    issuer = tokens(SECRET, at=issued_at)
    token = issuer.issue("user-1", role="user")
    assert issuer.verify(token).subject == "user-1"  # verified, and remembered
    assert tokens(SECRET, at=issued_at + 1).verify(token).subject == "user-1"  # remembered
    # Another configuration verifies on its own: a secret removed from JWT_SECRETS verifies nothing more.
    with pytest.raises(InvalidToken, match="unknown signing key"):
        tokens(OLD_SECRET, at=issued_at).verify(token)
    with pytest.raises(InvalidToken):
        tokens(SECRET, at=issued_at, audience="elsewhere").verify(token)
    with pytest.raises(InvalidToken, match="expired"):
        tokens(SECRET, at=issued_at + issuer.ttl_seconds).verify(token)
