"""Which client metadata document URLs may be fetched, and from which addresses (server-side
request forgery, RFC 9700 §4.16 and the draft's security considerations), and the same for
the `jwks_uri` a document names: in `https` mode an https URL whose host is, and resolves to,
public addresses only."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult

HTTPS = "https"
ANY = "any"

_PRINTABLE = re.compile(r"[\x21-\x7e]+")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DocumentRefused(Exception):
    """This document cannot be used; the message says why (for the log, not the page)."""


class ForbiddenAddress(DocumentRefused, OSError):
    """A host that is or resolves to an address we never connect to in `https` mode."""


def is_forbidden(address: IPAddress) -> bool:
    """Loopback, private, link-local, multicast, unspecified or reserved: never fetched from."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def check_fetch_url(url: str, mode: str) -> None:
    """A URL a document makes us fetch (its own, or its `jwks_uri`): http(s) with a host, no
    userinfo or fragment; in `https` mode https only and no host that names a forbidden
    address or a local name (refused before anything is resolved)."""
    if not _PRINTABLE.fullmatch(url):
        raise DocumentRefused("a URL a document names is printable ASCII")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise DocumentRefused("a URL a document names must be http(s) with a host")
    if parts.username is not None or parts.fragment or "#" in url:
        raise DocumentRefused("a URL a document names has no userinfo or fragment")
    if mode != HTTPS:
        return
    if parts.scheme != "https":
        raise DocumentRefused("in https mode only https URLs are fetched")
    literal = _ip_literal(parts.hostname)
    if (literal is not None and is_forbidden(literal)) or parts.hostname == "localhost":
        raise ForbiddenAddress(f"{parts.hostname} is not a public address")


def check_document_url(url: str, mode: str) -> None:
    """A client id document URL: a URL `check_fetch_url` allows, with a path (draft §3)."""
    check_fetch_url(url, mode)
    if urlsplit(url).path in ("", "/"):
        raise DocumentRefused("a client id document URL must have a path")


class GuardedResolver(AbstractResolver):
    """A resolver that refuses a name resolving to any forbidden address, before any
    connection is opened (in `https` mode)."""

    def __init__(self, inner: AbstractResolver) -> None:
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            address = _ip_literal(result["host"])
            if address is None or is_forbidden(address):
                raise ForbiddenAddress(f"{host} resolves to {result['host']}, not a public address")
        return results

    async def close(self) -> None:
        await self._inner.close()


def guarded_socket(mode: str) -> Callable[[AddrInfoType], socket.socket]:
    """A socket factory checking the very address about to be connected to (IP literals skip
    the resolver): the last line, for `https` mode."""

    def create(addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, sockaddr = addr_info
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if mode == HTTPS and is_forbidden(address):
            raise ForbiddenAddress(f"{address} is not a public address")
        return socket.socket(family=family, type=kind, proto=proto)

    return create
