"""The resource server's HTTP endpoints, one module each: the protected account, its RFC 9728
metadata, health.

May import: `resource_server` modules (appkeys, middleware, validation, settings), `shared`."""
