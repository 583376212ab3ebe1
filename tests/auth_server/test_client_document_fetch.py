"""Fetching client metadata documents safely: the SSRF guards, the size and time limits, no
redirects. Every request here goes to 127.0.0.1; names resolve through injected resolvers."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver
from pytest_aiohttp import AiohttpServer

from auth_server.clients.documents.fetch import DocumentFetcher, cache_lifetime
from auth_server.clients.documents.guard import DocumentRefused, ForbiddenAddress, guarded_socket
from shared.fetch import FetchError
from tests.auth_server.resolvers import FixedResolver


async def refused(mode: str, url: str, resolver: AbstractResolver | None = None) -> str:
    async with DocumentFetcher.open(mode, resolver=resolver, fetch_timeout=0.5) as fetcher:
        with pytest.raises(DocumentRefused) as caught:
            await fetcher.fetch(url)
    return str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/client.json",
        "https://[::1]/client.json",
        "https://localhost/client.json",
        "https://10.1.2.3/client.json",
        "https://169.254.169.254/latest/meta-data",
        "http://agent.example/client.json",  # https only
        "https://agent.example",  # a path is required
        "https://agent.example/",
    ],
)
async def test_https_mode_refuses_these_urls_before_resolving(url: str) -> None:
    resolver = FixedResolver("127.0.0.1")
    await refused("https", url, resolver)
    assert resolver.asked == []


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "192.168.1.1", "fe80::1", "::1"])
async def test_https_mode_refuses_names_resolving_to_local_addresses(address: str) -> None:
    resolver = FixedResolver(address)
    message = await refused("https", "https://agent.example/client.json", resolver)
    assert resolver.asked == ["agent.example"]
    assert "not a public address" in message  # refused by the resolver: no connection opened


@pytest.mark.parametrize("address", ["10.0.0.1", "127.0.0.1", "169.254.169.254", "fe80::1"])
async def test_https_mode_refuses_a_jwks_uri_resolving_to_a_local_address(address: str) -> None:
    resolver = FixedResolver(address)
    async with DocumentFetcher.open("https", resolver=resolver, fetch_timeout=0.5) as fetcher:
        with pytest.raises(FetchError) as caught:
            await fetcher.fetch_keys("https://keys.example/jwks")
    assert resolver.asked == ["keys.example"]
    # Said by the resolver, which refuses before any connection is attempted.
    assert f"resolves to {address}, not a public address" in str(caught.value)


def test_the_address_connected_to_is_checked_too() -> None:
    create = guarded_socket("https")
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::ffff:10.0.0.1")):
        with pytest.raises(ForbiddenAddress):
            create((family, socket.SOCK_STREAM, 6, "", (address, 443)))


def document_server(**routes: Any) -> web.Application:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get(f"/{path}", handler)
    return app


async def test_any_mode_fetches_from_loopback_and_follows_no_redirect(
    aiohttp_server: AiohttpServer,
) -> None:
    async def document(request: web.Request) -> web.Response:
        url = str(request.url)
        return web.json_response({"client_id": url}, headers={"Cache-Control": "max-age=600"})

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/document")

    server = await aiohttp_server(document_server(document=document, moved=moved))
    async with DocumentFetcher.open("any") as fetcher:
        fetched = await fetcher.fetch(str(server.make_url("/document")))
        assert fetched.max_age == 600
    assert "302" in await refused("any", str(server.make_url("/moved")))


async def test_a_document_over_5120_bytes_is_refused(aiohttp_server: AiohttpServer) -> None:
    async def large(request: web.Request) -> web.Response:
        return web.json_response({"client_id": "x", "pad": "x" * 6144})

    async def streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # chunked: no Content-Length to go by
        await response.prepare(request)
        for _ in range(6):
            await response.write(b" " * 1024)
        await response.write(b"{}")
        return response

    server = await aiohttp_server(document_server(large=large, streamed=streamed))
    for path in ("/large", "/streamed"):
        assert "5120 bytes" in await refused("any", str(server.make_url(path)))


async def test_a_jwks_uri_is_fetched_by_the_same_rules_with_a_key_sets_cap(
    aiohttp_server: AiohttpServer,
) -> None:
    async def keys(request: web.Request) -> web.Response:
        return web.json_response({"keys": []}, headers={"Cache-Control": "max-age=600"})

    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("/keys")

    async def large(request: web.Request) -> web.Response:
        return web.json_response({"keys": [], "pad": "x" * 65536})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({"keys": []})

    server = await aiohttp_server(document_server(keys=keys, moved=moved, large=large, slow=slow))
    async with DocumentFetcher.open("any", fetch_timeout=0.5) as fetcher:
        fetched = await fetcher.fetch_keys(str(server.make_url("/keys")))
        assert (fetched.body, fetched.cache_control) == ({"keys": []}, "max-age=600")
        for path, said in (("/moved", "302"), ("/large", "65536 bytes"), ("/slow", "no answer")):
            with pytest.raises(FetchError, match=said):
                await fetcher.fetch_keys(str(server.make_url(path)))


async def test_a_slow_server_times_out(aiohttp_server: AiohttpServer) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.json_response({})

    server = await aiohttp_server(document_server(slow=slow))
    assert "no answer within" in await refused("any", str(server.make_url("/slow")))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, 60),
        ("no-store", 60),
        ("max-age=3600, no-cache", 60),
        ("public, max-age=3600", 3600),
        ("max-age=5", 60),
        ("max-age=999999", 86_400),
        ("max-age=nonsense", 60),
    ],
)
def test_cache_lifetime_follows_the_headers_within_bounds(header: str | None, seconds: int) -> None:
    assert cache_lifetime(header) == seconds
