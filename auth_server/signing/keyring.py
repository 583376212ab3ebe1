"""The signing keys in memory: a key ring that signs with the key the schedule names,
verifies with the published keys, and serves the JWKS document."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from auth_server.signing.jose import JwsSigner, PrivateKey, PublicKey
from auth_server.signing.jose import public_key as jwk_public_key
from auth_server.signing.schedule import StoredKey, is_published

log = logging.getLogger(__name__)


class KeySource(Protocol):
    """Where stored keys come from (the key store): listed, and opened one by one."""

    async def list(self) -> Sequence[StoredKey]: ...

    def open(self, key: StoredKey) -> PrivateKey: ...


class KeyUnavailable(Exception):
    """No usable signing key: none stored, or the stored one cannot be decrypted."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A published key and the one algorithm it verifies."""

    key: PublicKey
    alg: str


Opener = Callable[[StoredKey], PrivateKey]


class KeyRing:
    """The keys in memory: the signers (each from its `signing_from`), the published keys,
    and the JWKS document, rendered again only when the published set changes."""

    def __init__(self) -> None:
        self._signers: list[tuple[int, JwsSigner]] = []  # by `signing_from`
        self._signer: JwsSigner | None = None
        self._switch_at: float = math.inf
        self._unopenable: set[str] = set()
        self._verifiers: dict[str, VerificationKey] = {}
        self._jwks = b'{"keys":[]}'

    @property
    def signer(self) -> JwsSigner:
        """The key that signs now; it changes at the next key's `signing_from`, with no
        database query, so that every replica switches at the same second."""
        now = time.time()
        if now >= self._switch_at:
            self._advance(now)
        if self._signer is None:
            raise KeyUnavailable("no signing key is loaded")
        return self._signer

    @property
    def loaded(self) -> bool:
        """A key signs now."""
        try:
            self.signer  # noqa: B018 - raises KeyUnavailable when none does
        except KeyUnavailable:
            return False
        return True

    def verification_key(self, kid: str) -> VerificationKey | None:
        """The public key published under this `kid`, if any."""
        return self._verifiers.get(kid)

    @property
    def jwks(self) -> bytes:
        """The JWKS document (RFC 7517 §5), ready to send."""
        return self._jwks

    async def load(self, repository: KeySource) -> None:
        """Read the keys at start-up; KeyUnavailable unless one signs now and all open."""
        problems = self.refresh(await repository.list(), repository.open, int(time.time()))
        if problems:
            raise problems[0]
        if not self.loaded:
            raise KeyUnavailable("no current signing key is stored")

    def refresh(self, keys: Sequence[StoredKey], opener: Opener, now: int) -> list[KeyUnavailable]:
        """Hold these keys: publish those not removed; open the one that signs now and those
        that sign later. A key this process cannot open is reported once and passed over:
        the newest older key that opens signs instead, while it is still published."""
        published = [key for key in keys if is_published(key, now)]
        self._publish(published)
        opened = {signing.kid: signing for _, signing in self._signers}
        problems: list[KeyUnavailable] = []
        signers: list[tuple[int, JwsSigner]] = []
        for key in reversed([key for key in published if key.signing_from <= now]):
            signing = self._open(key, opener, opened, problems)
            if signing is not None:
                signers.append((key.signing_from, signing))
                break
        for key in published:
            if key.signing_from > now and (signing := self._open(key, opener, opened, problems)):
                signers.append((key.signing_from, signing))
        self._signers = signers
        self._advance(now)
        return problems

    def _open(
        self,
        key: StoredKey,
        opener: Opener,
        opened: dict[str, JwsSigner],
        problems: list[KeyUnavailable],
    ) -> JwsSigner | None:
        """The key's signer, opened now or already; None if it cannot be opened here."""
        if key.kid in self._unopenable:
            return None
        try:
            return opened.get(key.kid) or JwsSigner(opener(key), key.kid, key.alg)
        except KeyUnavailable as problem:
            self._unopenable.add(key.kid)
            problems.append(problem)
            return None

    def _advance(self, now: float) -> None:
        """Sign with the newest key whose time has come; note when the next one's comes."""
        started = [signing for start, signing in self._signers if start <= now]
        upcoming = [start for start, _ in self._signers if start > now]
        chosen = started[-1] if started else None
        if chosen is not None and (self._signer is None or chosen.kid != self._signer.kid):
            log.info("signing with key %s (%s)", chosen.kid, chosen.alg)
        self._signer = chosen
        self._switch_at = min(upcoming, default=math.inf)

    def _publish(self, published: Sequence[StoredKey]) -> None:
        """Render the JWKS again when the published set has changed."""
        if [key.kid for key in published] == list(self._verifiers):
            return
        self._verifiers = {
            key.kid: VerificationKey(jwk_public_key(key.public_jwk), key.alg) for key in published
        }
        document = {"keys": [key.public_jwk for key in published]}
        self._jwks = json.dumps(document, separators=(",", ":")).encode()
        log.info("publishing signing keys %s", ", ".join(self._verifiers))
