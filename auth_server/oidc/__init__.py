"""OpenID Connect: the identity layer on top of the code flow (OpenID Connect Core 1.0,
Discovery 1.0, RP-Initiated Logout 1.0).

Owns the claims each identity scope releases (`claims`), the RS256 keys ID tokens are signed
with (`keys`: the access-token key ring's own key when it is RS256, else a ring of RS256 keys
kept beside it), ID tokens and reading them back as logout hints (`id_token`), the UserInfo
answer (`userinfo`), the discovery document (`discovery`) and RP-initiated logout (`logout`).

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.signing`,
`auth_server.clients`, `auth_server.signin`, `auth_server.tokens`, `shared`.
"""

__all__ = ["claims", "discovery", "id_token", "keys", "logout", "userinfo"]
