"""With AUTH_METRICS_LISTEN, /metrics moves to its own listen address and leaves the public
port."""

from __future__ import annotations

import dataclasses

import aiohttp
import pytest
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from shared.serve import start_metrics
from tests.services import free_port


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_metrics_are_served_only_on_their_own_address(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    port = free_port()
    settings = dataclasses.replace(auth_settings, metrics_listen=("127.0.0.1", port))
    public = await aiohttp_client(create_app(settings))
    assert (await public.get("/healthz")).status == 200
    assert (await public.get("/metrics")).status == 404
    runner = await start_metrics(public.app)
    assert runner is not None
    try:
        async with aiohttp.ClientSession() as session:
            response = await session.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status == 200
            assert 'http_requests_total{method="GET",route="/healthz"' in await response.text()
    finally:
        await runner.cleanup()


def test_the_setting_is_a_host_and_port() -> None:
    assert Settings.from_env({"AUTH_METRICS_LISTEN": "[::1]:9464"}).metrics_listen == ("::1", 9464)
    assert Settings.from_env({}).metrics_listen is None
