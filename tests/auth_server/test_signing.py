"""Where access tokens are signed: on the event loop for a request alone, on the thread pool
when several wait at once; the tokens are the same either way."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import pytest

from auth_server import Settings
from auth_server.signing.keyring import KeyRing
from auth_server.storage import open_storage
from auth_server.tokens.issuer import AccessTokenIssuer, IssuedToken, read_access_token


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
    return AccessTokenIssuer(auth_settings.issuer, 300, keyring)


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
