"""Trusted proxies: forwarded headers believed only from a trusted peer, and the client is the
rightmost forwarded address that is not a trusted proxy."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from aiohttp.typedefs import Handler
from pytest_aiohttp import AiohttpClient

from shared.config import SettingError
from shared.metrics import Metrics
from shared.proxies import Hop, forwarded_middleware, parse_address, parse_trusted_proxies
from shared.request_context import REQUEST_ID, request_id_middleware
from shared.service import service_app

Client = TestClient[web.Request, web.Application]
PROXIES = parse_trusted_proxies("X_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8, fd00::/8")


METRICS = web.AppKey("metrics", Metrics)


async def whoami(request: web.Request) -> web.Response:
    return web.json_response({"remote": request.remote, "scheme": request.scheme})


async def client_for(aiohttp_client: AiohttpClient, trusted: str | None) -> Client:
    app = service_app(METRICS, 1024, parse_trusted_proxies("X_TRUSTED_PROXIES", trusted))
    app.router.add_get("/whoami", whoami)
    return await aiohttp_client(app)


@pytest.mark.parametrize(
    ("hops", "client"),
    [
        (["203.0.113.7"], "203.0.113.7"),
        (["198.51.100.1", "203.0.113.7"], "203.0.113.7"),  # the left one is the client's say
        (["203.0.113.7", "10.1.2.3"], "203.0.113.7"),  # a trusted proxy in front is skipped
        (["10.9.9.9", "10.1.2.3"], "10.9.9.9"),  # all trusted: the oldest hop
        (["unknown", "10.1.2.3"], "10.1.2.3"),  # nothing usable past a proxy we believe
        (["[2001:db8::7]:4711"], "[2001:db8::7]:4711"),
    ],
)
def test_the_client_is_the_rightmost_untrusted_hop(hops: list[str], client: str) -> None:
    found = PROXIES.client("127.0.0.1", [Hop(address) for address in hops])
    assert found is not None
    assert found.address == client


def test_headers_from_an_untrusted_peer_are_ignored() -> None:
    assert PROXIES.client("192.0.2.1", [Hop("203.0.113.7")]) is None
    assert PROXIES.client(None, [Hop("203.0.113.7")]) is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7:443", "203.0.113.7"),
        ('"[2001:db8::7]:4711"', "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("_hidden", None),
        ("", None),
    ],
)
def test_addresses_are_read_as_headers_write_them(text: str, address: str | None) -> None:
    parsed = parse_address(text)
    assert (None if parsed is None else str(parsed)) == address


@pytest.mark.parametrize("value", ["10.0.0.0/33", "proxy.example", "10.0.0.1;"])
def test_a_bad_entry_names_the_setting(value: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_trusted_proxies("AUTH_TRUSTED_PROXIES", value)
    assert caught.value.name == "AUTH_TRUSTED_PROXIES"


async def test_a_trusted_proxy_sets_the_address_and_scheme(aiohttp_client: AiohttpClient) -> None:
    client = await client_for(aiohttp_client, "127.0.0.0/8")
    headers = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7", "X-Forwarded-Proto": "https"}
    response = await client.get("/whoami", headers=headers)
    assert await response.json() == {"remote": "203.0.113.7", "scheme": "https"}
    assert response.headers["X-Request-ID"]


async def test_forwarded_wins_over_x_forwarded_for(aiohttp_client: AiohttpClient) -> None:
    client = await client_for(aiohttp_client, "127.0.0.1")
    headers = {
        "Forwarded": 'for=198.51.100.1;proto=http, for="[2001:db8::7]:4711";proto=https',
        "X-Forwarded-For": "192.0.2.99",
    }
    response = await client.get("/whoami", headers=headers)
    assert await response.json() == {"remote": "2001:db8::7", "scheme": "https"}


async def test_an_odd_scheme_is_not_believed(aiohttp_client: AiohttpClient) -> None:
    client = await client_for(aiohttp_client, "127.0.0.1")
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "gopher"}
    response = await client.get("/whoami", headers=headers)
    assert await response.json() == {"remote": "203.0.113.7", "scheme": "http"}


@pytest.mark.parametrize("trusted", [None, "10.0.0.0/8"])
async def test_without_a_trusted_peer_the_headers_are_ignored(
    aiohttp_client: AiohttpClient, trusted: str | None
) -> None:
    client = await client_for(aiohttp_client, trusted)
    headers = {
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        "Forwarded": "for=1.2.3.4",
    }
    response = await client.get("/whoami", headers=headers)
    assert await response.json() == {"remote": "127.0.0.1", "scheme": "http"}


async def test_what_handlers_note_reaches_the_access_log(aiohttp_client: AiohttpClient) -> None:
    """aiohttp's access log sees the request before the clone: it must see what was noted."""
    noted: list[str | None] = []

    @web.middleware
    async def access_log(request: web.Request, handler: Handler) -> web.StreamResponse:
        response = await handler(request)
        noted.append(request.get(REQUEST_ID))
        return response

    app = web.Application(
        middlewares=[access_log, forwarded_middleware(PROXIES), request_id_middleware]
    )
    app.router.add_get("/whoami", whoami)
    client = await aiohttp_client(app)
    response = await client.get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
    assert (await response.json())["remote"] == "203.0.113.7"
    assert noted == [response.headers["X-Request-ID"]]
