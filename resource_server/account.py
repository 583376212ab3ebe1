"""The protected accounts: one JSON object per subject."""

from __future__ import annotations

import json
import time
from typing import Any

from shared.db import Database


class Accounts:
    """Each subject's stored data, read and replaced whole."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def get(self, subject: str) -> dict[str, Any]:
        """The subject's data; an empty object when nothing was ever stored."""
        stored = await self._db.fetchval(
            "SELECT data FROM resource_accounts WHERE subject = $1", subject
        )
        if stored is None:
            return {}
        data: dict[str, Any] = json.loads(stored)
        return data

    async def put(self, subject: str, data: dict[str, Any]) -> None:
        """Replace the subject's data in one statement, so a reader sees old or new, never half."""
        # ASCII escapes keep lone surrogates and the like storable in any TEXT column.
        encoded = json.dumps(data, separators=(",", ":"), ensure_ascii=True)
        await self._db.execute(
            "INSERT INTO resource_accounts (subject, data, updated_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (subject) DO UPDATE"
            " SET data = excluded.data, updated_at = excluded.updated_at",
            subject,
            encoded,
            int(time.time()),
        )
