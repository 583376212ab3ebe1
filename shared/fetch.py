"""Small JSON documents (an issuer's, a client's keys) over HTTP: status, size and parsing
checked; how long a fetched document may be kept."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

CHUNK_BYTES = 16 * 1024
DEFAULT_MAX_AGE = 300
MIN_MAX_AGE = 60
MAX_MAX_AGE = 86_400
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


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


def refresh_interval(cache_control: str | None) -> int:
    """Seconds until the next scheduled fetch: the JWKS's max-age (RFC 9111 §5.2.2.1),
    clamped so that a bad header neither hammers the issuer nor pins old keys for long."""
    if not cache_control:
        return DEFAULT_MAX_AGE
    directives = cache_control.lower()
    if "no-store" in directives or "no-cache" in directives:
        return MIN_MAX_AGE
    match = _MAX_AGE.search(cache_control)
    seconds = int(match.group(1)) if match else DEFAULT_MAX_AGE
    return max(MIN_MAX_AGE, min(MAX_MAX_AGE, seconds))
