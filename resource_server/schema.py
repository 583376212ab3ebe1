"""The resource server's tables, as versioned migrations."""

from __future__ import annotations

from shared.db import Migration

COMPONENT = "resource_server"

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "protected accounts",
        (
            """
            CREATE TABLE resource_accounts (
                subject TEXT PRIMARY KEY,
                data TEXT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
        ),
    ),
)
