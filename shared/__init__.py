"""Code both services use: errors, the database layer, configuration, logging, HTTP helpers,
strict compact JWS parsing (`jws`), small JSON documents over HTTP (`fetch`) and DPoP (`dpop`)."""

__all__ = ["config", "db", "dpop", "errors", "fetch", "http", "jws", "logging"]
