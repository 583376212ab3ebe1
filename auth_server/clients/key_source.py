"""Where a private_key_jwt client's keys come from: its registered `jwks`, or its `jwks_uri`
fetched by the resource server's rules: cached for the document's max-age, fetched again for
an unknown `kid` at most once per cooldown, one fetch at a time per URI, and the last good
keys kept while the URI cannot be reached."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from auth_server.clients.keys import usable_keys
from auth_server.clients.registry import Client
from shared.fetch import FetchError, get_json, refresh_interval

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 64 * 1024
MAX_URIS = 10_000
DEFAULT_COOLDOWN = 30.0


@dataclass(slots=True)
class _Entry:
    keys: list[dict[str, Any]] = field(default_factory=list)
    expires: float = -float("inf")
    attempted: float = -float("inf")
    inflight: asyncio.Task[None] | None = None


class ClientKeys:
    """Every client's verification keys; `jwks_uri` documents cached per URI."""

    def __init__(
        self, cooldown: float = DEFAULT_COOLDOWN, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._cooldown = cooldown
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self.session: aiohttp.ClientSession | None = None
        self.fetches = 0

    async def keys_for(self, client: Client, kid: str | None) -> list[dict[str, Any]]:
        """The client's keys as JWK members; a `jwks_uri` fetched when needed and allowed."""
        if client.jwks is not None:
            return usable_keys(json.loads(client.jwks))
        if client.jwks_uri is None:
            return []
        entry = self._entry(client.jwks_uri)
        now = self._clock()
        unknown = kid is not None and all(member.get("kid") != kid for member in entry.keys)
        wanted = now >= entry.expires or unknown
        if wanted and (entry.inflight is not None or now - entry.attempted >= self._cooldown):
            await self._refresh(client.jwks_uri, entry)
        return entry.keys

    def _entry(self, uri: str) -> _Entry:
        entry = self._entries.get(uri)
        if entry is None:
            if len(self._entries) >= MAX_URIS:
                self._entries.clear()
            entry = self._entries[uri] = _Entry()
        return entry

    async def _refresh(self, uri: str, entry: _Entry) -> None:
        """One fetch in flight per URI; a caller that goes away does not cancel it."""
        if entry.inflight is None:
            entry.attempted = self._clock()
            entry.inflight = asyncio.create_task(self._fetch(uri, entry))
        task = entry.inflight
        try:
            await asyncio.shield(task)
        finally:
            if task.done() and entry.inflight is task:
                entry.inflight = None

    async def _fetch(self, uri: str, entry: _Entry) -> None:
        if self.session is None:
            return
        self.fetches += 1
        try:
            document = await get_json(self.session, uri, limit=MAX_DOCUMENT_BYTES)
        except FetchError as exc:
            log.warning("cannot fetch a client's keys (%s); keeping %d", exc, len(entry.keys))
            return
        entry.keys = usable_keys(document.body)
        entry.expires = self._clock() + refresh_interval(document.cache_control)
