"""What a client is: the grant types and authentication methods it may have, the client as
stored (`Client`) and as asked for (`NewClient`), and how ids and secrets are made."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from typing import Any

from auth_server.scopes import IDENTITY_SCOPES, format_scope
from shared.db import Row

CLIENT_CREDENTIALS = "client_credentials"
AUTHORIZATION_CODE = "authorization_code"
REFRESH_TOKEN = "refresh_token"
DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES = (CLIENT_CREDENTIALS, AUTHORIZATION_CODE, REFRESH_TOKEN, DEVICE_CODE)

SECRET_BASIC = "client_secret_basic"
SECRET_POST = "client_secret_post"
NONE = "none"
PRIVATE_KEY_JWT = "private_key_jwt"
AUTH_METHODS = (SECRET_BASIC, SECRET_POST, NONE, PRIVATE_KEY_JWT)

# Where a client came from: the operator (CLI), the registration endpoint with the initial
# access token, anonymous registration, or a client ID metadata document fetched by URL.
OPERATOR = "operator"
REGISTRATION = "registration"
OPEN_REGISTRATION = "open_registration"
METADATA_DOCUMENT = "metadata_document"
# SPEC "Resources per client": these may ask for any resource the server knows.
SELF_DECLARED = frozenset({OPEN_REGISTRATION, METADATA_DOCUMENT})


_ID_ALPHABET = string.ascii_letters + string.digits


def new_client_id() -> str:
    """131 random bits, letters and digits only: not a secret, but not guessable either.

    No `-`: an id that began with one would read as an option on the command line
    (`client show -x...`), and operators paste these ids into commands."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


def new_client_secret() -> str:
    """256 random bits, URL-safe (RFC 6749 §10.10 asks for high entropy)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Client:
    """A registered client, as stored (its secret only as a keyed digest)."""

    client_id: str
    client_name: str
    secret_digest: str | None
    token_endpoint_auth_method: str
    grant_types: tuple[str, ...]
    scope: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    audiences: tuple[str, ...]
    introspect: bool
    created_at: int
    updated_at: int
    post_logout_redirect_uris: tuple[str, ...] = ()
    source: str = OPERATOR
    dpop_bound: bool = False
    jwks: str | None = None
    jwks_uri: str | None = None

    @property
    def is_public(self) -> bool:
        """RFC 6749 §2.1: a client that can keep neither a secret nor a private key."""
        return self.secret_digest is None and not self.uses_keys

    @property
    def uses_keys(self) -> bool:
        """RFC 7523 §2.2: the client authenticates with a JWT signed by one of its keys."""
        return self.token_endpoint_auth_method == PRIVATE_KEY_JWT

    def allowed_audiences(
        self, default_audience: str, known_audiences: tuple[str, ...] = ()
    ) -> tuple[str, ...]:
        """The `aud` values this client may ask for: its registered ones, else the server
        default; an anonymous or metadata-document client any the server knows (SPEC)."""
        if self.source in SELF_DECLARED and known_audiences:
            return known_audiences
        return self.audiences or (default_audience,)

    @property
    def requestable_scope(self) -> tuple[str, ...]:
        """Its registered scopes, and with the code grant the identity scopes of OpenID
        Connect (SPEC "OpenID Connect"): never for a client acting only for itself."""
        if AUTHORIZATION_CODE not in self.grant_types:
            return self.scope
        return self.scope + tuple(name for name in IDENTITY_SCOPES if name not in self.scope)

    def describe(self) -> dict[str, Any]:
        """The client as shown to operators: everything but its secret."""
        return {
            "client_id": self.client_id,
            "client_name": self.client_name,
            "client_type": "public" if self.is_public else "confidential",
            "token_endpoint_auth_method": self.token_endpoint_auth_method,
            "grant_types": list(self.grant_types),
            "scope": format_scope(self.scope),
            "redirect_uris": list(self.redirect_uris),
            "audiences": list(self.audiences),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "introspect": self.introspect,
            "dpop_bound_access_tokens": self.dpop_bound,
            **({"jwks_uri": self.jwks_uri} if self.jwks_uri else {}),
            **({"jwks": json.loads(self.jwks)} if self.jwks else {}),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_row(cls, row: Row) -> Client:
        return cls(
            client_id=row["client_id"],
            client_name=row["client_name"],
            secret_digest=row["secret_digest"],
            token_endpoint_auth_method=row["token_endpoint_auth_method"],
            grant_types=tuple(json.loads(row["grant_types"])),
            scope=tuple(row["scope"].split()),
            redirect_uris=tuple(json.loads(row["redirect_uris"])),
            audiences=tuple(json.loads(row["audiences"])),
            introspect=bool(row["introspect"]),
            created_at=int(row["created_at"]),
            updated_at=int(row["updated_at"]),
            post_logout_redirect_uris=tuple(json.loads(row["post_logout_redirect_uris"])),
            source=row["source"],
            dpop_bound=bool(row["dpop_bound"]),
            jwks=row["jwks"],
            jwks_uri=row["jwks_uri"],
        )


@dataclass(frozen=True, slots=True)
class NewClient:
    """What a registration asks for, already checked against policy."""

    client_name: str
    grant_types: tuple[str, ...]
    scope: tuple[str, ...]
    redirect_uris: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    public: bool = False
    introspect: bool = False
    token_endpoint_auth_method: str | None = None
    post_logout_redirect_uris: tuple[str, ...] = ()
    source: str = OPERATOR
    dpop_bound: bool = False
    jwks: str | None = None
    jwks_uri: str | None = None
