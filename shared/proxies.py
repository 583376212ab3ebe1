"""Trusted proxies: the client's address and scheme from `Forwarded` (RFC 7239) or
`X-Forwarded-For`/`X-Forwarded-Proto`, believed only when the TCP peer is a trusted proxy."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from shared.config import Reader, SettingError, read_origins

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class Hop:
    """One forwarded hop: the address a proxy saw and the scheme it was reached with."""

    address: str
    scheme: str | None = None


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The addresses and CIDR blocks whose forwarding headers are believed."""

    networks: tuple[Network, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.networks)

    def trusts(self, address: str | None) -> bool:
        """The address is one of the trusted proxies."""
        parsed = parse_address(address)
        return parsed is not None and any(parsed in network for network in self.networks)

    def client(self, peer: str | None, hops: Sequence[Hop]) -> Hop | None:
        """The rightmost forwarded hop that is not a trusted proxy, when the peer is trusted;
        past a hop that names no address, the nearest proxy that was believed."""
        if not self.trusts(peer):
            return None
        found: Hop | None = None
        for hop in reversed(hops):
            if parse_address(hop.address) is None:
                return found
            found = hop
            if not self.trusts(hop.address):
                return hop
        return found


NO_PROXIES = TrustedProxies()


def parse_trusted_proxies(name: str, value: str | None) -> TrustedProxies:
    """`10.0.0.1, 172.16.0.0/12, ::1`: addresses or CIDR blocks, comma- or space-separated."""
    networks = []
    for word in (value or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(word, strict=False))
        except ValueError:
            raise SettingError(name, f"not an address or CIDR block: {word!r}") from None
    return TrustedProxies(tuple(networks))


def read_trusted_proxies(read: Reader, prefix: str) -> TrustedProxies:
    """The service's `{prefix}_TRUSTED_PROXIES` setting."""
    name = f"{prefix}_TRUSTED_PROXIES"
    return parse_trusted_proxies(name, read.raw(name))


def parse_address(value: str | None) -> Address | None:
    """An address as forwarding headers write it: bare, `[v6]`, `[v6]:port` or `v4:port`."""
    if not value:
        return None
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def forwarded_hops(request: web.BaseRequest) -> list[Hop]:
    """The hops the headers tell of, oldest first: `Forwarded` when sent, else X-Forwarded-*."""
    if request.headers.get("Forwarded"):
        return [Hop(entry.get("for") or "", entry.get("proto")) for entry in request.forwarded]
    addresses = _list(request.headers.getall("X-Forwarded-For", []))
    schemes = _list(request.headers.getall("X-Forwarded-Proto", []))
    if not addresses and schemes:
        # A proxy that tells the scheme only: the peer is the client.
        return [Hop(request.remote or "", schemes[-1])]
    if len(schemes) == len(addresses):
        return [Hop(a, s) for a, s in zip(addresses, schemes, strict=True)]
    # One proto for the whole chain (what most proxies send): the nearest proxy's word.
    nearest = schemes[-1] if schemes else None
    return [Hop(address, nearest) for address in addresses]


def _list(values: Sequence[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def _address_of(hop: Hop) -> str:
    parsed = parse_address(hop.address)
    return str(parsed) if parsed is not None else hop.address


def forwarded_middleware(proxies: TrustedProxies) -> Middleware:
    """The request as the client sent it: address and scheme from a trusted proxy's headers;
    placed first, so that throttles, logs and cookies all read `request.remote`/`scheme`."""

    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        client = proxies.client(request.remote, forwarded_hops(request))
        if client is None:
            return await handler(request)
        scheme = (client.scheme or "").lower()
        seen = request.clone(
            remote=_address_of(client), scheme=scheme if scheme in SCHEMES else request.scheme
        )
        try:
            return await handler(seen)
        finally:
            # The clone has its own state; the access log reads the original's.
            request.update(seen)

    return forwarded


def service_settings(read: Reader, prefix: str) -> dict[str, Any]:
    """The values of the settings every service has beyond where it listens: its CORS
    origins, logs, metrics address and trusted proxies (as Settings keyword arguments)."""
    return {
        "cors_origins": read_origins(read, f"{prefix}_CORS_ORIGINS"),
        "log_level": read.log_level(prefix),
        "log_format": read.log_format(prefix),
        "metrics_listen": read.listen(f"{prefix}_METRICS_LISTEN"),
        "trusted_proxies": read_trusted_proxies(read, prefix),
    }
