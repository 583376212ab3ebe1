"""Code both services use: errors, the database layer, configuration, logging, HTTP helpers,
and CORS for the endpoints browsers call (`cors`)."""

__all__ = ["config", "cors", "db", "errors", "http", "logging"]
