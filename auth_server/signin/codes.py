"""Authorization codes (RFC 6749 §4.1.2): opaque, stored as digests, single use, 60 s."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from auth_server.scopes import format_scope
from auth_server.signing.server_secrets import ServerSecrets
from shared.db import Database, Executor, Row

CODE_TTL = 60  # RFC 6749 §4.1.2 recommends at most ten minutes; one is plenty.


@dataclass(frozen=True, slots=True)
class CodeGrant:
    """What a code was issued for: everything the token request must match."""

    client_id: str
    user_id: str
    redirect_uri: str
    redirect_uri_given: bool
    code_challenge: str
    scope: tuple[str, ...]
    audience: tuple[str, ...]
    auth_time: int
    expires_at: int
    nonce: str | None = None

    @classmethod
    def from_row(cls, row: Row) -> CodeGrant:
        return cls(
            client_id=row["client_id"],
            user_id=row["user_id"],
            redirect_uri=row["redirect_uri"],
            redirect_uri_given=bool(row["redirect_uri_given"]),
            code_challenge=row["code_challenge"],
            scope=tuple(row["scope"].split()),
            audience=tuple(json.loads(row["audience"])),
            auth_time=int(row["auth_time"]),
            expires_at=int(row["expires_at"]),
            nonce=row["nonce"],
        )


@dataclass(frozen=True, slots=True)
class UsedCode:
    """A redeemed code, as a replay of it is judged."""

    client_id: str
    code_challenge: str
    family_id: str | None


_GRANT_COLUMNS = (
    "client_id, user_id, redirect_uri, redirect_uri_given, code_challenge, scope, audience,"
    " auth_time, expires_at, nonce"
)


class AuthorizationCodes:
    """Codes in the database, only ever as keyed digests."""

    def __init__(self, database: Database, server_secrets: ServerSecrets) -> None:
        self._db = database
        self._secrets = server_secrets

    def digest(self, code: str) -> str:
        return self._secrets.digest(code)

    async def issue(self, grant: CodeGrant) -> str:
        """Store a new code for this grant; return the code itself (256 random bits)."""
        code = secrets.token_urlsafe(32)
        await self._db.execute(
            f"INSERT INTO authorization_codes (code_digest, {_GRANT_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            self.digest(code),
            grant.client_id,
            grant.user_id,
            grant.redirect_uri,
            grant.redirect_uri_given,
            grant.code_challenge,
            format_scope(grant.scope),
            json.dumps(list(grant.audience)),
            grant.auth_time,
            grant.expires_at,
            grant.nonce,
        )
        return code

    async def consume(self, tx: Executor, code: str) -> CodeGrant | None:
        """Mark the code used and return its grant, unless it was used already or is unknown.
        The row lock taken here makes a concurrent second redemption wait, then find it used."""
        row = await tx.fetchrow(
            "UPDATE authorization_codes SET used_at = $2"
            f" WHERE code_digest = $1 AND used_at IS NULL RETURNING {_GRANT_COLUMNS}",
            self.digest(code),
            int(time.time()),
        )
        return None if row is None else CodeGrant.from_row(row)

    async def challenge_in_use(self, client_id: str, code_challenge: str) -> bool:
        """Whether this client has a code for this challenge that has not expired yet."""
        value = await self._db.fetchval(
            "SELECT 1 FROM authorization_codes"
            " WHERE client_id = $1 AND code_challenge = $2 AND expires_at > $3",
            client_id,
            code_challenge,
            int(time.time()),
        )
        return value is not None

    async def bind_family(self, tx: Executor, code: str, family_id: str) -> None:
        """Remember which refresh-token family this code produced (to revoke it on reuse)."""
        await tx.execute(
            "UPDATE authorization_codes SET family_id = $2 WHERE code_digest = $1",
            self.digest(code),
            family_id,
        )

    async def find_used(self, code: str) -> UsedCode | None:
        """A code that was already redeemed: to whom it was issued, and what it produced."""
        row = await self._db.fetchrow(
            "SELECT client_id, code_challenge, family_id FROM authorization_codes"
            " WHERE code_digest = $1 AND used_at IS NOT NULL",
            self.digest(code),
        )
        if row is None:
            return None
        family_id = row["family_id"]
        return UsedCode(
            row["client_id"], row["code_challenge"], None if family_id is None else str(family_id)
        )

    async def prune(self, now: int) -> int:
        """Drop codes that expired; a used code's record is kept until then for reuse checks."""
        return await self._db.execute("DELETE FROM authorization_codes WHERE expires_at < $1", now)
