"""The authorization server's tables, as versioned migrations."""

from __future__ import annotations

from shared.db import Migration

COMPONENT = "auth_server"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "server metadata, signing keys, clients",
        (
            """
            CREATE TABLE server_metadata (
                name TEXT PRIMARY KEY,
                value TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE signing_keys (
                kid TEXT PRIMARY KEY,
                alg TEXT NOT NULL,
                state TEXT NOT NULL,
                public_jwk TEXT NOT NULL,
                private_key TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                signing_from BIGINT NOT NULL,
                retire_at BIGINT
            )
            """,
            """
            CREATE TABLE clients (
                client_id TEXT PRIMARY KEY,
                client_name TEXT NOT NULL,
                secret_digest TEXT,
                token_endpoint_auth_method TEXT NOT NULL,
                grant_types TEXT NOT NULL,
                scope TEXT NOT NULL,
                redirect_uris TEXT NOT NULL,
                audiences TEXT NOT NULL,
                introspect BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ),
    ),
)
