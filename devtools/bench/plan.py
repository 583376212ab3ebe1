"""How many measurements a run makes, from its options alone: the progress line's `n`."""

from __future__ import annotations

from devtools.bench.runner import Options
from devtools.bench.scenarios import TOKEN_CONNECTIONS, WORKERS
from devtools.bench.targets import (
    ACCOUNT,
    CODE,
    DEFAULT_SERVE,
    DOCUMENTS,
    EDDSA,
    FRESH_TOKENS,
    GUNICORN,
    PROTECTED,
    REFRESH,
    TOKEN,
)


def _per_database(only: frozenset[str], first: bool) -> int:
    count = 0
    for workers in WORKERS:
        count += len(TOKEN_CONNECTIONS) if TOKEN in only else 0
        count += 2 if DOCUMENTS in only and first and workers == 1 else 0
        count += 1 if ACCOUNT in only else 0
        if PROTECTED in only and first:
            count += 2 if workers == 1 else 1  # (b0) beside (b) at one worker
    count += len(TOKEN_CONNECTIONS) if DEFAULT_SERVE in only else 0
    count += len(TOKEN_CONNECTIONS) if GUNICORN in only else 0
    count += (REFRESH in only) + (CODE in only)
    count += len(TOKEN_CONNECTIONS) if EDDSA in only else 0
    return count


def planned(options: Options) -> int:
    """Ceilings at the start (hello and form at each worker count) and the end (hello), each
    database's rows, and (c) with (c0)."""
    count = 3 * len(WORKERS)
    for index, _ in enumerate(options.databases):
        count += _per_database(options.only, first=index == 0)
    if FRESH_TOKENS in options.only:
        count += len(WORKERS) + 1
    return count
