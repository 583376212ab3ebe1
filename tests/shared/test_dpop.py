"""The shared DPoP pieces without HTTP: URI normalisation, the replay cache's bounds, nonces,
and canonical base64url."""

from __future__ import annotations

import pytest

from shared.dpop import NonceSource, ProofVerifier, ReplayCache
from shared.dpop.keys import canonical_length_and_tail
from shared.dpop.proof import normalize_uri
from shared.errors import InvalidDpopProof
from tests.dpop_proofs import ProofKey


@pytest.mark.parametrize(
    ("htu", "normalized"),
    [
        ("HTTPS://Server.Example:443/token", "https://server.example/token"),
        ("http://server.example:80", "http://server.example/"),
        ("http://server.example:8080/a/b", "http://server.example:8080/a/b"),
        ("http://[::1]:8000/token", "http://[::1]:8000/token"),
        ("http://server.example/token?x=1", None),
        ("http://server.example/token#f", None),
        ("ftp://server.example/token", None),
        ("/token", None),
        ("http://server.example:99999/", None),
    ],
)
def test_uris_are_normalised_or_refused(htu: str, normalized: str | None) -> None:
    assert normalize_uri(htu) == normalized


def test_a_request_uri_that_cannot_be_normalised_matches_nothing() -> None:
    key = ProofKey()
    uri = "http://rs.test/a?b"  # a path whose decoded form has a '?'
    with pytest.raises(InvalidDpopProof):
        ProofVerifier().verify(key.proof("GET", uri), method="GET", uri=uri)


def test_the_replay_cache_forgets_expired_keys_and_refuses_when_full() -> None:
    now = [1000.0]
    cache = ReplayCache(max_entries=2, clock=lambda: now[0])
    assert cache.first_use("a", 1010)
    assert not cache.first_use("a", 1010)
    assert cache.first_use("b", 1020)
    assert not cache.first_use("c", 1020)  # full of live keys: fail closed
    now[0] = 1015
    assert cache.first_use("c", 1030)  # "a" expired and made room
    assert len(cache) == 2


def test_nonces_last_two_windows_and_need_the_key() -> None:
    now = [1_000_000.0]
    source = NonceSource(b"k" * 32, period=300, clock=lambda: now[0])
    nonce = source.current()
    now[0] += 300
    assert source.valid(nonce)
    now[0] += 300
    assert not source.valid(nonce)
    other = NonceSource(b"x" * 32, period=300, clock=lambda: now[0])
    assert not source.valid(other.current())


@pytest.mark.parametrize(
    ("part", "canonical"),
    [
        (b"AAAA", True),
        (b"AA", True),
        (b"AB", False),
        (b"AAE", True),
        (b"AAF", False),
        (b"A", False),
    ],
)
def test_unused_bits_must_be_zero(part: bytes, canonical: bool) -> None:
    assert canonical_length_and_tail(part) == canonical
