"""Code both services use: errors and their rendering, the database layer, configuration,
the command line and app skeletons, the trusted proxies' view of the client, the one line
that says why a service could not start, the Bearer parser, OpenAPI blocks, logging, metrics.

May import: nothing of `auth_server` or `resource_server`; the services import it."""

__all__ = [
    "background",
    "bearer",
    "cli",
    "config",
    "cors",
    "db",
    "errors",
    "failures",
    "http",
    "logging",
    "metrics",
    "openapi",
    "proxies",
    "request_context",
    "row_cache",
    "serve",
    "service",
]
