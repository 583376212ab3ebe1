"""Redeeming an authorization code (RFC 6749 §4.1.3) in one database statement on PostgreSQL
and one short transaction on SQLite: spend the code only if the token request matches it,
start the refresh-token family it produces, and note the access token issued with it.

A refused redemption changes nothing, so the grant reads the code afterwards to say why (and
to revoke what a code used twice produced)."""

from __future__ import annotations

from dataclasses import dataclass

from auth_server.tokens.refresh import NewFamily
from shared.db import Database, Row

# The code's grant and its user, as `CodeGrant.from_row` and `User.from_row` read them.
_COLUMNS = (
    "c.code_digest, c.family_id, c.client_id, c.user_id, c.redirect_uri, c.redirect_uri_given,"
    " c.code_challenge, c.scope, c.audience, c.auth_time, c.expires_at, c.nonce,"
    " u.username, u.password_hash, u.disabled, u.created_at, u.email, u.email_verified, u.name"
)

# $1 code digest, $2 client, $3 now, $4 the S256 of the code_verifier, $5 the redirect_uri.
_REDEEMABLE = (
    "c.code_digest = $1 AND c.used_at IS NULL AND u.user_id = c.user_id"
    # RFC 6749 §4.1.3: issued to this client, and still valid.
    " AND c.client_id = $2 AND c.expires_at > $3"
    # RFC 7636 §4.6: the verifier hashes to the challenge.
    " AND c.code_challenge = $4"
    # RFC 6749 §4.1.3: redirect_uri identical when the authorization request had one.
    " AND (c.redirect_uri = $5 OR ($5 IS NULL AND NOT c.redirect_uri_given))"
    " AND NOT u.disabled"
)

# One statement: its UPDATE takes the code's row lock, so of parallel redemptions one spends
# it and the others, once it commits, find it used (RFC 6749 §4.1.2: a code is single use).
_REDEEM_POSTGRESQL = f"""
WITH redeemed AS (
    UPDATE authorization_codes c SET used_at = $3, family_id = CAST($6 AS TEXT)
    FROM users u
    WHERE {_REDEEMABLE}
    RETURNING {_COLUMNS}
), family AS (
    INSERT INTO token_families
        (family_id, client_id, user_id, scope, audience, auth_time, jkt, created_at)
    SELECT family_id, client_id, user_id, scope, audience, auth_time, CAST($7 AS TEXT), $3
    FROM redeemed WHERE family_id IS NOT NULL
), first_token AS (
    INSERT INTO refresh_tokens (token_digest, family_id, created_at, expires_at)
    SELECT CAST($8 AS TEXT), family_id, $3, CAST($9 AS BIGINT)
    FROM redeemed WHERE family_id IS NOT NULL
), noted AS (
    INSERT INTO grant_access_tokens (jti, grant_key, client_id, exp)
    SELECT CAST($10 AS TEXT), COALESCE(family_id, code_digest), client_id, CAST($11 AS BIGINT)
    FROM redeemed
)
SELECT * FROM redeemed
"""

# SQLite: the same rules, read under the write lock that BEGIN IMMEDIATE takes, which keeps
# every other writer (in any process) out until the code is spent.
_REDEEMABLE_SQLITE = f"SELECT {_COLUMNS} FROM authorization_codes c, users u WHERE {_REDEEMABLE}"


@dataclass(frozen=True, slots=True)
class Redemption:
    """One token request's claim on a code, and what its success stores, all as digests."""

    code_digest: str
    client_id: str
    now: int
    code_challenge: str | None
    """The S256 of the request's code_verifier; None (never a match) without a valid one."""
    redirect_uri: str | None
    family: NewFamily | None
    """The refresh-token family the code starts, if the client may refresh."""
    jti: str
    """The access token issued with the code, noted under the grant (RFC 7009 §2.1)."""
    access_exp: int


async def redeem(database: Database, redemption: Redemption) -> Row | None:
    """Spend the code and store what it produces if the request matches it: the code's grant
    and its user's row; None, with nothing changed, if anything does not match."""
    family = redemption.family
    matching = (
        redemption.code_digest,
        redemption.client_id,
        redemption.now,
        redemption.code_challenge,
        redemption.redirect_uri,
    )
    if database.dialect == "postgresql":
        return await database.fetchrow(
            _REDEEM_POSTGRESQL,
            *matching,
            None if family is None else family.family_id,
            None if family is None else family.jkt,
            None if family is None else family.token_digest,
            None if family is None else family.expires_at,
            redemption.jti,
            redemption.access_exp,
        )
    async with database.transaction() as tx:
        row = await tx.fetchrow(_REDEEMABLE_SQLITE, *matching)
        if row is None:
            return None
        family_id = None if family is None else family.family_id
        # RETURNING: one trip to aiosqlite's thread, where a bare statement takes two.
        await tx.fetch(
            "UPDATE authorization_codes SET used_at = $2, family_id = $3 WHERE code_digest = $1"
            " RETURNING used_at",
            redemption.code_digest,
            redemption.now,
            family_id,
        )
        if family is not None:
            await tx.execute(
                "INSERT INTO token_families (family_id, client_id, user_id, scope, audience,"
                " auth_time, jkt, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                family.family_id,
                row["client_id"],
                row["user_id"],
                row["scope"],
                row["audience"],
                row["auth_time"],
                family.jkt,
                redemption.now,
            )
            await tx.execute(
                "INSERT INTO refresh_tokens (token_digest, family_id, created_at, expires_at)"
                " VALUES ($1, $2, $3, $4)",
                family.token_digest,
                family.family_id,
                redemption.now,
                family.expires_at,
            )
        await tx.execute(
            "INSERT INTO grant_access_tokens (jti, grant_key, client_id, exp)"
            " VALUES ($1, $2, $3, $4)",
            redemption.jti,
            family_id or redemption.code_digest,
            redemption.client_id,
            redemption.access_exp,
        )
    return {**row, "family_id": family_id}
