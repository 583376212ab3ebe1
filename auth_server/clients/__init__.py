"""Clients (RFC 6749 §2): who may ask for tokens, and with what.

Owns what a client is (`model`), the registry (`registry`: stored clients and their hashed
secrets), its in-memory cache
(`cache`), the registration rules shared by the CLI and RFC 7591 (`policy`, `metadata`), the
redirect URI rules and matching (`redirect_uris`, RFC 8252), dynamically registered clients
and their registration access tokens (`registrations`), the limit on anonymous registration
(`open_registration`), clients whose id is the URL of their metadata document
(`documents/`), the throttle on failed client authentication (`throttle`), and key-based client
authentication (RFC 7523 §2.2): a client's public keys (`keys`), where they come from
(`key_source`: its `jwks` or fetched `jwks_uri`), the assertion rules (`assertions`), and the
single-use `jti`s of assertions and DPoP proofs (`jtis`).

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.signing`, `shared`.
"""

__all__ = [
    "assertions",
    "cache",
    "documents",
    "jtis",
    "key_source",
    "keys",
    "metadata",
    "model",
    "open_registration",
    "policy",
    "redirect_uris",
    "registrations",
    "registry",
    "throttle",
]
