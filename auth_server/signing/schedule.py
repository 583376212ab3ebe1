"""When each signing key signs and is published: pure functions of the stored keys and the
time, so every replica reading the same rows at the same second comes to the same answer.

A key is `next` (published, not yet signing) until its `signing_from`; then `current`
(signing) until a newer key's `signing_from` passes; then `retired` (published, not
signing) until its `remove_at`; then `removed` (out of the JWKS, its row deleted)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from auth_server.settings import Settings
from shared.db import Row

NEXT, CURRENT, RETIRED, REMOVED = "next", "current", "retired", "removed"
# A replica reloads its keys this often (seconds), so a new row is published everywhere
# within about this time.
RELOAD_INTERVAL = 1
# Added to the publish delay: one reload interval, and one second because times are kept in
# whole seconds, so that every replica publishes a new key for the whole delay before any
# replica signs with it.
PUBLISH_MARGIN = RELOAD_INTERVAL + 1
# A retired key stays published this long after its last token expires: resource servers
# accept `exp` with some clock leeway (theirs defaults to 30 s).
RETIREMENT_MARGIN = 60


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A signing key as stored: public part in clear, private part sealed; times in epoch
    seconds. `retire_at` is when it stops signing, `remove_at` when it leaves the JWKS."""

    kid: str
    alg: str
    state: str
    public_jwk: dict[str, Any]
    private_key: str
    created_at: int
    signing_from: int
    retire_at: int | None
    remove_at: int | None

    @classmethod
    def from_row(cls, row: Row) -> StoredKey:
        def optional(name: str) -> int | None:
            return None if row[name] is None else int(row[name])

        return cls(
            kid=row["kid"],
            alg=row["alg"],
            state=row["state"],
            public_jwk=json.loads(row["public_jwk"]),
            private_key=row["private_key"],
            created_at=int(row["created_at"]),
            signing_from=int(row["signing_from"]),
            retire_at=optional("retire_at"),
            remove_at=optional("remove_at"),
        )

    def describe(self, state: str) -> dict[str, Any]:
        """What `keys list` shows, with the state at the moment asked: never the private part."""
        return {
            "kid": self.kid,
            "state": state,
            "alg": self.alg,
            "created_at": self.created_at,
            "signing_from": self.signing_from,
            "retire_at": self.retire_at,
            "remove_at": self.remove_at,
        }


@dataclass(frozen=True, slots=True)
class RotationPolicy:
    """How keys succeed one another, from the settings."""

    alg: str
    lead: int
    """Seconds from a new key's creation to its `signing_from`."""
    interval: int
    """Seconds a key signs before its successor takes over."""
    retention: int
    """Seconds a retired key stays published: the token lifetime plus a margin."""

    @classmethod
    def from_settings(cls, settings: Settings) -> RotationPolicy:
        return cls(
            alg=settings.signing_alg,
            lead=settings.publish_delay + PUBLISH_MARGIN,
            interval=settings.key_rotation_interval,
            # The key may sign ID tokens too (when it is RS256): it outlives the longer kind.
            retention=max(settings.access_token_ttl, settings.id_token_ttl) + RETIREMENT_MARGIN,
        )

    @classmethod
    def for_id_tokens(cls, settings: Settings) -> RotationPolicy:
        """The RS256 keys kept for ID tokens beside access-token keys of another algorithm."""
        return cls(
            alg="RS256",
            lead=settings.publish_delay + PUBLISH_MARGIN,
            interval=settings.key_rotation_interval,
            retention=settings.id_token_ttl + RETIREMENT_MARGIN,
        )


def is_published(key: StoredKey, now: int) -> bool:
    """In the JWKS: not yet past its `remove_at`."""
    return key.remove_at is None or now < key.remove_at


def signer_at(keys: Sequence[StoredKey], now: int) -> StoredKey | None:
    """The key that signs at `now`: of the published keys already signing, the newest."""
    started = [key for key in keys if key.signing_from <= now and is_published(key, now)]
    return max(started, key=lambda key: (key.signing_from, key.created_at, key.kid), default=None)


def pending(keys: Sequence[StoredKey], now: int) -> StoredKey | None:
    """The key waiting to sign (published, its `signing_from` still ahead), if any."""
    waiting = [key for key in keys if key.signing_from > now and is_published(key, now)]
    return min(waiting, key=lambda key: key.signing_from, default=None)


def state_at(key: StoredKey, keys: Sequence[StoredKey], now: int) -> str:
    """The key's state at `now`, among these keys."""
    if not is_published(key, now):
        return REMOVED
    if key.signing_from > now:
        return NEXT
    signer = signer_at(keys, now)
    return CURRENT if signer is not None and signer.kid == key.kid else RETIRED


def successor(key: StoredKey, keys: Sequence[StoredKey]) -> StoredKey | None:
    """The first key to start signing after this one."""
    later = [other for other in keys if other.signing_from > key.signing_from]
    return min(later, key=lambda other: other.signing_from, default=None)


def rotation_due(keys: Sequence[StoredKey], now: int, policy: RotationPolicy) -> bool:
    """No successor is waiting, and the signing key has signed long enough that a successor
    made now would take over when the interval ends (or nothing signs at all)."""
    if pending(keys, now) is not None:
        return False
    signer = signer_at(keys, now)
    return signer is None or now >= signer.signing_from + policy.interval - policy.lead


@dataclass(frozen=True, slots=True)
class Change:
    """A stored key whose row should be brought up to date: its state and retirement times."""

    kid: str
    state: str
    retire_at: int | None
    remove_at: int | None


def changes(keys: Sequence[StoredKey], now: int, policy: RotationPolicy) -> list[Change]:
    """The rows that no longer say what the times say. A key superseded without retirement
    times recorded (by an older release, say) gets them from its successor."""
    found = []
    for key in keys:
        state = state_at(key, keys, now)
        retire_at, remove_at = key.retire_at, key.remove_at
        after = successor(key, keys)
        if retire_at is None and after is not None:
            retire_at = after.signing_from
        if remove_at is None and retire_at is not None:
            remove_at = retire_at + policy.retention
        if (state, retire_at, remove_at) != (key.state, key.retire_at, key.remove_at):
            found.append(Change(key.kid, state, retire_at, remove_at))
    return found


def upkeep_needed(keys: Sequence[StoredKey], now: int, policy: RotationPolicy) -> bool:
    """Something is due: a row to update or delete, or a rotation to start."""
    return bool(changes(keys, now, policy)) or rotation_due(keys, now, policy)
