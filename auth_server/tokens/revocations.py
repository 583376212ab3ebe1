"""The deny-list of revoked access tokens (RFC 7009 §2.1): one row per `jti`, kept until the
token has expired, read by introspection and by the revocation feed for resource servers."""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.db import Database, Executor

FEED_PAGE_SIZE = 1000
# Resource servers accept a token up to their clock leeway past `exp` (RFC 7519 §4.1.4), so an
# entry stays listed, and stored, this long past its token's `exp`.
EXPIRY_MARGIN = 60
LOCK = "revoked-access-tokens"


@dataclass(frozen=True, slots=True)
class Revoked:
    """One deny-listed access token: its `jti` and its `exp`."""

    jti: str
    exp: int


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Entries after a position, in revocation order, and the position after the last one."""

    revoked: tuple[Revoked, ...]
    position: int
    more: bool


class RevokedAccessTokens:
    """The deny-list; `seq` numbers entries in the order they became visible."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, *, jti: str, client_id: str, exp: int) -> None:
        """Deny-list a token until it expires; revoking it again changes nothing."""
        # A sequence hands out numbers when rows are inserted, but PostgreSQL transactions
        # commit in any order: a reader could see seq 11 while seq 10 is still uncommitted,
        # move its cursor past 10, and never see it. Every insert therefore holds one named
        # lock until its commit (an advisory lock, released only after the commit is visible;
        # on SQLite, the file's write lock), so numbers become visible strictly in order and
        # a cursor never skips an entry. Revocations are rare; serializing them costs nothing.
        async with self._db.transaction(lock=LOCK) as tx:
            await tx.execute(
                "INSERT INTO revoked_access_tokens (jti, client_id, exp, revoked_at)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING",
                jti,
                client_id,
                exp,
                int(time.time()),
            )

    async def remember(
        self, tx: Executor, *, jti: str, grant_key: str, client_id: str, exp: int
    ) -> None:
        """Note an access token issued under a user's grant (a refresh-token family, or a code
        that started none), in the transaction that issues the grant's next step."""
        await tx.execute(
            "INSERT INTO grant_access_tokens (jti, grant_key, client_id, exp)"
            " VALUES ($1, $2, $3, $4)",
            jti,
            grant_key,
            client_id,
            exp,
        )

    async def revoke_grant(self, *grant_keys: str) -> int:
        """Deny-list every unexpired access token issued under these grants; how many were new.

        RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access tokens of
        the same grant; RFC 6749 §4.1.2: so should a code used twice."""
        now = int(time.time())
        added = 0
        async with self._db.transaction(lock=LOCK) as tx:  # in feed order, as `add` explains
            for grant_key in grant_keys:
                added += await tx.execute(
                    "INSERT INTO revoked_access_tokens (jti, client_id, exp, revoked_at)"
                    " SELECT jti, client_id, exp, $2 FROM grant_access_tokens"
                    " WHERE grant_key = $1 AND exp > $2"
                    " ON CONFLICT (jti) DO NOTHING",
                    grant_key,
                    now,
                )
        return added

    async def is_revoked(self, jti: str) -> bool:
        row = await self._db.fetchrow("SELECT 1 FROM revoked_access_tokens WHERE jti = $1", jti)
        return row is not None

    async def page(self, after: int, *, limit: int = FEED_PAGE_SIZE) -> FeedPage:
        """Up to `limit` entries numbered above `after` whose tokens have not yet expired."""
        rows = await self._db.fetch(
            "SELECT seq, jti, exp FROM revoked_access_tokens WHERE seq > $1 AND exp > $2"
            " ORDER BY seq LIMIT $3",
            after,
            int(time.time()) - EXPIRY_MARGIN,
            limit + 1,
        )
        shown = rows[:limit]
        return FeedPage(
            revoked=tuple(Revoked(row["jti"], int(row["exp"])) for row in shown),
            position=int(shown[-1]["seq"]) if shown else after,
            more=len(rows) > limit,
        )
