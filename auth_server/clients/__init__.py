"""Clients (RFC 6749 §2): who may ask for tokens, and with what.

Owns the registry (`registry`: stored clients and their hashed secrets), its in-memory cache
(`cache`), the registration rules shared by the CLI and RFC 7591 (`policy`, `metadata`), the
redirect URI rules and matching (`redirect_uris`, RFC 8252), dynamically registered clients
and their registration access tokens (`registrations`), the limit on anonymous registration
(`open_registration`), clients whose id is the URL of their metadata document
(`documents/`), and the throttle on failed client authentication (`throttle`).

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.signing`, `shared`.
"""

__all__ = [
    "cache",
    "documents",
    "metadata",
    "open_registration",
    "policy",
    "redirect_uris",
    "registrations",
    "registry",
    "throttle",
]
