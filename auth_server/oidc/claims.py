"""The claims about a person that each identity scope releases (OpenID Connect Core §5.4)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from auth_server.signin.users import User

# Every claim an ID token or the UserInfo endpoint may carry (OpenID Discovery 1.0 §3).
CLAIMS_SUPPORTED = (
    "sub",
    "iss",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "at_hash",
    "azp",
    "name",
    "preferred_username",
    "email",
    "email_verified",
)


def claims_for(user: User, scope: Collection[str]) -> dict[str, Any]:
    """`profile`: name and preferred_username (the username); `email`: email and
    email_verified. A claim the user has no value for is left out (Core §5.3.2)."""
    claims: dict[str, Any] = {}
    if "profile" in scope:
        claims["preferred_username"] = user.username
        if user.profile.name is not None:
            claims["name"] = user.profile.name
    if "email" in scope and user.profile.email is not None:
        claims["email"] = user.profile.email
        claims["email_verified"] = user.profile.email_verified
    return claims
