"""Fetching a client metadata document (SPEC: GET, `Accept: application/json`, 5 s, at most
5,120 bytes, no redirects followed, no cookies) and how long it may be kept (its HTTP caching
headers, RFC 9111 §5.2.2, clamped to 60 s .. 24 h); and the key set at a document's
`jwks_uri`, through the same guard and by the same rules (its size cap a key set's)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver

from auth_server.clients.documents.guard import (
    HTTPS,
    DocumentRefused,
    GuardedResolver,
    check_document_url,
    check_fetch_url,
    guarded_socket,
)
from auth_server.clients.keys import MAX_JWKS_BYTES
from shared.fetch import FetchError, JsonDocument

MAX_BYTES = 5120
TIMEOUT_SECONDS = 5.0
MIN_MAX_AGE = 60
MAX_MAX_AGE = 86_400
USER_AGENT = "auth-server (client metadata documents)"
JWKS_ACCEPT = "application/jwk-set+json, application/json"  # RFC 7517 §8.5.1


@dataclass(frozen=True, slots=True)
class Fetched:
    """A document as fetched: its JSON object and how many seconds it may be kept."""

    document: dict[str, Any]
    max_age: int


def cache_lifetime(cache_control: str | None) -> int:
    """max-age clamped to 60 s .. 24 h; none, no-cache or no-store count as 60 s (SPEC)."""
    directives = [d.strip().lower() for d in (cache_control or "").split(",")]
    if "no-store" in directives or "no-cache" in directives:
        return MIN_MAX_AGE
    for directive in directives:
        name, _, value = directive.partition("=")
        if name == "max-age" and value.strip('"').isdigit():
            return max(MIN_MAX_AGE, min(MAX_MAX_AGE, int(value.strip('"'))))
    return MIN_MAX_AGE


class DocumentFetcher:
    """One HTTP client session for documents, guarded as the mode says."""

    def __init__(self, session: aiohttp.ClientSession, mode: str) -> None:
        self._session = session
        self._mode = mode

    @property
    def mode(self) -> str:
        """The guard's mode: `https` (public https addresses only) or `any`."""
        return self._mode

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls,
        mode: str,
        *,
        fetch_timeout: float = TIMEOUT_SECONDS,
        resolver: AbstractResolver | None = None,
    ) -> AsyncIterator[DocumentFetcher]:
        """A fetcher for `mode` (`https` or `any`); `resolver` and `fetch_timeout` for tests."""
        resolver = resolver or aiohttp.ThreadedResolver()
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(resolver) if mode == HTTPS else resolver,
            socket_factory=guarded_socket(mode),
            use_dns_cache=False,  # every fetch resolves, and is checked, afresh
            force_close=True,
        )
        async with aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=fetch_timeout),
            headers={"User-Agent": USER_AGENT},
            trust_env=False,  # never through a proxy from the environment
        ) as session:
            yield cls(session, mode)

    async def fetch(self, url: str) -> Fetched:
        """The document at `url`, or DocumentRefused saying what went wrong."""
        check_document_url(url, self._mode)
        body, cache_control = await self._get(url, "application/json", MAX_BYTES)
        return Fetched(_json_object(body), cache_lifetime(cache_control))

    async def fetch_keys(self, url: str) -> JsonDocument:
        """The key set at a document's `jwks_uri` (what ClientKeys caches), guarded as the
        document was: anyone on the internet may have written the URL. FetchError if not."""
        try:
            check_fetch_url(url, self._mode)
            body, cache_control = await self._get(url, JWKS_ACCEPT, MAX_JWKS_BYTES)
            return JsonDocument(_json_object(body), cache_control)
        except DocumentRefused as exc:
            raise FetchError(f"{url}: {exc}") from None

    async def _get(self, url: str, accept: str, limit: int) -> tuple[bytes, str | None]:
        """GET `url`: its body (at most `limit` bytes) and Cache-Control, on a 200 only."""
        try:
            async with self._session.get(
                url, headers={"Accept": accept}, allow_redirects=False
            ) as response:
                if response.status != 200:
                    raise DocumentRefused(
                        f"answered HTTP {response.status} (redirects are not followed)"
                    )
                return await _bounded(response, limit), response.headers.get("Cache-Control")
        except TimeoutError:
            raise DocumentRefused(f"no answer within {self._session.timeout.total} s") from None
        except aiohttp.ClientError as exc:
            cause = exc.__cause__ if isinstance(exc.__cause__, DocumentRefused) else exc
            raise DocumentRefused(f"cannot be fetched: {cause}") from None


async def _bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, refused as soon as it is known to pass `limit` bytes."""
    if response.content_length is not None and response.content_length > limit:
        raise DocumentRefused(f"is larger than {limit} bytes")
    body = await response.content.read(limit + 1)
    while len(body) <= limit and not response.content.at_eof():
        chunk = await response.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        raise DocumentRefused(f"is larger than {limit} bytes")
    return body


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise DocumentRefused("is not valid JSON") from None
    if not isinstance(document, dict):
        raise DocumentRefused("is not a JSON object")
    return document
