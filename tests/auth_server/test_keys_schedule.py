"""The key schedule as pure functions of the stored keys and the time: no database, no clock."""

from __future__ import annotations

import dataclasses
from typing import Any

from auth_server.signing.schedule import (
    CURRENT,
    NEXT,
    REMOVED,
    RETIRED,
    Change,
    RotationPolicy,
    StoredKey,
    changes,
    pending,
    rotation_due,
    signer_at,
    state_at,
    upkeep_needed,
)

POLICY = RotationPolicy(alg="RS256", lead=10, interval=100, retention=20)


def key(kid: str, signing_from: int, **changed: Any) -> StoredKey:
    stored = StoredKey(
        kid=kid,
        alg="RS256",
        state=CURRENT,
        public_jwk={},
        private_key="",
        created_at=signing_from,
        signing_from=signing_from,
        retire_at=None,
        remove_at=None,
    )
    return dataclasses.replace(stored, **changed)


# A signs from 0; a rotation at 90 made B, which signs from 100; A is published until 120.
A = key("A", 0, retire_at=100, remove_at=120)
B = key("B", 100, state=NEXT, created_at=90)
KEYS = [A, B]


def states(now: int) -> tuple[str, str]:
    return state_at(A, KEYS, now), state_at(B, KEYS, now)


def test_next_then_current_then_retired_then_removed() -> None:
    assert states(95) == (CURRENT, NEXT)
    assert states(100) == (RETIRED, CURRENT)
    assert states(119) == (RETIRED, CURRENT)
    assert states(120) == (REMOVED, CURRENT)


def test_the_signer_changes_at_signing_from_and_nothing_else() -> None:
    assert signer_at(KEYS, 99) == A
    assert signer_at(KEYS, 100) == B
    assert signer_at([B], 99) is None
    assert pending(KEYS, 99) == B
    assert pending(KEYS, 100) is None


def test_a_rotation_is_due_so_that_the_successor_signs_when_the_interval_ends() -> None:
    only_a = [key("A", 0)]
    assert not rotation_due(only_a, 89, POLICY)
    assert rotation_due(only_a, 90, POLICY)  # 90 + lead 10 = 100 = 0 + interval
    assert not rotation_due(KEYS, 95, POLICY)  # a successor is already waiting
    assert not rotation_due(KEYS, 150, POLICY)  # B signs from 100: due at 190
    assert rotation_due(KEYS, 190, POLICY)
    assert rotation_due([], 0, POLICY)  # nothing signs at all


def test_changes_bring_rows_up_to_date_with_the_times() -> None:
    assert changes(KEYS, 95, POLICY) == []
    assert changes(KEYS, 105, POLICY) == [
        Change("A", RETIRED, 100, 120),
        Change("B", CURRENT, None, None),
    ]
    assert changes([dataclasses.replace(A, state=RETIRED), B], 125, POLICY) == [
        Change("A", REMOVED, 100, 120),
        Change("B", CURRENT, None, None),
    ]


def test_a_key_superseded_without_retirement_times_gets_them_from_its_successor() -> None:
    legacy = key("A", 0)
    assert changes([legacy, dataclasses.replace(B, state=CURRENT)], 105, POLICY) == [
        Change("A", RETIRED, 100, 100 + POLICY.retention)
    ]


def test_upkeep_is_needed_only_when_something_is_due() -> None:
    settled = [dataclasses.replace(A, state=RETIRED), dataclasses.replace(B, state=CURRENT)]
    assert not upkeep_needed(settled, 110, POLICY)
    assert upkeep_needed(settled, 120, POLICY)  # A leaves the JWKS
    assert upkeep_needed(KEYS, 100, POLICY)  # B's row still says next


def test_described_keys_carry_the_state_asked_and_no_private_part() -> None:
    shown = A.describe(RETIRED)
    assert shown == {
        "kid": "A",
        "state": RETIRED,
        "alg": "RS256",
        "created_at": 0,
        "signing_from": 0,
        "retire_at": 100,
        "remove_at": 120,
    }
