"""The deny-list of revoked access tokens (RFC 7009 §2.1): one row per `jti`, kept until the
token has expired, read by introspection and by the revocation feed for resource servers."""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from shared.db import Database, Executor, Row

FEED_PAGE_SIZE = 1000
# Resource servers accept a token up to their clock leeway past `exp` (RFC 7519 §4.1.4), so an
# entry stays listed, and stored, this long past its token's `exp`.
EXPIRY_MARGIN = 60
LOCK = "revoked-access-tokens"


# The claims a whole-subject entry can void tokens by.
CLIENT_ID = "client_id"
SUB = "sub"


@dataclass(frozen=True, slots=True)
class Revoked:
    """One deny-list entry: an access token (its `jti` and `exp`), or every token whose
    `client_id` or `sub` claim is `subject` and whose `iat` is at most `issued_before`
    (listed until `exp`, when the last of them has expired)."""

    jti: str
    exp: int
    subject_kind: str | None = None
    subject: str | None = None
    issued_before: int | None = None

    def feed_entry(self) -> dict[str, str | int]:
        """How the revocation feed lists it."""
        if self.subject_kind is None or self.subject is None or self.issued_before is None:
            return {"jti": self.jti, "exp": self.exp}
        return {
            self.subject_kind: self.subject,
            "issued_before": self.issued_before,
            "exp": self.exp,
        }


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
                # Tokens that resource servers may still accept: up to EXPIRY_MARGIN past `exp`.
                added += await tx.execute(
                    "INSERT INTO revoked_access_tokens (jti, client_id, exp, revoked_at)"
                    " SELECT jti, client_id, exp, $2 FROM grant_access_tokens"
                    " WHERE grant_key = $1 AND exp > $3"
                    " ON CONFLICT (jti) DO NOTHING",
                    grant_key,
                    now,
                    now - EXPIRY_MARGIN,
                )
        return added

    async def void_subject(
        self, tx: Executor, *, kind: str, subject: str, issued_before: int, exp: int
    ) -> None:
        """Deny-list every token of a client or user issued up to `issued_before`, until
        `exp`; `tx` must come from `transaction()`, as `add` explains."""
        await tx.execute(
            "INSERT INTO revoked_access_tokens"
            " (jti, client_id, exp, revoked_at, subject_kind, subject, issued_before)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (jti) DO NOTHING",
            f"{kind}:{subject}@{issued_before}",
            subject if kind == CLIENT_ID else "",
            exp,
            int(time.time()),
            kind,
            subject,
            issued_before,
        )

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """A transaction whose deny-list entries become visible in feed order."""
        return self._db.transaction(lock=LOCK)

    async def is_revoked(self, jti: str, *, client_id: str, sub: str, iat: int) -> bool:
        """The token's own entry, or one voiding its client's or user's tokens."""
        row = await self._db.fetchrow(
            "SELECT 1 FROM revoked_access_tokens WHERE jti = $1 OR (issued_before >= $4 AND"
            " ((subject_kind = 'client_id' AND subject = $2) OR"
            " (subject_kind = 'sub' AND subject = $3)))",
            jti,
            client_id,
            sub,
            iat,
        )
        return row is not None

    async def page(self, after: int, *, limit: int = FEED_PAGE_SIZE) -> FeedPage:
        """Up to `limit` entries numbered above `after` whose tokens have not yet expired."""
        rows = await self._db.fetch(
            "SELECT seq, jti, exp, subject_kind, subject, issued_before FROM revoked_access_tokens"
            " WHERE seq > $1 AND exp > $2 ORDER BY seq LIMIT $3",
            after,
            int(time.time()) - EXPIRY_MARGIN,
            limit + 1,
        )
        shown = rows[:limit]
        return FeedPage(
            revoked=tuple(_entry(row) for row in shown),
            position=int(shown[-1]["seq"]) if shown else after,
            more=len(rows) > limit,
        )


def _entry(row: Row) -> Revoked:
    before = row["issued_before"]
    return Revoked(
        row["jti"],
        int(row["exp"]),
        row["subject_kind"],
        row["subject"],
        None if before is None else int(before),
    )
