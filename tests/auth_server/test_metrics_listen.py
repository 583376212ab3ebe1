"""With AUTH_METRICS_LISTEN, /metrics moves to its own listen address and leaves the public
port."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import aiohttp
import pytest
import requests
from pytest_aiohttp import AiohttpClient

from auth_server import Settings, create_app
from shared.serve import start_metrics
from tests.services import deployment_env, free_port, running


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_metrics_are_served_only_on_their_own_address(
    aiohttp_client: AiohttpClient, auth_settings: Settings
) -> None:
    port = free_port()
    settings = dataclasses.replace(auth_settings, metrics_listen=("127.0.0.1", port))
    public = await aiohttp_client(create_app(settings))
    assert (await public.get("/healthz")).status == 200
    assert (await public.get("/metrics")).status == 404
    listener = await start_metrics(public.app)
    assert listener is not None
    try:
        async with aiohttp.ClientSession() as session:
            response = await session.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status == 200
            assert 'http_requests_total{method="GET",route="/healthz"' in await response.text()
    finally:
        await listener.close()


def test_the_setting_is_a_host_and_port() -> None:
    assert Settings.from_env({"AUTH_METRICS_LISTEN": "[::1]:9464"}).metrics_listen == ("::1", 9464)
    assert Settings.from_env({}).metrics_listen is None


@pytest.mark.parametrize("database_kind", ["sqlite"])
def test_serve_listens_for_metrics_in_every_worker(database_url: str, tmp_path: Path) -> None:
    env, auth_url, _ = deployment_env(database_url, tmp_path)
    metrics_url = f"http://127.0.0.1:{free_port()}/metrics"
    env["AUTH_METRICS_LISTEN"] = metrics_url.removeprefix("http://").removesuffix("/metrics")
    command = [sys.executable, "-m", "auth_server", "serve", "--workers", "2"]
    with running(command, env, f"{auth_url}/readyz"):
        assert requests.get(f"{auth_url}/metrics", timeout=5).status_code == 404
        response = requests.get(metrics_url, timeout=5)
        assert response.status_code == 200
        assert "http_requests_total" in response.text
