"""Scope rules (RFC 6749 §3.3) as pure functions."""

from __future__ import annotations

from shared.config import is_scope_token
from shared.errors import InvalidScope

# OpenID Connect Core §3.1.2.1 and §5.4: `openid` asks for an ID token, `profile` and
# `email` for the claims of those names.
OPENID = "openid"
IDENTITY_SCOPES = (OPENID, "profile", "email")


def parse_scope(value: str | None) -> tuple[str, ...] | None:
    """The scope names of a request parameter, in order, once each; None when absent."""
    if value is None or value.strip(" ") == "":
        return None
    names = [name for name in value.split(" ") if name]
    for name in names:
        if not is_scope_token(name):
            raise InvalidScope(f"malformed scope name {name!r}")
    return tuple(dict.fromkeys(names))


def grant_scope(requested: tuple[str, ...] | None, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """What a request may have: its scopes if all are allowed, else the client's own set."""
    if requested is None:
        return allowed
    beyond = [name for name in requested if name not in allowed]
    if beyond:
        raise InvalidScope(f"scope not allowed for this client: {' '.join(beyond)}")
    return requested


def format_scope(scopes: tuple[str, ...]) -> str:
    """Space-separated, as tokens and responses carry it."""
    return " ".join(scopes)
