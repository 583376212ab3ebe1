"""Consent remembered per user, client and scope."""

from __future__ import annotations

import time

from shared.db import Database


class Consents:
    """Which scopes a user has granted to which client."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def covers(self, user_id: str, client_id: str, scope: tuple[str, ...]) -> bool:
        """True if the user has granted the client every one of these scopes before."""
        rows = await self._db.fetch(
            "SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2", user_id, client_id
        )
        return set(scope) <= {row["scope"] for row in rows}

    async def remember(self, user_id: str, client_id: str, scope: tuple[str, ...]) -> None:
        async with self._db.transaction() as tx:
            for name in scope:
                await tx.execute(
                    "INSERT INTO consents (user_id, client_id, scope, granted_at)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    user_id,
                    client_id,
                    name,
                    int(time.time()),
                )
