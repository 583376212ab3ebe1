"""Single-use JWT ids (RFC 7523 §3 item 7, RFC 9449 §11.1): client assertions and DPoP
proofs, refused a second time by every worker and replica that shares the database."""

from __future__ import annotations

from shared.db import Database


class UsedJtis:
    """One row per accepted `jti` until its JWT's `exp`; the primary key does the refusing."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def first_use(self, jti_key: str, exp: int) -> bool:
        """Record `jti_key`; False if it was recorded before (a replay)."""
        inserted = await self._db.execute(
            "INSERT INTO used_jtis (jti_key, exp) VALUES ($1, $2) ON CONFLICT (jti_key) DO NOTHING",
            jti_key,
            exp,
        )
        return inserted == 1
