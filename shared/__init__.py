"""Code both services use: errors, the database layer, configuration, logging, HTTP helpers,
the trusted proxies' view of the client, and the one line that says why a service could not
start."""

__all__ = ["config", "db", "errors", "failures", "http", "logging", "proxies"]
