"""Code both services use: errors and their rendering, the database layer, configuration,
the command line and app skeletons, the trusted proxies' view of the client, the one line
that says why a service could not start, the Bearer parser, strict compact JWS parsing, DPoP
proofs, small JSON documents over HTTP, throttles, CORS, OpenAPI blocks, logging, metrics.

May import: nothing of `auth_server` or `resource_server`; the services import it."""

__all__ = [
    "audit",
    "background",
    "bearer",
    "cli",
    "config",
    "cors",
    "db",
    "dpop",
    "errors",
    "failures",
    "fetch",
    "http",
    "jws",
    "logging",
    "metrics",
    "openapi",
    "proxies",
    "request_context",
    "row_cache",
    "serve",
    "service",
    "throttle",
]
