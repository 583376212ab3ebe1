"""Code both services use: errors, the database layer, configuration, logging, HTTP helpers,
the trusted proxies' view of the client."""

__all__ = ["config", "db", "errors", "http", "logging", "proxies"]
