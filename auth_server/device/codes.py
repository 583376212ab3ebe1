"""Device codes and user codes (RFC 8628 §3.2, §6.1): random, stored only as keyed digests."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from auth_server.scopes import format_scope
from auth_server.signing.server_secrets import ServerSecrets
from shared.db import Database, Executor, Row

# RFC 8628 §6.1: 20 consonants, no vowels (no words) and none easily confused; 8 of them
# give 20^8 ≈ 2^34.6 codes, which the throttle and the code's short life make unguessable.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: seconds added to the interval by every slow_down
# A poll this much early still counts as on time: requests do not arrive evenly spaced.
POLL_TOLERANCE_MS = 250
_DRAWS = 5
PENDING, APPROVED, DENIED, REDEEMED = "pending", "approved", "denied", "redeemed"


def new_user_code() -> str:
    """Eight letters from the alphabet, uniformly at random."""
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def format_user_code(code: str) -> str:
    """`XXXX-XXXX`, as people read and type it."""
    return f"{code[:4]}-{code[4:]}"


def normalize_user_code(entered: str) -> str | None:
    """The eight letters a person meant: any case, dashes and spaces ignored (RFC 8628 §6.1);
    None when that is not a possible code."""
    letters = "".join(ch for ch in entered[:64].upper() if ch not in "- ")
    if len(letters) != USER_CODE_LENGTH or any(ch not in USER_CODE_ALPHABET for ch in letters):
        return None
    return letters


@dataclass(frozen=True, slots=True)
class DeviceGrant:
    """What a device asked for: checked against its client before a code is made."""

    client_id: str
    scope: tuple[str, ...]
    audience: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IssuedCodes:
    """The two codes, shown once: the device keeps one, the person types the other."""

    device_code: str
    user_code: str
    expires_in: int
    interval: int


@dataclass(frozen=True, slots=True)
class PendingRequest:
    """A device code awaiting the person's decision, found by its user code."""

    user_code: str
    client_id: str
    scope: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PollState:
    """A device code as one poll left it."""

    status: str
    scope: tuple[str, ...]
    audience: tuple[str, ...]
    user_id: str | None
    auth_time: int | None
    polled_too_fast: bool
    expires_at: int

    @classmethod
    def from_row(cls, row: Row) -> PollState:
        return cls(
            status=row["status"],
            scope=tuple(row["scope"].split()),
            audience=tuple(json.loads(row["audience"])),
            user_id=row["user_id"],
            auth_time=None if row["auth_time"] is None else int(row["auth_time"]),
            polled_too_fast=bool(row["polled_too_fast"]),
            expires_at=int(row["expires_at"]),
        )


# Early: the last poll was less than the interval (less the tolerance) before this one, $4.
_EARLY = "last_polled_ms IS NOT NULL AND last_polled_ms + poll_interval * 1000 > $4"
_POLL = (
    f"UPDATE device_codes SET polled_too_fast = ({_EARLY}),"
    f" poll_interval = poll_interval + CASE WHEN {_EARLY} THEN {SLOW_DOWN_STEP} ELSE 0 END,"
    " last_polled_ms = $3"
    " WHERE device_code_digest = $1 AND client_id = $2"
    " RETURNING status, scope, audience, user_id, auth_time, polled_too_fast, expires_at"
)


class DeviceCodes:
    """Device codes in the database; each code only ever as a keyed digest."""

    def __init__(
        self, database: Database, server_secrets: ServerSecrets, *, ttl: int, interval: int
    ) -> None:
        self._db = database
        self._secrets = server_secrets
        self.ttl = ttl
        self.interval = interval

    def digest(self, code: str) -> str:
        return self._secrets.digest(code)

    async def issue(self, grant: DeviceGrant) -> IssuedCodes:
        """Store a new pair for this grant; a user code already taken is drawn again."""
        now = int(time.time())
        for _ in range(_DRAWS):
            device_code, user_code = secrets.token_urlsafe(32), new_user_code()
            stored = await self._db.execute(
                "INSERT INTO device_codes (device_code_digest, user_code_digest, client_id,"
                " scope, audience, status, poll_interval, created_at, expires_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
                self.digest(device_code),
                self.digest(user_code),
                grant.client_id,
                format_scope(grant.scope),
                json.dumps(list(grant.audience)),
                PENDING,
                self.interval,
                now,
                now + self.ttl,
            )
            if stored:
                return IssuedCodes(device_code, user_code, self.ttl, self.interval)
        raise RuntimeError(f"no free user code in {_DRAWS} draws")  # 20^8 codes: never

    async def find_pending(self, user_code: str) -> PendingRequest | None:
        """The undecided, unexpired request behind a normalized user code, if any."""
        row = await self._db.fetchrow(
            "SELECT client_id, scope FROM device_codes"
            " WHERE user_code_digest = $1 AND status = $2 AND expires_at > $3",
            self.digest(user_code),
            PENDING,
            int(time.time()),
        )
        if row is None:
            return None
        return PendingRequest(user_code, row["client_id"], tuple(row["scope"].split()))

    async def decide(self, user_code: str, *, user_id: str, auth_time: int, approve: bool) -> bool:
        """Record the person's decision, once; False when the code is no longer pending."""
        changed = await self._db.execute(
            "UPDATE device_codes SET status = $2, user_id = $3, auth_time = $4"
            " WHERE user_code_digest = $1 AND status = $5 AND expires_at > $6",
            self.digest(user_code),
            APPROVED if approve else DENIED,
            user_id,
            auth_time,
            PENDING,
            int(time.time()),
        )
        return changed == 1

    async def poll(self, tx: Executor, device_code: str, client_id: str) -> PollState | None:
        """Note a poll by this client (slowing it down when early) and return the state.
        The row lock taken here makes concurrent polls of one code wait for each other."""
        now_ms = int(time.time() * 1000)
        row = await tx.fetchrow(
            _POLL, self.digest(device_code), client_id, now_ms, now_ms + POLL_TOLERANCE_MS
        )
        return None if row is None else PollState.from_row(row)

    async def redeem(self, tx: Executor, device_code: str) -> bool:
        """RFC 8628 §3.5 with RFC 6749 §4.1.2: an approved code gives one token, once."""
        changed = await tx.execute(
            "UPDATE device_codes SET status = $2 WHERE device_code_digest = $1 AND status = $3",
            self.digest(device_code),
            REDEEMED,
            APPROVED,
        )
        return changed == 1
