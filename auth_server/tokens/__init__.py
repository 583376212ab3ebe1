"""Tokens: what the server issues and how it takes them back.

Owns the RFC 9068 access-token issuer (`issuer`), refresh-token families (`refresh`), the
deny-list of revoked access tokens (`revocations`), rotating a refresh token in one statement
(`rotation`), finding which token a presented string is
(`lookup`, for introspection and revocation), the resource indicators a request may name
(`audiences`, RFC 8707), and the DPoP proof of a token request (`dpop`, RFC 9449 §5).

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.signing`,
`auth_server.clients`, `shared`.
"""

__all__ = ["audiences", "dpop", "issuer", "lookup", "refresh", "revocations", "rotation"]
