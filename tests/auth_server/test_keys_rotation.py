"""Rotation on a real database: the repository's transitions under the lock, and the key ring
that follows them (explicit times where the schedule is tested, the real clock where the
switch itself is)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator

import pytest

from auth_server import Settings
from auth_server.signing.keyring import KeyRing
from auth_server.signing.rotation import KeyMaintenance
from auth_server.signing.schedule import CURRENT, NEXT, RETIRED, RotationPolicy
from auth_server.storage import Storage, open_storage
from tests.auth_server.conftest import random_secret

POLICY = RotationPolicy(alg="RS256", lead=10, interval=1000, retention=30)
T = 1_900_000_000  # an explicit "now", so that the schedule is exact


@pytest.fixture
async def storage(auth_settings: Settings) -> AsyncIterator[Storage]:
    opened = await open_storage(auth_settings)
    try:
        yield opened
    finally:
        await opened.database.close()


async def rows(storage: Storage) -> dict[str, tuple[str, int, int | None, int | None]]:
    """kid -> (state column, signing_from, retire_at, remove_at) as stored."""
    keys = await storage.keys.list()
    return {k.kid: (k.state, k.signing_from, k.retire_at, k.remove_at) for k in keys}


async def test_a_rotation_publishes_a_successor_that_signs_after_the_lead(
    storage: Storage,
) -> None:
    first = await storage.keys.rotate(POLICY, now=T)  # nothing signs yet: signs at once
    assert (first.started, first.key.state, first.key.signing_from) == (True, CURRENT, T)
    second = await storage.keys.rotate(POLICY, now=T + 100)
    assert (second.started, second.key.state) == (True, NEXT)
    assert await rows(storage) == {
        first.key.kid: (CURRENT, T, T + 110, T + 110 + POLICY.retention),
        second.key.kid: (NEXT, T + 110, None, None),
    }
    again = await storage.keys.rotate(POLICY, now=T + 105)
    assert (again.started, again.key.kid) == (False, second.key.kid)
    assert len(await rows(storage)) == 2


async def test_upkeep_records_states_removes_retired_keys_and_rotates_on_schedule(
    storage: Storage,
) -> None:
    a = (await storage.keys.rotate(POLICY, now=T)).key
    b = (await storage.keys.rotate(POLICY, now=T + 100)).key
    await storage.keys.maintain(POLICY, T + 110)
    assert {kid: row[0] for kid, row in (await rows(storage)).items()} == {
        a.kid: RETIRED,
        b.kid: CURRENT,
    }
    await storage.keys.maintain(POLICY, T + 110 + POLICY.retention)
    assert list(await rows(storage)) == [b.kid]  # removed: out of the JWKS, row deleted
    due = T + 110 + POLICY.interval - POLICY.lead
    assert len(await storage.keys.maintain(POLICY, due - 1)) == 1
    keys = await storage.keys.maintain(POLICY, due)
    assert [(k.kid == b.kid, k.state, k.signing_from) for k in keys] == [
        (True, CURRENT, T + 110),
        (False, NEXT, T + 110 + POLICY.interval),
    ]


async def test_replicas_due_at_once_start_one_rotation(
    storage: Storage, auth_settings: Settings
) -> None:
    await storage.keys.rotate(POLICY, now=T)
    others = [await open_storage(auth_settings) for _ in range(2)]
    try:
        due = T + POLICY.interval - POLICY.lead
        await asyncio.gather(*(other.keys.maintain(POLICY, due) for other in [storage, *others]))
    finally:
        for other in others:
            await other.database.close()
    assert sorted(row[0] for row in (await rows(storage)).values()) == [CURRENT, NEXT]


async def test_emergency_unpublishes_the_signing_and_the_waiting_key(storage: Storage) -> None:
    a = (await storage.keys.rotate(POLICY, now=T)).key
    b = (await storage.keys.rotate(POLICY, now=T + 500)).key
    c = (await storage.keys.rotate(POLICY, now=T + 600)).key  # b signs; c waits
    ring = KeyRing()
    ring.refresh(await storage.keys.list(), storage.keys.open, T + 600)
    assert ring.verification_key(b.kid) is not None
    emergency = await storage.keys.replace_compromised("ES256", now=T + 601)
    assert set(emergency.unpublished) == {b.kid, c.kid}
    assert (emergency.key.alg, emergency.key.signing_from) == ("ES256", T + 601)
    # a, retired at b's start, stays published until its last tokens have expired.
    assert set(await rows(storage)) == {a.kid, emergency.key.kid}
    ring.refresh(await storage.keys.list(), storage.keys.open, T + 602)
    assert ring.verification_key(b.kid) is None
    assert ring.verification_key(c.kid) is None
    assert b.kid.encode() not in ring.jwks
    assert c.kid.encode() not in ring.jwks


async def test_the_ring_switches_at_signing_from_without_asking_the_database(
    storage: Storage,
) -> None:
    await storage.keys.ensure_current()
    ring = KeyRing()
    await ring.load(storage.keys)
    old = ring.signer.kid
    now = int(time.time())
    policy = dataclasses.replace(POLICY, lead=2)  # at least a second from now
    new = (await storage.keys.rotate(policy, now=now)).key
    ring.refresh(await storage.keys.list(), storage.keys.open, now)
    published = ring.jwks
    assert new.kid.encode() in published
    assert ring.signer.kid == old
    await storage.database.close()  # no query from here on
    await asyncio.sleep(max(0.0, new.signing_from - time.time()) + 0.05)
    assert ring.signer.kid == new.kid
    assert ring.jwks is published  # the document is rendered again only when keys change


async def test_the_ring_publishes_a_key_only_until_its_remove_at(storage: Storage) -> None:
    a = (await storage.keys.rotate(POLICY, now=T)).key
    await storage.keys.rotate(POLICY, now=T + 100)
    keys = await storage.keys.list()
    ring = KeyRing()
    ring.refresh(keys, storage.keys.open, T + 110 + POLICY.retention - 1)
    assert ring.verification_key(a.kid) is not None
    ring.refresh(keys, storage.keys.open, T + 110 + POLICY.retention)
    assert ring.verification_key(a.kid) is None


async def test_a_key_this_replica_cannot_open_is_reported_once_and_skipped(
    storage: Storage, auth_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await storage.keys.ensure_current()
    ring = KeyRing()
    await ring.load(storage.keys)
    signing = ring.signer.kid
    alien = dataclasses.replace(auth_settings, key_encryption_key=random_secret())
    other = await open_storage(alien)
    try:
        alien_key = await other.keys.rotate(dataclasses.replace(POLICY, lead=2))
    finally:
        await other.database.close()
    maintenance = KeyMaintenance(storage.keys, ring, POLICY)
    await maintenance.tick()  # waiting to sign: opened ahead, and it fails
    await asyncio.sleep(alien_key.key.signing_from - time.time() + 0.05)
    await maintenance.tick()  # its time has come, but this process cannot sign with it
    reports = [r for r in caplog.records if "cannot be decrypted" in r.getMessage()]
    assert len(reports) == 1  # once, not every second
    assert ring.signer.kid == signing  # the previous key, still published, signs on
