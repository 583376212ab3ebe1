"""Throttling of failed logins, per account and per client address, in fixed windows."""

from __future__ import annotations

import time

from shared.db import Database

WINDOW = 15 * 60
ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20


class LoginThrottle:
    """Counts failures in the database, so the limits hold across replicas."""

    def __init__(
        self,
        database: Database,
        *,
        account_limit: int = ACCOUNT_LIMIT,
        address_limit: int = ADDRESS_LIMIT,
        window: int = WINDOW,
    ) -> None:
        self._db = database
        self._limits = {"account": account_limit, "address": address_limit}
        self._window = window

    @staticmethod
    def _keys(username: str, address: str) -> dict[str, str]:
        return {"account": f"account:{username}", "address": f"address:{address}"}

    async def retry_after(self, username: str, address: str) -> int:
        """Seconds until another attempt is allowed; 0 if one is allowed now."""
        now = int(time.time())
        keys = self._keys(username, address)
        wait = 0
        for kind, key in keys.items():
            row = await self._db.fetchrow(
                "SELECT window_start, failures FROM login_failures WHERE throttle_key = $1", key
            )
            if row is None or int(row["window_start"]) <= now - self._window:
                continue
            if int(row["failures"]) >= self._limits[kind]:
                wait = max(wait, int(row["window_start"]) + self._window - now)
        return wait

    async def failed(self, username: str, address: str) -> None:
        """Count one failure against the account and the address."""
        now = int(time.time())
        for key in self._keys(username, address).values():
            await self._db.execute(
                "INSERT INTO login_failures (throttle_key, window_start, failures)"
                " VALUES ($1, $2, 1) ON CONFLICT (throttle_key) DO UPDATE SET"
                " failures = CASE WHEN login_failures.window_start > $3"
                "   THEN login_failures.failures + 1 ELSE 1 END,"
                " window_start = CASE WHEN login_failures.window_start > $3"
                "   THEN login_failures.window_start ELSE $2 END",
                key,
                now,
                now - self._window,
            )

    async def succeeded(self, username: str) -> None:
        """A correct password clears the account's count (not the address's)."""
        await self._db.execute(
            "DELETE FROM login_failures WHERE throttle_key = $1", f"account:{username}"
        )
