"""Crypto port contract: byte-identical PBKDF2/HMAC in both runtimes (hashlib here, WebCrypto on
Workers), and the 100,000-iteration production cap enforced by both.

Expected values are from CPython's hashlib (RFC 7914 section 11 has the first two)."""

from __future__ import annotations

from tests.contracts.expect import raises
from workerbase.errors import InvalidArgument
from workerbase.ports import PBKDF2_MAX_ITERATIONS, Crypto

PBKDF2_VECTORS = [
    (b"password", b"salt", 1, 32, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
    (b"password", b"salt", 4096, 32, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
    (
        b"passwordPASSWORDpassword",
        b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
        4096,
        40,
        "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9",
    ),
    (
        "pässwörd 🔑".encode(),
        bytes(range(16)),
        100_000,
        32,
        "d301b7e43c3586b13eb8da0179b303a30c7d532500dfebf77d36f1aa2731e423",
    ),
    (b"", b"salt", 1000, 16, "94fb56af3ea22e5d3ed1b054085b136c"),
]


async def test_pbkdf2_matches_fixed_vectors(crypto: Crypto) -> None:
    for password, salt, iterations, length, expected in PBKDF2_VECTORS:
        derived = await crypto.pbkdf2_sha256(password, salt, iterations, length)
        assert derived.hex() == expected, (password, iterations)


async def test_pbkdf2_refuses_more_iterations_than_production_allows(crypto: Crypto) -> None:
    assert PBKDF2_MAX_ITERATIONS == 100_000
    with raises(InvalidArgument, match="100000"):
        await crypto.pbkdf2_sha256(b"pw", b"salt", PBKDF2_MAX_ITERATIONS + 1)
    with raises(InvalidArgument):
        await crypto.pbkdf2_sha256(b"pw", b"salt", 0)


async def test_hmac_sha256_matches_rfc_example(crypto: Crypto) -> None:
    mac = crypto.hmac_sha256(b"key", b"The quick brown fox jumps over the lazy dog")
    assert mac.hex() == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"


async def test_random_bytes_are_fresh_and_sized(crypto: Crypto) -> None:
    samples = {crypto.random_bytes(32) for _ in range(50)}
    assert len(samples) == 50
    assert all(len(sample) == 32 for sample in samples)
    with raises(InvalidArgument):
        crypto.random_bytes(0)
