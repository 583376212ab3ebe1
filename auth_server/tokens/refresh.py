"""Refresh tokens in families (RFC 9700 §4.14): opaque, stored as digests, rotated on every
use; a spent token presented again revokes its whole family."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from auth_server.scopes import format_scope
from auth_server.signing.server_secrets import ServerSecrets
from auth_server.tokens.rotation import Rotation, rotate
from shared.db import Database, Executor, Row


@dataclass(frozen=True, slots=True)
class Family:
    """One line of refresh tokens descending from one authorization."""

    family_id: str
    client_id: str
    user_id: str
    scope: tuple[str, ...]
    audience: tuple[str, ...]
    auth_time: int
    revoked: bool
    started_at: int
    jkt: str | None = None
    """RFC 9449 §5: the DPoP key a public client's refresh tokens are bound to."""

    @classmethod
    def from_row(cls, row: Row) -> Family:
        return cls(
            family_id=row["family_id"],
            client_id=row["client_id"],
            user_id=row["user_id"],
            scope=tuple(row["scope"].split()),
            audience=tuple(json.loads(row["audience"])),
            auth_time=int(row["auth_time"]),
            revoked=row["revoked_at"] is not None,
            started_at=int(row["started_at"]),
            jkt=row["jkt"],
        )


@dataclass(frozen=True, slots=True)
class NewFamily:
    """A family about to be stored: its id, the DPoP key it is bound to, its first token."""

    family_id: str
    jkt: str | None
    refresh_token: str
    token_digest: str
    expires_at: int


@dataclass(frozen=True, slots=True)
class Rotated:
    """A refresh token just spent: its family, its successor, and the family's user as a row
    of the users table."""

    family: Family
    refresh_token: str
    owner: Row


@dataclass(frozen=True, slots=True)
class RefreshTokenState:
    """A stored refresh token as revocation and introspection see it."""

    family: Family
    created_at: int
    expires_at: int
    used: bool
    user_disabled: bool

    @property
    def client_id(self) -> str:
        return self.family.client_id

    def is_active(self, now: int) -> bool:
        """Unspent, unexpired, its family unrevoked, its user enabled: the refresh grant's rules."""
        if self.used or self.family.revoked or self.user_disabled:
            return False
        return self.expires_at > now


class RefreshTokens:
    """Families and their tokens; a token is stored only as a keyed digest."""

    def __init__(
        self, database: Database, server_secrets: ServerSecrets, ttl: int, max_age: int
    ) -> None:
        self._db = database
        self._secrets = server_secrets
        self._ttl = ttl
        self._max_age = max_age

    def _family_end(self, started_at: int) -> int:
        """RFC 9700 §4.14.2: a family lives at most `max_age`; rotation never extends it."""
        return started_at + self._max_age

    def new_family(self, *, jkt: str | None, now: int) -> NewFamily:
        """The id and first token (256 random bits) of a family starting now, not yet stored."""
        token = secrets.token_urlsafe(32)
        return NewFamily(
            family_id=secrets.token_urlsafe(16),
            jkt=jkt,
            refresh_token=token,
            token_digest=self._secrets.digest(token),
            expires_at=min(now + self._ttl, self._family_end(now)),
        )

    async def start_family(
        self,
        tx: Executor,
        *,
        client_id: str,
        user_id: str,
        scope: tuple[str, ...],
        audience: tuple[str, ...],
        auth_time: int,
    ) -> tuple[str, str]:
        """A new family with its first token; return (family_id, refresh_token)."""
        now = int(time.time())
        family = self.new_family(jkt=None, now=now)
        await tx.execute(
            "INSERT INTO token_families (family_id, client_id, user_id, scope, audience,"
            " auth_time, revoked_at, jkt, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8)",
            family.family_id,
            client_id,
            user_id,
            format_scope(scope),
            json.dumps(list(audience)),
            auth_time,
            family.jkt,
            now,
        )
        await tx.execute(
            "INSERT INTO refresh_tokens (token_digest, family_id, created_at, expires_at)"
            " VALUES ($1, $2, $3, $4)",
            family.token_digest,
            family.family_id,
            now,
            family.expires_at,
        )
        return family.family_id, family.refresh_token

    async def rotate(
        self, token: str, *, client_id: str, jkt: str | None, jti: str, access_exp: int
    ) -> Rotated | None:
        """Spend the token and issue its successor (RFC 9700 §4.14.2), noting the access token
        `jti` under the family; None, with nothing changed, unless every rule of the refresh
        grant holds. Of parallel presentations of one token, exactly one gets it."""
        successor = secrets.token_urlsafe(32)
        now = int(time.time())
        row = await rotate(
            self._db,
            Rotation(
                token_digest=self._secrets.digest(token),
                client_id=client_id,
                jkt=jkt,
                now=now,
                max_age=self._max_age,
                successor_digest=self._secrets.digest(successor),
                successor_expires_at=now + self._ttl,
                jti=jti,
                access_exp=access_exp,
            ),
        )
        return None if row is None else Rotated(Family.from_row(row), successor, row)

    async def revoke_family(self, family_id: str) -> bool:
        """Revoke every token of the family, now and for good."""
        changed = await self._db.execute(
            "UPDATE token_families SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
            family_id,
            int(time.time()),
        )
        return changed == 1

    async def revoke_user_families(self, tx: Executor, user_id: str) -> int:
        """Revoke every family of the user, in this transaction; how many were live."""
        return await tx.execute(
            "UPDATE token_families SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
            user_id,
            int(time.time()),
        )

    async def find(self, token: str) -> RefreshTokenState | None:
        """The token and its family, whatever their state; None if unknown."""
        row = await self._db.fetchrow(
            "SELECT f.family_id, f.client_id, f.user_id, f.scope, f.audience, f.auth_time,"
            " f.revoked_at, f.jkt, f.created_at AS started_at, r.created_at, r.expires_at,"
            " r.used_at, u.disabled"
            " FROM refresh_tokens r JOIN token_families f ON f.family_id = r.family_id"
            " JOIN users u ON u.user_id = f.user_id WHERE r.token_digest = $1",
            self._secrets.digest(token),
        )
        if row is None:
            return None
        family = Family.from_row(row)
        return RefreshTokenState(
            family=family,
            created_at=int(row["created_at"]),
            expires_at=min(int(row["expires_at"]), self._family_end(family.started_at)),
            used=row["used_at"] is not None,
            user_disabled=bool(row["disabled"]),
        )
