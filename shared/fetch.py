"""Small JSON documents (an issuer's, a client's keys) over HTTP: status, size cap and parsing
checked, no redirect followed; how long a fetched document may be kept; and where a server
reaches its issuer (its back channel)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

CHUNK_BYTES = 16 * 1024
METADATA_PATH = "/.well-known/oauth-authorization-server"
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


@dataclass(frozen=True, slots=True)
class IssuerLink:
    """The trusted issuer and the base URL this server reaches it at (RESOURCE_AUTH_SERVER_URL,
    else the issuer itself)."""

    issuer: str
    back_channel: str

    @property
    def metadata_url(self) -> str:
        """RFC 8414 §3: the issuer's metadata, asked through the back channel."""
        return self.back_channel + METADATA_PATH

    def reach(self, url: str) -> str:
        """A URL the metadata names, as this server fetches it: one under the issuer's URL moves
        to the back channel; otherwise an https issuer's documents come over https only."""
        if self.back_channel != self.issuer and (
            url == self.issuer or url.startswith(self.issuer + "/")
        ):
            return self.back_channel + url[len(self.issuer) :]
        if self.issuer.startswith("https://") and not url.startswith("https://"):
            raise FetchError(f"{url}: an https issuer's documents are fetched over https only")
        return url


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
        async with session.get(
            url, headers=headers, params=params, allow_redirects=False
        ) as response:
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
