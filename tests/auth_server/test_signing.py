"""Where access tokens are signed: on the event loop for a request alone, on the thread pool
when several wait at once and the process has fewer workers than cores, always on the loop
once the workers fill the cores or the key is not RSA; the tokens are the same either way."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from auth_server import Settings
from auth_server.signing.keyring import KeyRing
from auth_server.storage import open_storage
from auth_server.tokens.issuer import (
    AccessTokenIssuer,
    IssuedToken,
    read_access_token,
    signing_threads,
)


@pytest.fixture
def database_kind() -> str:
    return "sqlite"  # signing reads nothing from the database


@pytest.fixture
async def keyring(auth_settings: Settings) -> AsyncIterator[KeyRing]:
    storage = await open_storage(auth_settings)
    try:
        await storage.keys.ensure_current()
        ring = KeyRing()
        await ring.load(storage.keys)
        yield ring
    finally:
        await storage.database.close()


@pytest.fixture
def issuer(keyring: KeyRing, auth_settings: Settings) -> AccessTokenIssuer:
    return AccessTokenIssuer(auth_settings.issuer, 300, keyring, signing_threads=2)


class SigningThreads:
    """Records which thread signs each token."""

    def __init__(self, keyring: KeyRing, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        signer = keyring.signer
        sign = signer.sign

        def recorded(claims: dict[str, object]) -> str:
            self.names.append(threading.current_thread().name)
            return sign(claims)

        monkeypatch.setattr(signer, "sign", recorded)


async def issue(issuer: AccessTokenIssuer, n: int) -> IssuedToken:
    return await issuer.issue(
        subject=f"user-{n}", client_id="c", audience=("https://rs.test",), scope=("read",)
    )


async def test_a_request_alone_is_signed_on_the_loop_and_several_at_once_on_the_pool(
    issuer: AccessTokenIssuer,
    keyring: KeyRing,
    auth_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads = SigningThreads(keyring, monkeypatch)
    loop_thread = threading.current_thread().name
    try:
        alone = [await issue(issuer, n) for n in range(3)]
        assert threads.names == [loop_thread] * 3
        together = await asyncio.gather(*(issue(issuer, n) for n in range(8)))
        assert len(threads.names) == 11
        assert all(name.startswith("signer") for name in threads.names[3:])
        assert (issuer.signed_inline, issuer.signed_on_pool) == (3, 8)
    finally:
        issuer.close()
    for n, token in enumerate(alone + together[:3]):
        claims = read_access_token(token.access_token, keyring, auth_settings.issuer)
        assert claims is not None
        assert claims.sub == f"user-{n % 3}"


def test_a_pool_only_while_the_workers_leave_cores_free() -> None:
    assert [signing_threads(workers, 2) for workers in (1, 2, 3)] == [2, 0, 0]
    assert signing_threads(1, 1) == 0
    assert signing_threads(2, 8) == 8


async def test_with_no_signing_threads_even_a_crowd_is_signed_on_the_loop(
    keyring: KeyRing, auth_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    inline = AccessTokenIssuer(auth_settings.issuer, 300, keyring, signing_threads=0)
    threads = SigningThreads(keyring, monkeypatch)
    tokens = await asyncio.gather(*(issue(inline, n) for n in range(8)))
    inline.close()
    assert threads.names == [threading.current_thread().name] * 8
    assert (inline.signed_inline, inline.signed_on_pool) == (8, 0)
    assert read_access_token(tokens[0].access_token, keyring, auth_settings.issuer) is not None


async def test_an_eddsa_key_is_never_handed_to_the_pool(auth_settings: Settings) -> None:
    storage = await open_storage(auth_settings)
    try:
        await storage.keys.ensure_current("EdDSA")
        ring = KeyRing()
        await ring.load(storage.keys)
    finally:
        await storage.database.close()
    eddsa = AccessTokenIssuer(auth_settings.issuer, 300, ring, signing_threads=2)
    try:
        tokens = await asyncio.gather(*(issue(eddsa, n) for n in range(8)))
    finally:
        eddsa.close()
    assert (eddsa.signed_inline, eddsa.signed_on_pool) == (8, 0)
    claims = read_access_token(tokens[0].access_token, ring, auth_settings.issuer)
    assert claims is not None
