"""Reading back a JWT this server signed: by the `kid` of one of its published keys, with the
one algorithm that key was published for, and a `typ` the caller names."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Protocol

import jwt

from auth_server.signing.jose import is_canonical_b64url
from auth_server.signing.keyring import VerificationKey


class PublishedKeys(Protocol):
    """Where a `kid` finds its published key: the key ring, or the ID-token keys."""

    def verification_key(self, kid: str) -> VerificationKey | None: ...


def read_own_jwt(
    token: str,
    keys: PublishedKeys,
    issuer: str,
    *,
    types: Collection[str],
    required: list[str],
    max_length: int,
) -> dict[str, Any] | None:
    """The claims of a JWT one of `keys` signed for `issuer`, with a `typ` among `types` and
    the `required` claims; expiry, audience and `iat` are the caller's to judge (a revoked or
    logged-out token counts whatever its state). None for anything else."""
    if len(token) > max_length or not is_canonical_b64url(token):
        return None
    try:
        header = jwt.get_unverified_header(token)
        published = keys.verification_key(str(header.get("kid")))
        if published is None or header.get("typ") not in types:
            return None
        claims: dict[str, Any] = jwt.decode(
            token,
            key=published.key,
            # RFC 8725 §3.1: the one algorithm the key was published for, whatever the header says.
            algorithms=[published.alg],
            issuer=issuer,
            options={
                "verify_exp": False,
                "verify_aud": False,
                "verify_iat": False,
                "require": required,
            },
        )
    except jwt.PyJWTError:
        return None
    return claims
