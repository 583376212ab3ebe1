"""Rotating a refresh token (RFC 9700 §4.14.2) in one database statement on PostgreSQL and one
short transaction on SQLite: spend the presented token only if every rule of the refresh grant
holds, store its successor, and note the access token issued with it.

A refused presentation changes nothing, so the grant's caller reads the token's state
afterwards to say why (and to revoke the family of a spent one)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.db import Database, Row

# The user of the family, as `auth_server.signin.users.User.from_row` reads it (with the
# family's `user_id`); the ID token of a refresh names them.
OWNER_COLUMNS = (
    "u.username, u.password_hash, u.disabled, u.created_at, u.email, u.email_verified, u.name"
)
FAMILY_COLUMNS = (
    "f.family_id, f.client_id, f.user_id, f.scope, f.audience, f.auth_time, f.revoked_at, f.jkt,"
    " f.created_at AS started_at"
)

# $1 token digest, $2 client, $3 now, $4 the family's absolute lifetime, $5 the proof's key.
_LIVE = (
    "r.token_digest = $1 AND r.used_at IS NULL"
    " AND f.family_id = r.family_id AND u.user_id = f.user_id"
    # RFC 6749 §6: the refresh token was issued to the authenticated client.
    " AND f.client_id = $2 AND f.revoked_at IS NULL AND NOT u.disabled"
    # RFC 9700 §4.14.2: rotation never extends the family past its absolute lifetime.
    " AND r.expires_at > $3 AND f.created_at + $4 > $3"
    # RFC 9449 §5: a bound token needs a proof by its key.
    " AND (f.jkt IS NULL OR f.jkt = $5)"
)

# One statement: its UPDATE takes the token's row lock, so of parallel presentations one
# spends it and the others, once it commits, find it spent (PostgreSQL re-checks the WHERE
# clause on the row's new version) and change nothing.
_ROTATE_POSTGRESQL = f"""
WITH spent AS (
    UPDATE refresh_tokens r SET used_at = $3
    FROM token_families f, users u
    WHERE {_LIVE}
    RETURNING {FAMILY_COLUMNS}, {OWNER_COLUMNS}
), successor AS (
    INSERT INTO refresh_tokens (token_digest, family_id, created_at, expires_at)
    SELECT CAST($6 AS TEXT), family_id, $3, LEAST(CAST($7 AS BIGINT), started_at + $4)
    FROM spent
), noted AS (
    INSERT INTO grant_access_tokens (jti, grant_key, client_id, exp)
    SELECT CAST($8 AS TEXT), family_id, client_id, CAST($9 AS BIGINT) FROM spent
)
SELECT * FROM spent
"""

# SQLite: the same rules, read under the write lock that BEGIN IMMEDIATE takes, which keeps
# every other writer (in any process) out until the token is spent.
_LIVE_SQLITE = (
    f"SELECT {FAMILY_COLUMNS}, {OWNER_COLUMNS}"
    f" FROM refresh_tokens r, token_families f, users u WHERE {_LIVE}"
)


@dataclass(frozen=True, slots=True)
class Rotation:
    """One presentation of a refresh token and what its success stores, all as digests."""

    token_digest: str
    client_id: str
    jkt: str | None
    now: int
    max_age: int
    successor_digest: str
    successor_expires_at: int
    """Before the family's end is applied: the statement caps it there."""
    jti: str
    """The access token issued with the rotation, noted under the family (RFC 7009 §2.1)."""
    access_exp: int


async def rotate(database: Database, rotation: Rotation) -> Row | None:
    """Spend the token and store its successor if every rule holds: the family's row and its
    owner's; None, with nothing changed, if any rule fails."""
    live = (rotation.token_digest, rotation.client_id, rotation.now, rotation.max_age, rotation.jkt)
    stored = (rotation.successor_digest, rotation.successor_expires_at)
    noted = (rotation.jti, rotation.access_exp)
    if database.dialect == "postgresql":
        return await database.fetchrow(_ROTATE_POSTGRESQL, *live, *stored, *noted)
    async with database.transaction() as tx:
        row = await tx.fetchrow(_LIVE_SQLITE, *live)
        if row is None:
            return None
        # RETURNING: one trip to aiosqlite's thread, where a bare statement takes two.
        await tx.fetch(
            "UPDATE refresh_tokens SET used_at = $2 WHERE token_digest = $1 RETURNING used_at",
            rotation.token_digest,
            rotation.now,
        )
        await tx.execute(
            "INSERT INTO refresh_tokens (token_digest, family_id, created_at, expires_at)"
            " VALUES ($1, $2, $3, $4)",
            rotation.successor_digest,
            row["family_id"],
            rotation.now,
            min(rotation.successor_expires_at, int(row["started_at"]) + rotation.max_age),
        )
        await tx.execute(
            "INSERT INTO grant_access_tokens (jti, grant_key, client_id, exp)"
            " VALUES ($1, $2, $3, $4)",
            rotation.jti,
            row["family_id"],
            rotation.client_id,
            rotation.access_exp,
        )
    return row
