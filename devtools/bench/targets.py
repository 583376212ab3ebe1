"""Each measurement as a ratio to its ceiling, and issue 22's targets checked against it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devtools.bench.ceilings import CryptoCeilings
from devtools.bench.wrk import WrkResult

HELLO, FORM = "hello", "form"
TOKEN, PROTECTED, FRESH_TOKENS, ACCOUNT, DOCUMENTS = "a", "b", "c", "d", "e"
# Issue 22's rows: the write-heavy grants, EdDSA, and `serve` as a user starts it.
REFRESH, CODE, EDDSA, DEFAULT_SERVE = "f", "g", "h", "i"
# A public route behind the same middlewares as (b), their own cost: (b)'s reference.
GUARDED_PUBLIC = "b0"
# Naive pyjwt decoding of a new token per request: (c)'s reference.
NAIVE_DECODE = "c0"
# Issue 20: (b) with a DPoP-bound token and a fresh proof on every request, against (b).
DPOP = "j"
# Issue 22: (i)'s load on gunicorn's aiohttp worker instead of `serve`'s supervisor.
GUNICORN = "k"
HELLO_RATIO = frozenset({PROTECTED, GUARDED_PUBLIC, FRESH_TOKENS, NAIVE_DECODE, ACCOUNT, DOCUMENTS})
SIGN_RATIO = frozenset({TOKEN, REFRESH, CODE, EDDSA, DEFAULT_SERVE, GUNICORN})
CLIENT_CREDENTIALS = frozenset({TOKEN, DEFAULT_SERVE})
POSTGRES = "postgresql"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One scenario at one worker count, connection count and database; what wrk saw."""

    scenario: str
    label: str
    workers: int
    connections: int
    database: str
    result: WrkResult
    problems: tuple[str, ...] = ()
    loop: str = ""
    other_cpu: float = 0.0
    """Cores' worth of CPU that processes not under test used meanwhile."""
    our_cpu: float = 0.0
    """Cores' worth of CPU that the processes under test and wrk used."""


@dataclass(frozen=True, slots=True)
class Check:
    """One target and whether it was met; `score` is what was reached over what was asked
    (1 or more: met), for the chart."""

    text: str
    met: bool
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A measurement, its ratio to its ceiling, and its targets."""

    measurement: Measurement
    ratio: float | None
    ceiling: str
    checks: tuple[Check, ...]

    @property
    def met(self) -> bool | None:
        """True when every target is met, None when the row has none."""
        return all(c.met for c in self.checks) if self.checks else None


def ceiling_of(
    m: Measurement,
    crypto: CryptoCeilings,
    hello: dict[int, float],
    bearer: dict[int, float] | None = None,
) -> tuple[float | None, str]:
    """The token endpoint's rows against the raw one-core RS256 sign rate; (b)-(e) against
    hello-world at their workers; (j) against (b), the same route with a bearer token."""
    if m.scenario == DPOP:
        base = (bearer or {}).get(m.workers)
        return (m.result.rps / base, f"(b) w{m.workers}") if base else (None, "")
    if m.scenario in SIGN_RATIO:
        return m.result.rps / crypto.sign_per_s, "sign/core"
    if m.scenario in HELLO_RATIO and hello.get(m.workers):
        return m.result.rps / hello[m.workers], f"hello w{m.workers}"
    return None, ""


def _at_least(value: float | None, floor: float, text: str = "") -> Check:
    reached = value or 0.0
    return Check(text or f"≥{floor:.2f}", reached >= floor, reached / floor)


def _p99_at_most(m: Measurement, limit_ms: float) -> Check:
    p99 = m.result.p99_ms
    return Check(f"p99≤{limit_ms:g}ms", p99 <= limit_ms, limit_ms / p99 if p99 else None)


def _times(
    m: Measurement, measurements: Sequence[Measurement], reference: str, floor: float, **same: Any
) -> Check | None:
    """This row at least `floor` times the `reference` row measured alike (same database,
    and what `same` names: workers, connections)."""
    for other in measurements:
        if other.scenario != reference or other.database != m.database:
            continue
        if all(getattr(other, name) == value for name, value in same.items()):
            factor = m.result.rps / other.result.rps if other.result.rps else 0.0
            return _at_least(factor, floor, f"≥{floor:g}x ({reference}) ({factor:.2f}x)")
    return None


def _client_credentials(m: Measurement, measurements: Sequence[Measurement]) -> Check | None:
    """(f) and (g): at least half of client credentials at the same workers, 64 connections."""
    for reference in (TOKEN, DEFAULT_SERVE):
        found = _times(m, measurements, reference, 0.5, workers=m.workers, connections=64)
        if found is not None:
            return found
    return None


def issue_targets(
    m: Measurement, ratio: float | None, measurements: Sequence[Measurement], cores: int = 1
) -> list[Check]:
    """Issue 22's targets for this row."""
    if m.scenario == DEFAULT_SERVE:
        floor = [_at_least(ratio, 0.55 * cores)]
        return floor + ([_p99_at_most(m, 10)] if m.connections == 4 else [])
    if m.scenario == TOKEN:
        return [_at_least(ratio, 0.6)] if m.workers == 1 else []
    if m.scenario == EDDSA:
        found = _times(m, measurements, DEFAULT_SERVE, 3.0, connections=m.connections)
        return [found] if found else []
    if m.scenario in (REFRESH, CODE) and m.database == POSTGRES and m.connections == 64:
        found = _client_credentials(m, measurements)
        p99 = [_p99_at_most(m, 50)] if m.scenario == REFRESH else []
        return ([found] if found else []) + p99
    if m.workers != 1:
        return []
    if m.scenario == PROTECTED:
        found = _times(m, measurements, GUARDED_PUBLIC, 0.95, workers=1)
        return [found] if found else []
    if m.scenario == FRESH_TOKENS:
        naive = _times(m, measurements, NAIVE_DECODE, 2.0, workers=1)
        return [*([naive] if naive else []), _at_least(ratio, 0.40)]
    if m.scenario == DPOP:
        return [_at_least(ratio, 0.60)]
    return []


def validity(m: Measurement) -> list[Check]:
    """A number measured with failed requests or repeated tokens is not the number asked for."""
    checks = [Check(problem, False) for problem in m.problems]
    if m.result.errors:
        checks.append(Check(f"{m.result.errors} errors", False))
    return checks


def hello_ceilings(measurements: Sequence[Measurement]) -> dict[int, float]:
    """Hello-world's rate by worker count; measured at the start and at the end of a run,
    the higher counts, so that a slow moment of the machine never flatters a ratio."""
    hello: dict[int, float] = {}
    for m in measurements:
        if m.scenario == HELLO:
            hello[m.workers] = max(hello.get(m.workers, 0.0), m.result.rps)
    return hello


def evaluate(
    measurements: Sequence[Measurement], crypto: CryptoCeilings, cores: int = 1
) -> list[Row]:
    """Every measurement with its ratio and its checked targets, in the order measured;
    `cores`: how many the machine lets us use, for (i)'s target."""
    hello = hello_ceilings(measurements)
    bearer = {m.workers: m.result.rps for m in measurements if m.scenario == PROTECTED}
    rows = []
    for m in measurements:
        ratio, ceiling = ceiling_of(m, crypto, hello, bearer)
        checks = issue_targets(m, ratio, measurements, cores) + validity(m)
        rows.append(Row(m, ratio, ceiling, tuple(checks)))
    return rows
