"""Request ids, JSON access logs and Prometheus metrics, through a real server on loopback."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pytest_aiohttp import AiohttpClient

from shared.errors import InvalidRequest
from shared.http import error_middleware
from shared.logging import ACCESS_LOGGER, AccessLogger, JsonFormatter
from shared.metrics import Metrics, metrics_handler, metrics_middleware
from shared.request_context import REQUEST_ID_HEADER, request_id_middleware, set_client_id


def make_app() -> web.Application:
    metrics = Metrics()
    app = web.Application(
        middlewares=[request_id_middleware, metrics_middleware(metrics), error_middleware]
    )

    async def item(request: web.Request) -> web.Response:
        set_client_id(request, "client-42")
        if request.query.get("fail"):
            raise InvalidRequest("asked to fail")
        return web.json_response({"item": request.match_info["item_id"]})

    app.router.add_get("/items/{item_id}", item)
    app.router.add_get("/metrics", metrics_handler(metrics))
    return app


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """Every access-log record, as the JSON formatter renders it."""
    formatter = JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == ACCESS_LOGGER]


async def client_for(aiohttp_client: AiohttpClient) -> TestClient[web.Request, None]:
    server = TestServer(make_app())
    await server.start_server(
        access_log_class=AccessLogger, access_log=logging.getLogger(ACCESS_LOGGER)
    )
    return await aiohttp_client(server)


async def test_a_plain_request_id_is_kept_and_returned(aiohttp_client: AiohttpClient) -> None:
    client = await client_for(aiohttp_client)
    response = await client.get("/items/7", headers={REQUEST_ID_HEADER: "abc-123"})
    assert response.headers[REQUEST_ID_HEADER] == "abc-123"


@pytest.mark.parametrize("offered", [None, "", "x" * 200, "has space", "<script>", "a/b"])
async def test_a_missing_or_odd_request_id_is_replaced(
    aiohttp_client: AiohttpClient, offered: str | None
) -> None:
    client = await client_for(aiohttp_client)
    headers = {} if offered is None else {REQUEST_ID_HEADER: offered}
    response = await client.get("/items/7", headers=headers)
    made = response.headers[REQUEST_ID_HEADER]
    assert made != offered
    assert len(made) == 32
    int(made, 16)


async def test_errors_carry_the_request_id_too(aiohttp_client: AiohttpClient) -> None:
    client = await client_for(aiohttp_client)
    response = await client.get("/items/7?fail=1", headers={REQUEST_ID_HEADER: "r1"})
    assert response.status == 400
    assert response.headers[REQUEST_ID_HEADER] == "r1"
    missing = await client.get("/nowhere", headers={REQUEST_ID_HEADER: "r2"})
    assert missing.status == 404
    assert missing.headers[REQUEST_ID_HEADER] == "r2"


async def test_one_json_access_line_per_request_without_the_query(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    client = await client_for(aiohttp_client)
    response = await client.get("/items/7?secret=hunter2", headers={REQUEST_ID_HEADER: "req-1"})
    await response.read()
    for _ in range(100):  # the access line is written just after the response is sent
        if access_lines(caplog):
            break
        await asyncio.sleep(0.01)
    (line,) = access_lines(caplog)
    assert line["method"] == "GET"
    assert line["route"] == "/items/{item_id}"
    assert line["status"] == 200
    assert line["client_id"] == "client-42"
    assert line["request_id"] == "req-1"
    assert isinstance(line["latency_ms"], float)
    assert "hunter2" not in json.dumps(line)
    assert "/items/7" not in json.dumps(line)


async def test_metrics_count_requests_by_route_pattern_and_status(
    aiohttp_client: AiohttpClient,
) -> None:
    client = await client_for(aiohttp_client)
    for item_id in ("1", "2", "3"):
        await client.get(f"/items/{item_id}")
    await client.get("/items/4?fail=1")
    await client.get("/nowhere/at/all")
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    ok = 'http_requests_total{method="GET",route="/items/{item_id}",status="200"} 3.0'
    failed = 'http_requests_total{method="GET",route="/items/{item_id}",status="400"} 1.0'
    assert ok in text
    assert failed in text
    assert 'route="unmatched",status="404"' in text
    assert 'http_request_duration_seconds_bucket{le="0.001",method="GET",route="/items/' in text
    assert "/nowhere" not in text
