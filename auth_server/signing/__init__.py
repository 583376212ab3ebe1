"""Signing: the server's keys and its own secrets.

Owns the JOSE helpers (`jose`: JWKs, thumbprints, compact JWS signing), the key ring held in
memory (`keyring`), the keys at rest (`store`, sealed with the key-encryption key), when each key
publishes, signs and retires (`schedule`), the upkeep that rotates them in every process
(`rotation`), reading back a JWT it signed (`reading`), and the key-encryption key and
digest pepper (`server_secrets`).

May import: `auth_server.settings`, `shared`. Nothing else of the auth server.
"""

__all__ = ["jose", "keyring", "reading", "rotation", "schedule", "server_secrets", "store"]
