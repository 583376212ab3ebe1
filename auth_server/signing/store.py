"""Signing keys in the database: generated and sealed, listed, and changed only under the
`key-rotation` lock, so that of all replicas one at a time rotates, retires or removes."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization

from auth_server.signing.jose import PrivateKey, fits, generate_key, public_jwk
from auth_server.signing.keyring import KeyUnavailable
from auth_server.signing.schedule import (
    CURRENT,
    NEXT,
    REMOVED,
    RotationPolicy,
    StoredKey,
    changes,
    pending,
    rotation_due,
    signer_at,
)
from auth_server.signing.server_secrets import DecryptionFailed, ServerSecrets
from shared.db import Database, Executor

log = logging.getLogger(__name__)

DEFAULT_ALG = "RS256"
# What a key signs: access tokens (and ID tokens, when it is an RS256 key), or only ID tokens
# (the RS256 key kept beside keys of another algorithm; OpenID Discovery 1.0 §3).
ACCESS, ID_TOKEN = "access", "id_token"
# Every change to the set of keys is made under this lock, by one process at a time.
LOCK = "key-rotation"
_COLUMNS = (
    "kid, alg, state, public_jwk, private_key, created_at, signing_from, retire_at, remove_at"
)


@dataclass(frozen=True, slots=True)
class Rotation:
    """What a rotation did: the key that signs next (or now), and the keys it unpublished."""

    key: StoredKey
    started: bool
    unpublished: tuple[str, ...] = ()


class KeyRepository:
    """Signing keys in the database; every change under the `key-rotation` lock."""

    def __init__(
        self, database: Database, server_secrets: ServerSecrets, purpose: str = ACCESS
    ) -> None:
        self._db = database
        self._secrets = server_secrets
        self.purpose = purpose

    async def list(self, executor: Executor | None = None) -> list[StoredKey]:
        rows = await (executor or self._db).fetch(
            f"SELECT {_COLUMNS} FROM signing_keys WHERE purpose = $1"
            " ORDER BY signing_from, created_at",
            self.purpose,
        )
        return [StoredKey.from_row(row) for row in rows]

    async def insert(
        self, executor: Executor, *, state: str, signing_from: int, alg: str = DEFAULT_ALG
    ) -> StoredKey:
        """Generate a key and store it sealed under the key-encryption key."""
        # RSA key generation takes tens of milliseconds, sometimes more: off the event loop.
        private = await asyncio.to_thread(generate_key, alg)
        jwk = public_jwk(private, alg)
        der = private.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        stored = StoredKey(
            kid=jwk["kid"],
            alg=alg,
            state=state,
            public_jwk=jwk,
            private_key=self._secrets.encrypt(der, jwk["kid"]),
            created_at=int(time.time()),
            signing_from=signing_from,
            retire_at=None,
            remove_at=None,
        )
        await executor.execute(
            f"INSERT INTO signing_keys ({_COLUMNS}, purpose)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            stored.kid,
            stored.alg,
            stored.state,
            json.dumps(jwk),
            stored.private_key,
            stored.created_at,
            stored.signing_from,
            stored.retire_at,
            stored.remove_at,
            self.purpose,
        )
        return stored

    async def ensure_current(self, alg: str = DEFAULT_ALG) -> None:
        """Make the first key on first start; two replicas starting at once make one."""
        async with self._db.transaction(lock=LOCK) as tx:
            now = int(time.time())
            if signer_at(await self.list(tx), now) is not None:
                return
            key = await self.insert(tx, state=CURRENT, signing_from=now, alg=alg)
            log.info("created signing key %s (%s)", key.kid, key.alg)

    async def ensure_first(self, alg: str, signing_from: int) -> None:
        """Make this purpose's first key unless one is stored, signing from `signing_from`
        (published at once); two replicas starting at once make one."""
        async with self._db.transaction(lock=LOCK) as tx:
            if await self.list(tx):
                return
            state = NEXT if signing_from > int(time.time()) else CURRENT
            key = await self.insert(tx, state=state, signing_from=signing_from, alg=alg)
            log.info("created %s key %s (%s)", self.purpose, key.kid, key.alg)

    async def rotate(self, policy: RotationPolicy, now: int | None = None) -> Rotation:
        """Start a rotation: a new key, published at once, that signs after the publish
        delay; if one is already waiting to sign, that one."""
        async with self._db.transaction(lock=LOCK) as tx:
            moment = int(time.time()) if now is None else now
            keys = await self.list(tx)
            waiting = pending(keys, moment)
            if waiting is not None:
                return Rotation(waiting, started=False)
            return Rotation(await self._successor(tx, keys, policy, moment), started=True)

    async def _successor(
        self, tx: Executor, keys: Sequence[StoredKey], policy: RotationPolicy, now: int
    ) -> StoredKey:
        """A key to follow the one signing now (or to sign now, if none does)."""
        signer = signer_at(keys, now)
        if signer is None:
            return await self.insert(tx, state=CURRENT, signing_from=now, alg=policy.alg)
        signing_from = now + policy.lead
        key = await self.insert(tx, state=NEXT, signing_from=signing_from, alg=policy.alg)
        await tx.execute(
            "UPDATE signing_keys SET retire_at = $2, remove_at = $3 WHERE kid = $1",
            signer.kid,
            signing_from,
            signing_from + policy.retention,
        )
        log.info("rotation started: key %s (%s) signs from %d", key.kid, key.alg, signing_from)
        return key

    async def replace_compromised(self, alg: str, now: int | None = None) -> Rotation:
        """Emergency: unpublish the signing key (and any key waiting to sign) at once, and
        sign with a fresh key from now on. Keys retired earlier stay until their tokens end."""
        async with self._db.transaction(lock=LOCK) as tx:
            moment = int(time.time()) if now is None else now
            keys = await self.list(tx)
            signer = signer_at(keys, moment)
            doomed = [k.kid for k in keys if k is signer or k.signing_from > moment]
            for kid in doomed:
                await tx.execute("DELETE FROM signing_keys WHERE kid = $1", kid)
            key = await self.insert(tx, state=CURRENT, signing_from=moment, alg=alg)
        log.info("emergency rotation: unpublished %s; key %s signs now", doomed, key.kid)
        return Rotation(key, started=True, unpublished=tuple(doomed))

    async def maintain(self, policy: RotationPolicy, now: int) -> Sequence[StoredKey]:
        """Bring the rows up to date with the schedule, delete removed keys, and start a
        scheduled rotation when one is due; the keys afterwards."""
        async with self._db.transaction(lock=LOCK) as tx:
            keys = await self.list(tx)
            for change in changes(keys, now, policy):
                if change.state == REMOVED:
                    await tx.execute("DELETE FROM signing_keys WHERE kid = $1", change.kid)
                    log.info("signing key %s removed from the JWKS", change.kid)
                    continue
                await tx.execute(
                    "UPDATE signing_keys SET state = $2, retire_at = $3, remove_at = $4"
                    " WHERE kid = $1",
                    change.kid,
                    change.state,
                    change.retire_at,
                    change.remove_at,
                )
            keys = await self.list(tx)
            if rotation_due(keys, now, policy):
                await self._successor(tx, keys, policy, now)
                keys = await self.list(tx)
            return keys

    def open(self, key: StoredKey) -> PrivateKey:
        """Decrypt a stored private key."""
        try:
            der = self._secrets.decrypt(key.private_key, key.kid)
        except DecryptionFailed:
            raise KeyUnavailable(
                f"signing key {key.kid} cannot be decrypted: AUTH_KEY_ENCRYPTION_KEY is not"
                " the key it was stored under"
            ) from None
        private = serialization.load_der_private_key(der, password=None)
        if not isinstance(private, PrivateKey) or not fits(private, key.alg):
            raise KeyUnavailable(f"signing key {key.kid} is not a key for {key.alg}")
        return private
