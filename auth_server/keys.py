"""Signing keys: stored encrypted, held in memory as a key ring, published as a JWKS."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from auth_server.jose import JwsSigner, generate_rsa_key, public_jwk, rsa_public_key
from auth_server.server_secrets import DecryptionFailed, ServerSecrets
from shared.db import Database, Executor, Row

log = logging.getLogger(__name__)

NEXT, CURRENT, RETIRED = "next", "current", "retired"
DEFAULT_ALG = "RS256"


class KeyUnavailable(Exception):
    """No usable signing key: none stored, or the stored one cannot be decrypted."""


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A signing key as stored: public part in clear, private part sealed."""

    kid: str
    alg: str
    state: str
    public_jwk: dict[str, Any]
    private_key: str
    created_at: int
    signing_from: int
    retire_at: int | None

    @classmethod
    def from_row(cls, row: Row) -> StoredKey:
        return cls(
            kid=row["kid"],
            alg=row["alg"],
            state=row["state"],
            public_jwk=json.loads(row["public_jwk"]),
            private_key=row["private_key"],
            created_at=int(row["created_at"]),
            signing_from=int(row["signing_from"]),
            retire_at=None if row["retire_at"] is None else int(row["retire_at"]),
        )

    def describe(self) -> dict[str, Any]:
        """What `keys list` shows: never the private part."""
        return {
            "kid": self.kid,
            "alg": self.alg,
            "state": self.state,
            "created_at": self.created_at,
            "signing_from": self.signing_from,
            "retire_at": self.retire_at,
        }


_COLUMNS = "kid, alg, state, public_jwk, private_key, created_at, signing_from, retire_at"


class KeyRepository:
    """Signing keys in the database."""

    def __init__(self, database: Database, server_secrets: ServerSecrets) -> None:
        self._db = database
        self._secrets = server_secrets

    async def list(self, executor: Executor | None = None) -> list[StoredKey]:
        rows = await (executor or self._db).fetch(
            f"SELECT {_COLUMNS} FROM signing_keys ORDER BY signing_from, created_at"
        )
        return [StoredKey.from_row(row) for row in rows]

    async def insert(
        self, executor: Executor, *, state: str, signing_from: int, alg: str = DEFAULT_ALG
    ) -> StoredKey:
        """Generate a key and store it sealed under the key-encryption key."""
        private = generate_rsa_key()
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
        )
        await executor.execute(
            f"INSERT INTO signing_keys ({_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            stored.kid,
            stored.alg,
            stored.state,
            json.dumps(jwk),
            stored.private_key,
            stored.created_at,
            stored.signing_from,
            stored.retire_at,
        )
        return stored

    async def ensure_current(self) -> None:
        """Make the first key on first start; two replicas starting at once make one."""
        async with self._db.transaction(lock="signing-keys") as tx:
            if any(key.state == CURRENT for key in await self.list(tx)):
                return
            key = await self.insert(tx, state=CURRENT, signing_from=int(time.time()))
            log.info("created signing key %s (%s)", key.kid, key.alg)

    def open(self, key: StoredKey) -> rsa.RSAPrivateKey:
        """Decrypt a stored private key."""
        try:
            der = self._secrets.decrypt(key.private_key, key.kid)
        except DecryptionFailed:
            raise KeyUnavailable(
                f"signing key {key.kid} cannot be decrypted: AUTH_KEY_ENCRYPTION_KEY is not"
                " the key it was stored under"
            ) from None
        private = serialization.load_der_private_key(der, password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise KeyUnavailable(f"signing key {key.kid} is not an RSA key")
        return private


class KeyRing:
    """The keys in memory: the one that signs, the published ones that verify, and the JWKS
    document, rendered once."""

    def __init__(self) -> None:
        self._signer: JwsSigner | None = None
        self._verifiers: dict[str, rsa.RSAPublicKey] = {}
        self._jwks = b'{"keys":[]}'

    @property
    def signer(self) -> JwsSigner:
        if self._signer is None:
            raise KeyUnavailable("no signing key is loaded")
        return self._signer

    @property
    def loaded(self) -> bool:
        return self._signer is not None

    def verification_key(self, kid: str) -> rsa.RSAPublicKey | None:
        """The public key published under this `kid`, if any."""
        return self._verifiers.get(kid)

    @property
    def jwks(self) -> bytes:
        """The JWKS document (RFC 7517 §5), ready to send."""
        return self._jwks

    async def load(self, repository: KeyRepository) -> None:
        """Read the keys; sign with the current one; publish every one not yet removed."""
        keys = await repository.list()
        current = [key for key in keys if key.state == CURRENT]
        if not current:
            raise KeyUnavailable("no current signing key is stored")
        newest = current[-1]
        if self._signer is None or self._signer.kid != newest.kid:
            self._signer = JwsSigner(repository.open(newest), newest.kid, newest.alg)
        published = [key.public_jwk for key in keys]
        self._verifiers = {key.kid: rsa_public_key(key.public_jwk) for key in keys}
        self._jwks = json.dumps({"keys": published}, separators=(",", ":")).encode()
