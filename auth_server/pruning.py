"""Pruning what has expired, so tables hold only what can still matter."""

from __future__ import annotations

import asyncio
import logging
import time

from auth_server.tokens.revocations import EXPIRY_MARGIN
from shared import throttle
from shared.db import Database, StorageUnavailable

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 600
# A spent code or refresh token is kept a day past its expiry, so a replay is still
# recognised (and its family revoked) rather than answered as merely unknown.
_STATEMENTS = (  # (statement, how long past $1 = now - delay a row is kept)
    ("DELETE FROM authorization_codes WHERE expires_at < $1", 86_400),
    ("DELETE FROM browser_sessions WHERE expires_at < $1", 0),
    ("DELETE FROM refresh_tokens WHERE expires_at < $1", 86_400),
    (
        "DELETE FROM token_families WHERE created_at < $1 AND NOT EXISTS"
        " (SELECT 1 FROM refresh_tokens r WHERE r.family_id = token_families.family_id)",
        86_400,
    ),
    # A device code is kept an hour past its expiry, so late polls still hear expired_token.
    ("DELETE FROM device_codes WHERE expires_at < $1", 3600),
    ("DELETE FROM device_code_attempts WHERE window_start < $1", 86_400),
    (throttle.PRUNE, 0),
    # A deny-listed token needs no entry once resource servers would refuse it anyway.
    ("DELETE FROM revoked_access_tokens WHERE exp < $1", EXPIRY_MARGIN),
    # A token resource servers refuse anyway needs no deny-listing when its grant ends.
    ("DELETE FROM grant_access_tokens WHERE exp < $1", EXPIRY_MARGIN),
    # A proof or assertion past its exp is refused for its age; its jti need not be kept.
    ("DELETE FROM used_jtis WHERE exp < $1", 0),
)


async def prune_expired(database: Database, now: int | None = None) -> int:
    """Delete expired codes (device codes too), sessions, refresh tokens, families, failure
    counts, deny-listings."""
    moment = int(time.time()) if now is None else now
    return sum([await database.execute(sql, moment - delay) for sql, delay in _STATEMENTS])


async def prune_forever(database: Database, interval: float = PRUNE_INTERVAL) -> None:
    """Prune every `interval` seconds; a database outage only postpones it."""
    while True:
        await asyncio.sleep(interval)
        try:
            removed = await prune_expired(database)
        except StorageUnavailable as exc:
            log.warning("pruning postponed, database unavailable: %s", exc)
            continue
        if removed:
            log.info("pruned %d expired rows", removed)
