"""Browser sessions of signed-in users: a random cookie, stored only as a digest."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from auth_server.signing.server_secrets import ServerSecrets
from shared.db import Database

SESSION_COOKIE = "oauth_session"
MAX_COOKIE_LENGTH = 128


@dataclass(frozen=True, slots=True)
class BrowserSession:
    """Who is signed in, and since when (the `auth_time` of what they authorize)."""

    user_id: str
    auth_time: int


class Sessions:
    """Sessions in the database, so that every replica knows them."""

    def __init__(self, database: Database, server_secrets: ServerSecrets, ttl: int) -> None:
        self._db = database
        self._secrets = server_secrets
        self.ttl = ttl

    async def start(
        self, user_id: str, *, replacing: str | None = None
    ) -> tuple[str, BrowserSession]:
        """A new session in place of the browser's old one, if any; return the cookie value
        (256 random bits) and the session."""
        cookie = secrets.token_urlsafe(32)
        now = int(time.time())
        async with self._db.transaction() as tx:
            if replacing and len(replacing) <= MAX_COOKIE_LENGTH:
                await tx.execute(
                    "DELETE FROM browser_sessions WHERE session_digest = $1",
                    self._secrets.digest(replacing),
                )
            await tx.execute(
                "INSERT INTO browser_sessions (session_digest, user_id, auth_time, expires_at)"
                " VALUES ($1, $2, $3, $4)",
                self._secrets.digest(cookie),
                user_id,
                now,
                now + self.ttl,
            )
        return cookie, BrowserSession(user_id, now)

    async def find(self, cookie: str | None) -> BrowserSession | None:
        """The live session of an enabled user behind this cookie, if any."""
        if not cookie or len(cookie) > MAX_COOKIE_LENGTH:
            return None
        row = await self._db.fetchrow(
            "SELECT s.user_id, s.auth_time FROM browser_sessions s"
            " JOIN users u ON u.user_id = s.user_id"
            " WHERE s.session_digest = $1 AND s.expires_at > $2 AND NOT u.disabled",
            self._secrets.digest(cookie),
            int(time.time()),
        )
        return None if row is None else BrowserSession(row["user_id"], int(row["auth_time"]))

    async def end(self, cookie: str | None) -> str | None:
        """Sign out: the session behind this cookie ends for every replica at once; returns
        the user it was for, if there was one."""
        if not cookie or len(cookie) > 128:
            return None
        row = await self._db.fetchrow(
            "DELETE FROM browser_sessions WHERE session_digest = $1 RETURNING user_id",
            self._secrets.digest(cookie),
        )
        return None if row is None else str(row["user_id"])

    async def prune(self, now: int) -> int:
        return await self._db.execute("DELETE FROM browser_sessions WHERE expires_at < $1", now)
