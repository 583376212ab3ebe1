"""Signing keys: made once, stored encrypted, reloaded across restarts."""

from __future__ import annotations

import asyncio
import base64
import dataclasses

import pytest
from aiohttp import web

from auth_server import Settings, create_app
from auth_server.signing.keyring import KeyUnavailable
from shared.db import open_database
from tests.auth_server.conftest import random_secret


async def started(settings: Settings) -> web.AppRunner:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    return runner


async def stored_keys(url: str) -> list[dict[str, object]]:
    database = await open_database(url)
    try:
        return await database.fetch("SELECT kid, private_key FROM signing_keys")
    finally:
        await database.close()


async def test_private_key_is_encrypted_at_rest(auth_settings: Settings) -> None:
    runner = await started(auth_settings)
    await runner.cleanup()
    (row,) = await stored_keys(auth_settings.database_url)
    sealed = str(row["private_key"])
    assert sealed.startswith("aesgcm1:")
    raw = base64.b64decode(sealed.removeprefix("aesgcm1:"))
    assert b"\x30\x82" not in raw[:16]  # not a DER structure in clear
    assert "PRIVATE KEY" not in sealed


async def test_key_survives_a_restart(auth_settings: Settings) -> None:
    for _ in range(2):
        runner = await started(auth_settings)
        await runner.cleanup()
    assert len(await stored_keys(auth_settings.database_url)) == 1


async def test_wrong_encryption_key_refuses_to_start(auth_settings: Settings) -> None:
    runner = await started(auth_settings)
    await runner.cleanup()
    other = dataclasses.replace(auth_settings, key_encryption_key=random_secret())
    with pytest.raises(KeyUnavailable, match="AUTH_KEY_ENCRYPTION_KEY"):
        await started(other)


async def test_replicas_starting_together_make_one_key(auth_settings: Settings) -> None:
    runners = await asyncio.gather(*(started(auth_settings) for _ in range(3)))
    for runner in runners:
        await runner.cleanup()
    assert len(await stored_keys(auth_settings.database_url)) == 1
