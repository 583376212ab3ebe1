"""Sign-in: what a person goes through at the authorization endpoint (RFC 6749 §4.1).

Owns the checked authorization request (`request`), the flow from sign-in to consent to a code
(`flow`), signing a person in wherever the login form is (`person`), users and their password
hashes (`users`), browser sessions (`sessions`), remembered
consent (`consents`), the pages and their templates (`pages`, `templates/`), the sign-in
throttle (`throttle`), PKCE (`pkce`, RFC 7636), authorization codes (`codes`) and their
redemption in one statement (`redemption`).

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.signing`,
`auth_server.clients`, `auth_server.tokens`, `shared`.
"""

__all__ = [
    "codes",
    "consents",
    "flow",
    "pages",
    "person",
    "pkce",
    "redemption",
    "request",
    "sessions",
    "throttle",
    "users",
]
