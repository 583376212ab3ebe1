"""Code both services use: errors, the database layer, configuration, logging, HTTP helpers."""

__all__ = ["config", "db", "errors", "http", "logging"]
