"""Authorization codes (RFC 6749 §4.1.2): opaque, stored as digests, single use, 60 s."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from auth_server.scopes import format_scope
from auth_server.signin.pkce import challenge_of
from auth_server.signin.redemption import Redemption, redeem
from auth_server.signin.users import User
from auth_server.signing.server_secrets import ServerSecrets
from auth_server.tokens.refresh import NewFamily
from shared.db import Database, Row

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
class StoredCode:
    """A code as its redemption is judged: its grant, whether it was used, the family its
    use started, and whether its user is now disabled."""

    grant: CodeGrant
    used: bool
    family_id: str | None
    user_disabled: bool


@dataclass(frozen=True, slots=True)
class Redeemed:
    """A code just spent: its grant and the user who authorized it."""

    grant: CodeGrant
    user: User


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

    async def redeem(
        self,
        code: str,
        *,
        client_id: str,
        redirect_uri: str | None,
        code_verifier: str | None,
        family: NewFamily | None,
        jti: str,
        access_exp: int,
    ) -> Redeemed | None:
        """Spend the code, start `family` and note the access token `jti` under the grant, if
        the request matches the code; None, with nothing changed, if not. Of parallel
        redemptions of one code, exactly one gets it."""
        row = await redeem(
            self._db,
            Redemption(
                code_digest=self.digest(code),
                client_id=client_id,
                now=int(time.time()),
                code_challenge=challenge_of(code_verifier),
                redirect_uri=redirect_uri,
                family=family,
                jti=jti,
                access_exp=access_exp,
            ),
        )
        return None if row is None else Redeemed(CodeGrant.from_row(row), User.from_row(row))

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

    async def find(self, code: str) -> StoredCode | None:
        """The code whatever its state, and whether its user is disabled; None if unknown."""
        row = await self._db.fetchrow(
            f"SELECT {_GRANT_COLUMNS}, used_at, family_id,"
            " (SELECT disabled FROM users WHERE users.user_id = authorization_codes.user_id)"
            " AS user_disabled FROM authorization_codes WHERE code_digest = $1",
            self.digest(code),
        )
        if row is None:
            return None
        family_id = row["family_id"]
        return StoredCode(
            grant=CodeGrant.from_row(row),
            used=row["used_at"] is not None,
            family_id=None if family_id is None else str(family_id),
            user_disabled=bool(row["user_disabled"]),
        )

    async def prune(self, now: int) -> int:
        """Drop codes that expired; a used code's record is kept until then for reuse checks."""
        return await self._db.execute("DELETE FROM authorization_codes WHERE expires_at < $1", now)
