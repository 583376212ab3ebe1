"""Where a private_key_jwt client's keys come from: its registered `jwks`, or its `jwks_uri`
fetched by the resource server's rules: cached for the document's max-age, fetched again for
an unknown `kid` at most once per cooldown, one fetch at a time per URI, and the last good
keys kept while the URI cannot be reached.

Who fetches a `jwks_uri` depends on who wrote it: an operator's or a registered client's through
the plain session (no redirects, 64 KiB, 5 s); a metadata document's, which anyone may have
written, only through the document fetcher's SSRF guard (clients/documents/), never otherwise."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from auth_server.clients.keys import usable_keys
from auth_server.clients.registry import METADATA_DOCUMENT, Client
from shared.fetch import FetchError, JsonDocument, get_json, refresh_interval

log = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 64 * 1024
MAX_URIS = 10_000
DEFAULT_COOLDOWN = 30.0

# GET a key set; FetchError if it cannot be had.
KeyFetch = Callable[[str], Awaitable[JsonDocument]]


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
        self._entries: dict[tuple[bool, str], _Entry] = {}
        self.session: aiohttp.ClientSession | None = None
        self.fetches = 0

    async def keys_for(
        self, client: Client, kid: str | None, guarded: KeyFetch | None = None
    ) -> list[dict[str, Any]]:
        """The client's keys as JWK members; a `jwks_uri` fetched when needed and allowed. A
        metadata document's `jwks_uri` is fetched by `guarded` alone: none without it."""
        if client.jwks is not None:
            return usable_keys(json.loads(client.jwks))
        if client.jwks_uri is None:
            return []
        from_document = client.source == METADATA_DOCUMENT
        if from_document and guarded is None:  # documents are off: what they name is not fetched
            return []
        fetch = guarded if from_document and guarded is not None else self._fetch_open
        # Kept apart: what an unguarded fetch found never answers for a document's jwks_uri.
        entry = self._entry((from_document, client.jwks_uri))
        now = self._clock()
        unknown = kid is not None and all(member.get("kid") != kid for member in entry.keys)
        wanted = now >= entry.expires or unknown
        if wanted and (entry.inflight is not None or now - entry.attempted >= self._cooldown):
            await self._refresh(client.jwks_uri, entry, fetch)
        return entry.keys

    def _entry(self, key: tuple[bool, str]) -> _Entry:
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= MAX_URIS:
                self._entries.clear()
            entry = self._entries[key] = _Entry()
        return entry

    async def _refresh(self, uri: str, entry: _Entry, fetch: KeyFetch) -> None:
        """One fetch in flight per URI; a caller that goes away does not cancel it."""
        if entry.inflight is None:
            entry.attempted = self._clock()
            entry.inflight = asyncio.create_task(self._fetch(uri, entry, fetch))
        task = entry.inflight
        try:
            await asyncio.shield(task)
        finally:
            if task.done() and entry.inflight is task:
                entry.inflight = None

    async def _fetch(self, uri: str, entry: _Entry, fetch: KeyFetch) -> None:
        self.fetches += 1
        try:
            document = await fetch(uri)
        except FetchError as exc:
            log.warning("cannot fetch a client's keys (%s); keeping %d", exc, len(entry.keys))
            return
        entry.keys = usable_keys(document.body)
        entry.expires = self._clock() + refresh_interval(document.cache_control)

    async def _fetch_open(self, uri: str) -> JsonDocument:
        """A key set an operator or a registered client named, through the plain session."""
        if self.session is None:
            raise FetchError(f"{uri}: the server is not running")
        return await get_json(self.session, uri, limit=MAX_DOCUMENT_BYTES)
