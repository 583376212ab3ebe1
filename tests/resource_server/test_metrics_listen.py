"""With RESOURCE_METRICS_LISTEN, /metrics moves to its own listen address and leaves the
public port."""

from __future__ import annotations

import aiohttp
import pytest

from resource_server.settings import Settings
from shared.config import SettingError
from shared.serve import start_metrics
from tests.resource_server.conftest import StartRS
from tests.services import free_port


@pytest.mark.parametrize("database_kind", ["sqlite"])
async def test_metrics_are_served_only_on_their_own_address(start_rs: StartRS) -> None:
    port = free_port()
    rs = await start_rs(metrics_listen=("127.0.0.1", port))
    assert (await rs.get("/metrics")).status == 404
    assert rs.app is not None
    listener = await start_metrics(rs.app)
    assert listener is not None
    try:
        async with aiohttp.ClientSession() as session:
            response = await session.get(f"http://127.0.0.1:{port}/metrics")
            assert response.status == 200
            assert "http_requests_total" in await response.text()
    finally:
        await listener.close()


def test_a_bad_address_names_the_setting() -> None:
    with pytest.raises(SettingError, match="RESOURCE_METRICS_LISTEN"):
        Settings.from_env({"RESOURCE_METRICS_LISTEN": "9464"})
