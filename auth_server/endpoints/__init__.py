"""The HTTP endpoints of the authorization server, one module each (token, authorize,
metadata, jwks, introspection, revocation, revocation_feed, registration,
client_configuration, health), and client authentication of a request (`client_auth`).
Handlers stay thin: they read the request, call the concern that decides, and raise the
protocol error that `shared.http` renders.

May import: every concern of the auth server (`clients`, `signin`, `tokens`, `signing`,
`grants`), `auth_server.appkeys` for the app state, `shared`."""
