"""Metadata-document clients kept in the database: a client row under the document's URL
(so codes, consents and refresh tokens refer to it like any other) and when to fetch again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection

from auth_server.clients.documents.document import client_from_document
from auth_server.clients.documents.fetch import DocumentFetcher
from auth_server.clients.documents.guard import DocumentRefused
from auth_server.clients.registry import ClientRepository
from shared.db import Database
from shared.fetch import JsonDocument

log = logging.getLogger(__name__)
MAX_URL_LENGTH = 1024


def looks_like_document_url(client_id: str) -> bool:
    """A client id that names a document: our own ids are letters and digits only."""
    return client_id.startswith(("https://", "http://")) and len(client_id) <= MAX_URL_LENGTH


class DocumentClients:
    """Makes sure the client a document URL names is stored and fresh before it is used."""

    def __init__(
        self,
        database: Database,
        clients: ClientRepository,
        fetcher: DocumentFetcher,
        *,
        server_scopes: tuple[str, ...],
        grant_types: Collection[str],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = database
        self._clients = clients
        self._fetcher = fetcher
        self._scopes = server_scopes
        self._grant_types = grant_types
        self._clock = clock

    async def fetch_keys(self, jwks_uri: str) -> JsonDocument:
        """The key set a stored document's `jwks_uri` names, fetched under the same guard."""
        return await self._fetcher.fetch_keys(jwks_uri)

    async def refresh(self, url: str) -> None:
        """Fetch and store the document unless a fresh copy is stored; DocumentRefused (logged)
        if it cannot be fetched or is not a valid client."""
        expires_at = await self._db.fetchval(
            "SELECT expires_at FROM client_metadata_documents WHERE client_id = $1", url
        )
        if expires_at is not None and int(expires_at) > self._clock():
            return
        try:
            fetched = await self._fetcher.fetch(url)
            new = client_from_document(
                url,
                fetched.document,
                server_scopes=self._scopes,
                grant_types=self._grant_types,
                mode=self._fetcher.mode,
            )
        except DocumentRefused as exc:
            log.warning("client metadata document %s refused: %s", url, exc)
            raise
        now = int(self._clock())
        async with self._db.transaction() as tx:
            await self._clients.put_public(url, new, tx)
            await tx.execute(
                "INSERT INTO client_metadata_documents (client_id, fetched_at, expires_at)"
                " VALUES ($1, $2, $3) ON CONFLICT (client_id) DO UPDATE"
                " SET fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
                url,
                now,
                now + fetched.max_age,
            )
        self._clients.forget(url)
        log.info("client metadata document %s fetched, kept %d s", url, fetched.max_age)
