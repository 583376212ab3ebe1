"""Grant types (RFC 6749 §4): one module each, all answering a token request whose client
is already authenticated and allowed the grant.

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.clients`,
`auth_server.signin` (codes, users), `auth_server.tokens`, `shared`. Nothing imports a grant
but the app factory, which installs them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from multidict import MultiDictProxy

from auth_server.clients.registry import Client

__all__ = ["Grant", "TokenRequest"]


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A token request whose client is already authenticated and allowed this grant."""

    client: Client
    form: MultiDictProxy[str]
    jkt: str | None = None
    """RFC 9449 §5: the thumbprint of the request's DPoP proof key, when it sent one."""


class Grant(Protocol):
    """One grant type (RFC 6749 §4): turns a token request into a token response body."""

    grant_type: str

    async def exchange(self, request: TokenRequest) -> dict[str, Any]: ...
