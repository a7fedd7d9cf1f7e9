"""Password hashing over the crypto port, in both runtimes: WebCrypto in Pyodide must accept and produce
exactly what hashlib does, including hashes made by Django."""

from __future__ import annotations

import base64

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument
from workerbase.ports import Crypto
from workerbase.services.passwords import PasswordHasher, Verification

# From Django's own hasher tests: make_password("lètmein", "seasalt", "pbkdf2_sha256") at 10,000 rounds.
DJANGO_HASH = "pbkdf2_sha256$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY="
PEPPER = b"p" * 32


async def test_hash_then_verify(crypto: Crypto) -> None:
    hasher = PasswordHasher(crypto, iterations=1000)
    encoded = await hasher.hash("correct horse battery")
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", "1000")
    assert len(salt) == 22  # 16 random bytes
    assert len(base64.b64decode(digest)) == 32
    assert await hasher.verify("correct horse battery", encoded) == Verification(ok=True)
    assert await hasher.verify("correct horse batterY", encoded) == Verification(ok=False)
    assert encoded != await hasher.hash("correct horse battery")  # fresh salt every time


async def test_django_hashes_verify_and_ask_for_a_rehash(crypto: Crypto) -> None:
    hasher = PasswordHasher(crypto)
    assert await hasher.verify("lètmein", DJANGO_HASH) == Verification(ok=True, needs_rehash=True)
    assert await hasher.verify("letmein", DJANGO_HASH) == Verification(ok=False)


async def test_default_parameters_need_no_rehash(crypto: Crypto) -> None:
    hasher = PasswordHasher(crypto)
    encoded = await hasher.hash("unicode pässwörd 🔑")
    assert encoded.startswith("pbkdf2_sha256$100000$")
    assert await hasher.verify("unicode pässwörd 🔑", encoded) == Verification(ok=True)


async def test_pepper_is_mixed_in_and_required(crypto: Crypto) -> None:
    peppered = PasswordHasher(crypto, pepper=PEPPER, iterations=1000)
    encoded = await peppered.hash("correct horse battery")
    assert encoded.startswith("pbkdf2_sha256_hmac$1000$")
    assert (await peppered.verify("correct horse battery", encoded)).ok
    assert not (await PasswordHasher(crypto, iterations=1000).verify("correct horse battery", encoded)).ok
    other_pepper = PasswordHasher(crypto, pepper=b"q" * 32, iterations=1000)
    assert not (await other_pepper.verify("correct horse battery", encoded)).ok
    # An unpeppered (e.g. Django) hash still verifies, and asks to be re-hashed with the pepper.
    assert await PasswordHasher(crypto, pepper=PEPPER).verify("lètmein", DJANGO_HASH) == Verification(
        ok=True, needs_rehash=True
    )


async def test_crafted_and_malformed_hashes_are_refused(crypto: Crypto) -> None:
    hasher = PasswordHasher(crypto, iterations=1000)
    for encoded in (
        "pbkdf2_sha256$100000000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",  # would burn CPU
        "pbkdf2_sha256$0$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
        "pbkdf2_sha1$10000$seasalt$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
        "argon2$whatever",
        "pbkdf2_sha256$10000$seasalt$not base64!",
        "pbkdf2_sha256$10000$$CWWFdHOWwPnki7HvkcqN9iA2T3KLW1cf2uZ5kvArtVY=",
        "",
    ):
        assert await hasher.verify("lètmein", encoded) == Verification(ok=False), encoded


async def test_password_length_limits(crypto: Crypto) -> None:
    hasher = PasswordHasher(crypto, iterations=1000)
    await hasher.hash("x" * 8)
    await hasher.hash("x" * 1024)
    for bad in ("x" * 7, "x" * 1025, ""):
        with raises(InvalidArgument, match="8 to 1024"):
            await hasher.hash(bad)
    encoded = await hasher.hash("x" * 1024)
    assert not (await hasher.verify("x" * 1025, encoded)).ok
