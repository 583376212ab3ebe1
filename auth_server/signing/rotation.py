"""Key upkeep in every process: reload the key ring from the database every second (one
small query), and, when the schedule says so, make the change under the `key-rotation`
lock, so that of all replicas exactly one starts a scheduled rotation or removes a key."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

from auth_server.signing.keyring import KeyRing
from auth_server.signing.schedule import RELOAD_INTERVAL, RotationPolicy, StoredKey, upkeep_needed
from auth_server.signing.store import KeyRepository
from shared.db import StorageUnavailable

log = logging.getLogger(__name__)


class KeyMaintenance:
    """Keeps one process's key ring in step with the stored keys and their schedule."""

    def __init__(self, repository: KeyRepository, ring: KeyRing, policy: RotationPolicy) -> None:
        self._repository = repository
        self._ring = ring
        self._policy = policy
        self._reachable = True

    async def tick(self, now: int | None = None) -> None:
        """Once: make what is due (under the lock, only if something is), then hold the keys."""
        moment = int(time.time()) if now is None else now
        keys: Sequence[StoredKey] = await self._repository.list()
        if upkeep_needed(keys, moment, self._policy):
            keys = await self._repository.maintain(self._policy, moment)
        for problem in self._ring.refresh(keys, self._repository.open, moment):
            log.error("%s; this process cannot sign with it", problem)

    async def run(self, interval: float = RELOAD_INTERVAL) -> None:
        """Tick every `interval` seconds; while the database is away, keep the keys held."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.tick()
            except StorageUnavailable as exc:
                self._note(reachable=False, problem=str(exc))
                continue
            except Exception:
                log.exception("unexpected error while reloading the signing keys")
                continue
            self._note(reachable=True)

    def _note(self, *, reachable: bool, problem: str = "") -> None:
        """Say once that the keys cannot be reloaded, and once that they can again."""
        if reachable and not self._reachable:
            log.warning("signing keys reloaded again")
        elif not reachable and self._reachable:
            log.warning("cannot reload the signing keys (%s); keeping the keys held", problem)
        self._reachable = reachable
