"""Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document, the MCP
2025-11-25 way for a client to identify itself): a `client_id` that is a URL names a JSON
document describing the client, fetched when the client first appears and again when its
cache lifetime has passed.

Owns the guard against server-side request forgery (`guard`: which URLs and addresses may be
fetched, checked before any connection and on the address connected to), the fetch
(`fetch`: size, time, redirects, caching headers; the document and the key set at its
`jwks_uri`), the document's rules (`document`: the same as registration's, minus shared
secrets) and the stored copies (`store`).

May import: `auth_server.clients` (registry, metadata, policy, keys), `shared`.
"""

__all__ = ["document", "fetch", "guard", "store"]
