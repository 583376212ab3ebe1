"""The device authorization grant (RFC 8628): a device without a browser gets a person's token.

Owns device codes and user codes (`codes`: made, stored only as keyed digests, looked up,
decided, polled), the throttle on wrong user codes (`throttle`), and what the person goes
through at the verification URI (`verification`: enter the code, sign in, approve or deny),
and its tables (`schema`, migrations 13 and 14 of the auth server's schema).
Its pages are rendered from `auth_server/signin/templates/` with the sign-in room's `render`.
The endpoints are `auth_server/endpoints/device_authorization.py` and
`auth_server/endpoints/device.py`; the grant is `auth_server/grants/device_code.py`.

May import: `auth_server.settings`, `auth_server.scopes`, `auth_server.signing`,
`auth_server.clients`, `auth_server.signin`, `auth_server.tokens`, `shared`.
"""

__all__ = ["codes", "schema", "throttle", "verification"]
