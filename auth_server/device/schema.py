"""The device flow's tables (RFC 8628), as migrations of the auth server's schema."""

from __future__ import annotations

from shared.db import Migration

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        13,
        "device codes (RFC 8628): the device's and the person's code, both only as digests",
        (
            # `status`: pending, approved, denied or redeemed. `last_polled_ms` and
            # `poll_interval` keep each device code's own pace (RFC 8628 §3.5 slow_down).
            """
            CREATE TABLE device_codes (
                device_code_digest TEXT PRIMARY KEY,
                user_code_digest TEXT NOT NULL UNIQUE,
                client_id TEXT NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
                scope TEXT NOT NULL,
                audience TEXT NOT NULL,
                status TEXT NOT NULL,
                user_id TEXT REFERENCES users (user_id) ON DELETE CASCADE,
                auth_time BIGINT,
                poll_interval INTEGER NOT NULL,
                last_polled_ms BIGINT,
                polled_too_fast BOOLEAN NOT NULL DEFAULT FALSE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX device_codes_expiry ON device_codes (expires_at)",
        ),
    ),
    Migration(
        14,
        "wrong user codes, counted per client address",
        (
            """
            CREATE TABLE device_code_attempts (
                address TEXT PRIMARY KEY,
                window_start BIGINT NOT NULL,
                attempts INTEGER NOT NULL
            )
            """,
        ),
    ),
)
