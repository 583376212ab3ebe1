"""The keys ID tokens are signed with: always RS256 (OpenID Discovery 1.0 §3 requires it).

With AUTH_SIGNING_ALG=RS256 the access-token key ring's key signs ID tokens as well. With
another algorithm, RS256 keys of their own (`purpose` `id_token`) are kept, published,
rotated and retired under the same schedule and lock as the access-token keys; while the
access-token key that signs is still RS256 (just after a change of algorithm), it signs ID
tokens too, so that the first ID-token key is published before it signs anything. Once made,
ID-token keys stay in use, also if the algorithm changes back to RS256: the tokens they
signed keep verifying, and their keys retire on schedule."""

from __future__ import annotations

import json
import time

from auth_server.settings import Settings
from auth_server.signing.jose import JwsSigner
from auth_server.signing.keyring import KeyRing, KeyUnavailable, VerificationKey
from auth_server.signing.schedule import PUBLISH_MARGIN
from auth_server.signing.store import KeyRepository

ID_TOKEN_ALG = "RS256"


class IdTokenKeys:
    """Signs ID tokens with an RS256 key, verifies our own, and publishes the JWKS of both
    rings (rendered again only when either ring's document changes)."""

    def __init__(self, access: KeyRing, own: KeyRing | None = None) -> None:
        self._access = access
        self.own = own
        self._rendered: tuple[bytes, bytes, bytes] | None = None

    @property
    def signer(self) -> JwsSigner:
        """The RS256 key that signs ID tokens now."""
        if self.own is not None and self.own.loaded:
            return self.own.signer
        if self._access.loaded and self._access.signer.alg == ID_TOKEN_ALG:
            return self._access.signer  # until the first ID-token key's time comes
        raise KeyUnavailable("no RS256 key is loaded for ID tokens")

    @property
    def loaded(self) -> bool:
        """An RS256 key can sign ID tokens now."""
        try:
            self.signer  # noqa: B018 - raises KeyUnavailable when none can
        except KeyUnavailable:
            return False
        return True

    def verification_key(self, kid: str) -> VerificationKey | None:
        """A published key of either ring."""
        published = self.own.verification_key(kid) if self.own is not None else None
        return published or self._access.verification_key(kid)

    @property
    def jwks(self) -> bytes:
        """RFC 7517 §5: the keys of both rings in one document."""
        if self.own is None:
            return self._access.jwks
        access, own = self._access.jwks, self.own.jwks
        if self._rendered is None or self._rendered[:2] != (access, own):
            keys = json.loads(access)["keys"] + json.loads(own)["keys"]
            merged = json.dumps({"keys": keys}, separators=(",", ":")).encode()
            self._rendered = (access, own, merged)
        return self._rendered[2]


async def open_id_token_keys(
    settings: Settings, repository: KeyRepository, access: KeyRing
) -> IdTokenKeys:
    """The ID-token keys for these settings; the first RS256 key of their own is made here."""
    if settings.signing_alg == ID_TOKEN_ALG and not await repository.list():
        return IdTokenKeys(access)
    now = int(time.time())
    # Published before it signs while an RS256 access-token key can sign meanwhile.
    bridged = access.loaded and access.signer.alg == ID_TOKEN_ALG
    signing_from = now + settings.publish_delay + PUBLISH_MARGIN if bridged else now
    await repository.ensure_first(ID_TOKEN_ALG, signing_from)
    own = KeyRing()
    for problem in own.refresh(await repository.list(), repository.open, now):
        raise problem
    return IdTokenKeys(access, own)
