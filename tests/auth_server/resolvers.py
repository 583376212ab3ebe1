"""Name resolution for SSRF-guard tests: a name resolves to whatever the test says, so no
lookup ever leaves the machine and no refused address is ever connected to."""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult


class FixedResolver(AbstractResolver):
    """Resolves every name to one address, and remembers what it was asked."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(
                hostname=host, host=self.address, port=port, family=family, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None
