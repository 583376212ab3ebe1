"""Small JSON documents from the issuer over HTTP: status, size cap and parsing checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

CHUNK_BYTES = 16 * 1024


class FetchError(Exception):
    """A document could not be fetched or is not the JSON object expected."""


@dataclass(frozen=True, slots=True)
class JsonDocument:
    """A fetched JSON object and the response's caching instructions."""

    body: dict[str, Any]
    cache_control: str | None


async def get_json(
    session: aiohttp.ClientSession,
    url: str,
    *,
    limit: int,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
) -> JsonDocument:
    """GET a JSON object of at most `limit` bytes; FetchError says what went wrong."""
    try:
        async with session.get(url, headers=headers, params=params) as response:
            if response.status != 200:
                raise FetchError(f"HTTP {response.status} from {url}")
            raw = await _read_capped(response, limit)
            cache_control = response.headers.get("Cache-Control")
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: {type(exc).__name__} {exc}".rstrip()) from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise FetchError(f"{url}: the body is not JSON") from None
    if not isinstance(body, dict):
        raise FetchError(f"{url}: the body is not a JSON object")
    return JsonDocument(body, cache_control)


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body, refusing to hold more than `limit` bytes whatever Content-Length says."""
    if response.content_length is not None and response.content_length > limit:
        raise FetchError(f"{response.url}: the document is larger than {limit} bytes")
    body = bytearray()
    async for chunk in response.content.iter_chunked(CHUNK_BYTES):
        body += chunk
        if len(body) > limit:
            raise FetchError(f"{response.url}: the document is larger than {limit} bytes")
    return bytes(body)
